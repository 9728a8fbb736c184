from django import forms
from django.contrib import admin

from tular.core.admin_base import SavedByServiceAdmin
from tular.core.errors import FieldConflict, Invalid
from tular.participants.models import Participant
from tular.participants.services import (
    UPDATABLE,
    participant_check_update,
    participant_update,
)


class ParticipantForm(forms.ModelForm):
    """Validated as on enrolment (normalised e-mail, chosen code, unique external id), each
    error beside its field; saved by participant_update, never by the form itself."""

    class Meta:
        model = Participant
        fields = UPDATABLE

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        changes = {field: cleaned.get(field) for field in UPDATABLE}
        try:
            participant_check_update(participant=self.instance, changes=changes)
        except Invalid as refused:
            for error in refused.extra["errors"]:
                field = error["loc"][1] if len(error["loc"]) > 1 else None
                self.add_error(field if field in self.fields else None, error["msg"])
        except FieldConflict as refused:
            self.add_error(refused.field, refused.detail)
        return cleaned


@admin.register(Participant)
class ParticipantAdmin(SavedByServiceAdmin):
    """Participants enrol through the API (or sign-up); here they are corrected."""

    form = ParticipantForm
    list_display = ("code", "name", "email", "program", "kind", "created_at")
    list_filter = ("kind", "program")
    search_fields = ("code", "name", "email", "external_id")
    readonly_fields = ("id", "workspace", "program", "email_normalised", "created_at")

    def has_add_permission(self, request):
        return False

    def save_form(self, request, form, change):
        return participant_update(
            participant=form.instance,
            changes={field: form.cleaned_data.get(field) for field in UPDATABLE},
        )
