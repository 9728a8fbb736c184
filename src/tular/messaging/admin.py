"""The outbox in Django's admin: read-only, for superusers (it holds reset links)."""

from django.contrib import admin

from tular.messaging.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to", "kind", "language", "status", "attempts", "sent_at")
    list_filter = ("status", "category", "kind", "language")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
