"""The participants pages' forms: filters, add one, edit, import."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tular.analytics import recognition
from tular.console.forms import OnceTokenField
from tular.core.errors import FieldConflict, Invalid
from tular.core.forms import StyledForm
from tular.participants import selectors
from tular.participants.imports import MAX_BYTES
from tular.participants.models import ParticipantKind
from tular.participants.selectors import ACTIVITY_STATUSES
from tular.programs.services import programs_filter

ACTIVITY_LABELS = {
    "new": _("New: no clicks yet"),
    "sharing": _("Sharing: clicks, no referrals"),
    "referring": _("Referring: referrals, no rewards"),
    "earning": _("Earning: has rewards"),
}
# The service's field names → the forms' (the same here), and its messages people read better.
FIELD_MESSAGES = {
    "email": _("Enter a valid e-mail address."),
    "external_id": _("This external id is already used by another participant of the program."),
    "locale": _("Choose Indonesian or English."),
    "name": _("At most 200 characters."),
}


def program_choices(workspace, *, empty: str | None = None) -> list[tuple[str, str]]:
    programs = programs_filter(workspace=workspace).exclude(status="archived").order_by("name")
    choices = [(program.slug, program.name) for program in programs]
    return [("", empty), *choices] if empty is not None else choices


def add_service_error(form: forms.Form, refused: Invalid | FieldConflict) -> None:
    """A service's refusal beside the field it names (else on the form)."""
    if isinstance(refused, FieldConflict):
        field = refused.field
    else:
        loc = refused.extra.get("errors", [{}])[0].get("loc", [])
        field = loc[-1] if loc else None
    if field in form.fields:
        form.add_error(field, FIELD_MESSAGES.get(field, refused.detail))
    else:
        form.add_error(None, refused.detail)


class FilterForm(forms.Form):
    """The list's search and filters (GET); an unknown value is ignored."""

    q = forms.CharField(required=False, max_length=100)
    program = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *ParticipantKind.choices])
    activity = forms.ChoiceField(
        required=False, choices=[("", ""), *((s, s) for s in ACTIVITY_STATUSES)]
    )
    earned = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes"), ("no", "no")])
    # R61: "champions", everyone who has referred (analytics.recognition.champions_only).
    segment = forms.ChoiceField(required=False, choices=[("", ""), ("champions", "champions")])

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [
            ("", ""),
            *((p.slug, p.name) for p in programs_filter(workspace=workspace)),
        ]

    def values(self) -> dict[str, str]:
        """The valid filters (each one wrong is dropped, not an error)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: "" if name in self.errors else (cleaned.get(name) or "") for name in self.fields
        }


def participants_filtered(*, workspace, filters: dict[str, str]):
    """The participants the list's filters (`FilterForm.values()`) pick, with their figures: the
    list and its export show the same."""
    found = selectors.participants_search(
        workspace=workspace,
        query=filters["q"],
        program_slug=filters["program"],
        kind=filters["kind"],
        activity=filters["activity"],
        earned=filters["earned"],
    )
    if filters.get("segment") == "champions":
        found = recognition.champions_only(found)
    return selectors.with_figures(found)


class ParticipantForm(StyledForm, forms.Form):
    program = forms.ChoiceField(label=_("Program"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254)
    external_id = forms.CharField(
        label=_("External id"),
        max_length=200,
        required=False,
        help_text=_(
            "Your own id for this person (e.g. the customer number in your shop). Optional; "
            "unique in the program."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        help_text=_("Left empty: the program's usual kind."),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    token = OnceTokenField()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = program_choices(workspace)
        self.fields["kind"].choices = [
            ("", _("The program's usual kind")),
            *ParticipantKind.choices,
        ]
        self.fields["locale"].initial = workspace.default_language


class ParticipantEditForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254)
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ImportForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: program, email, name, external_id, kind, locale (Indonesian headers such "
            "as nama, surel, jenis, bahasa work too). Comma or semicolon separated, UTF-8. At "
            "most 5 MB and 20,000 rows."
        ),
    )
    program = forms.ChoiceField(
        label=_("Program"),
        required=False,
        help_text=_("Every row joins this program; left empty, each row names its program."),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = program_choices(
            workspace, empty=_("The program named in each row")
        )
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        return upload
