from django.contrib import admin

from tular.tracking.models import Click


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
