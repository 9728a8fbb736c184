from django.contrib import admin

from tular.tracking.models import Click, Touchpoint


@admin.register(Click)
class ClickAdmin(admin.ModelAdmin):
    """Clicks are an append-only record: managers look, nobody edits."""

    list_display = ("created_at", "participant", "program", "source", "referrer", "ip")
    list_filter = ("source", "program")
    list_select_related = ("participant", "program")
    search_fields = ("participant__code", "participant__email")
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    """Touches of customers' journeys, recorded through the API (docs/attribution.md): read-only
    here, so the record stays what the integration sent."""

    list_display = ("occurred_at", "customer_external_id", "kind", "participant", "campaign")
    list_filter = ("kind", "program")
    list_select_related = ("participant",)
    search_fields = ("customer_external_id", "campaign", "participant__email")
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
