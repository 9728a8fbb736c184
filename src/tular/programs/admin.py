from django import forms
from django.contrib import admin

from tular.core.admin_base import SavedByServiceAdmin
from tular.core.errors import FieldConflict, Invalid
from tular.programs.models import Program
from tular.programs.rules import PROGRAM_SETTINGS_FIELDS
from tular.programs.services import (
    program_check_update,
    program_create,
    program_update,
    program_validate,
)
from tular.workspaces.audit import Actor

LIST_FIELDS = ("allowed_hosts", "rules")


class ProgramForm(forms.ModelForm):
    """The admin's program form: validated by the same schema as the API (ProgramSettings), with
    each error shown beside its field; saved by the services, never by the form itself."""

    class Meta:
        model = Program
        fields = ("workspace", *PROGRAM_SETTINGS_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned  # the fields' own errors first
        settings = {field: cleaned.get(field) for field in PROGRAM_SETTINGS_FIELDS}
        for field in LIST_FIELDS:
            if settings[field] in (None, ""):
                settings[field] = []
        try:
            self.program_settings = program_validate(settings)
            if not self.instance._state.adding:
                program_check_update(program=self.instance, changes=settings)
        except Invalid as refused:
            for error in refused.extra["errors"]:
                self._add_settings_error(error["loc"][1:], error["msg"])
        except FieldConflict as refused:
            self.add_error(refused.field, refused.detail)
        return cleaned

    def _add_settings_error(self, loc: list, msg: str) -> None:
        """Beside its field ("rules[0].percent: …" under rules); a whole-program error on top."""
        if loc and loc[0] in self.fields:
            where = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:]
            )
            self.add_error(loc[0], f"{loc[0]}{where}: {msg}" if where else msg)
        else:
            self.add_error(None, msg)


@admin.register(Program)
class ProgramAdmin(SavedByServiceAdmin):
    """Programs are written by program_create and program_update only (validation, audit)."""

    form = ProgramForm
    list_display = ("slug", "name", "kind", "currency", "workspace", "created_at")
    list_filter = ("kind", "currency", "workspace")
    search_fields = ("slug", "name")
    readonly_fields = ("id", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # A program stays in its workspace.
        return (*self.readonly_fields, "workspace") if obj is not None else self.readonly_fields

    def save_form(self, request, form, change):
        actor = Actor.for_user(request.user)
        if change:
            return program_update(
                program=form.instance,
                changes=form.program_settings.model_dump(mode="json"),
                actor=actor,
            )
        return program_create(
            workspace=form.cleaned_data["workspace"], config=form.program_settings, actor=actor
        )
