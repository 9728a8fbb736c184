from django.contrib import admin

from tular.programs.models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "kind", "currency", "workspace", "created_at")
    list_filter = ("kind", "currency", "workspace")
    search_fields = ("slug", "name")
    readonly_fields = ("id", "created_at", "updated_at")
