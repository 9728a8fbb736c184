from django.contrib import admin

from tular.participants.models import Participant


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "email", "program", "kind", "created_at")
    list_filter = ("kind", "program")
    search_fields = ("code", "name", "email", "external_id")
    readonly_fields = ("id", "code", "email_normalised", "created_at")
