from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tular.core.errors import DomainError
from tular.workspaces.audit import Actor
from tular.workspaces.models import ApiKey, AuditEntry, Workspace
from tular.workspaces.services import api_key_revoke


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "created_at")
    search_fields = ("slug", "name")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created with `tular apikey create` or the API (which show the key once) and
    revoked with the action below, through the services: both are in the audit log."""

    list_display = ("prefix", "workspace", "name", "publishable", "created_at", "revoked_at")
    list_filter = ("publishable", "workspace")
    readonly_fields = ("prefix", "workspace", "publishable", "created_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the key's row stays for the audit log

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        actor = Actor.for_user(request.user)
        done = 0
        for key in queryset:
            try:
                api_key_revoke(workspace=key.workspace, key_id_or_prefix=str(key.pk), actor=actor)
                done += 1
            except DomainError as refused:
                self.message_user(request, f"{key}: {refused.detail}", messages.WARNING)
        self.message_user(request, _("Revoked: %(count)d.") % {"count": done})


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ("at", "workspace", "actor", "action", "target_type", "target_id")
    list_filter = ("action", "workspace")
    search_fields = ("actor", "target_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
