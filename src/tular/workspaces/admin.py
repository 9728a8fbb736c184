from django.contrib import admin

from tular.workspaces.models import ApiKey, AuditEntry, Workspace


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "created_at")
    search_fields = ("slug", "name")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "workspace", "name", "publishable", "created_at", "revoked_at")
    list_filter = ("publishable", "workspace")
    readonly_fields = ("prefix", "workspace", "publishable", "created_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False  # keys are created with `tular apikey create`, which shows the key once


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
