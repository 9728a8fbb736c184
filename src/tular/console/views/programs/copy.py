"""A program's words, per language: the landing page at /join/<slug> (R10), the share message
and the pre-written messages of the portal (R9), and the landing page's A/B test with its
results per variant.

A blank field means "use the default" (`programs.copy.defaults`): each field shows the default
as its placeholder. Saving goes through `programs.copy.copy_save` (the service; audited), which
refuses an unknown merge field; its error is shown beside the field it names. Managers and
owners edit; viewers read.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import actor_of, can_change, console_view
from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.programs.copy import LANGUAGES, MAX_FAQ, MAX_MESSAGES, copy_for, copy_save, defaults
from tular.programs.models import LandingElement, LandingStat, Program, ProgramCopy, ProgramStatus
from tular.programs.services import program_get

# The texts of ProgramCopy the form edits as they are (the FAQ and the messages apart).
TEXTS = (
    "headline",
    "value_proposition",
    "incentive",
    "button",
    "social_proof",
    "share_message",
    "test_element",
    "test_text",
)

LANGUAGE_LABELS = {"id": gettext_lazy("Indonesian"), "en": gettext_lazy("English")}
FAQ_SHOWN = 3
MERGE_HELP = gettext_lazy(
    "Merge fields: {link} the referrer's link, {code} their code, {name} their name."
)


def _limit(name: str) -> int:
    return ProgramCopy._meta.get_field(name).max_length


class CopyForm(StyledForm, forms.Form):
    headline = forms.CharField(label=gettext_lazy("Headline"), max_length=_limit("headline"))
    value_proposition = forms.CharField(
        label=gettext_lazy("Value proposition"),
        max_length=_limit("value_proposition"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    incentive = forms.CharField(
        label=gettext_lazy("Incentive (what the friend gets)"), max_length=_limit("incentive")
    )
    button = forms.CharField(label=gettext_lazy("Button"), max_length=_limit("button"))
    social_proof = forms.CharField(
        label=gettext_lazy("Social proof"),
        max_length=_limit("social_proof"),
        help_text=gettext_lazy(
            "Left empty, the page says how many people joined through a friend (from five on)."
        ),
    )
    share_message = forms.CharField(
        label=gettext_lazy("Share message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=MERGE_HELP,
    )
    test_element = forms.ChoiceField(
        label=gettext_lazy("Test"),
        choices=[
            ("", gettext_lazy("No test: everyone sees the page as written")),
            (LandingElement.headline.value, gettext_lazy("the headline")),
            (LandingElement.incentive.value, gettext_lazy("the incentive")),
            (LandingElement.button.value, gettext_lazy("the button")),
        ],
    )
    test_text = forms.CharField(
        label=gettext_lazy("Variant B's text"),
        max_length=300,
        help_text=gettext_lazy(
            "Half of the new visitors see this text instead; each visitor keeps their variant. "
            "Starting or changing the test starts its counts afresh."
        ),
    )

    def __init__(self, *args, program: Program, language: str, read_only: bool, **kwargs):
        super().__init__(*args, **kwargs)
        default = defaults(program=program, language=language)
        for index in range(1, MAX_FAQ + 1):
            self.fields[f"faq_q{index}"] = forms.CharField(
                label=_("Question %(n)d") % {"n": index}, max_length=200
            )
            self.fields[f"faq_a{index}"] = forms.CharField(
                label=_("Answer %(n)d") % {"n": index},
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for index in range(1, MAX_MESSAGES + 1):
            self.fields[f"message{index}"] = forms.CharField(
                label=_("Message %(n)d") % {"n": index}, widget=forms.Textarea(attrs={"rows": 4})
            )
        placeholders = {name: default[name] for name in ("headline", "value_proposition")}
        placeholders |= {name: default[name] for name in ("incentive", "button", "share_message")}
        for index, item in enumerate(default["faq"], start=1):
            placeholders[f"faq_q{index}"] = item["q"]
            placeholders[f"faq_a{index}"] = item["a"]
        for index, message in enumerate(default["messages"], start=1):
            placeholders[f"message{index}"] = message
        for name, field in self.fields.items():
            field.required = False
            if "class" not in field.widget.attrs:  # added after StyledForm styled the rest
                field.widget.attrs["class"] = "form-control"
            if name in placeholders:
                field.widget.attrs["placeholder"] = placeholders[name]
            if read_only:
                field.disabled = True
        for name in ("headline", "incentive", "button", "social_proof", "test_text"):
            self.fields[name].widget.attrs["maxlength"] = self.fields[name].max_length

    def faq_rows(self):
        return [(self[f"faq_q{i}"], self[f"faq_a{i}"]) for i in range(1, FAQ_SHOWN + 1)]

    def faq_more(self):
        """The questions after the first three, folded away until one is written."""
        return [(self[f"faq_q{i}"], self[f"faq_a{i}"]) for i in range(FAQ_SHOWN + 1, MAX_FAQ + 1)]

    def faq_more_open(self) -> bool:
        return any(field.value() or field.errors for pair in self.faq_more() for field in pair)

    def message_fields(self):
        return [self[f"message{i}"] for i in range(1, MAX_MESSAGES + 1)]

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in TEXTS}
        changes["faq"] = [
            {"q": data[f"faq_q{i}"], "a": data[f"faq_a{i}"]} for i in range(1, MAX_FAQ + 1)
        ]
        changes["messages"] = [data[f"message{i}"] for i in range(1, MAX_MESSAGES + 1)]
        return changes

    def add_service_error(self, refused: Invalid) -> None:
        """copy_save's 422 beside the field it names (its loc: ["messages", 2], ["faq", 0]…)."""
        loc = refused.extra.get("errors", [{}])[0].get("loc", [])[1:]
        data = self.cleaned_data
        field = None
        if loc and loc[0] in self.fields:
            field = loc[0]
        elif len(loc) == 2 and loc[0] == "faq":
            index = loc[1] + 1
            field = f"faq_a{index}" if data.get(f"faq_q{index}") else f"faq_q{index}"
        elif len(loc) == 2 and loc[0] == "messages":
            # copy_save counts the messages that are not blank: find the form's slot.
            filled = [i for i in range(1, MAX_MESSAGES + 1) if data.get(f"message{i}", "").strip()]
            if loc[1] < len(filled):
                field = f"message{filled[loc[1]]}"
        self.add_error(field, refused.detail)


def _initial(saved: ProgramCopy | None) -> dict:
    if saved is None:
        return {}
    initial = {name: getattr(saved, name) for name in TEXTS}
    for index, item in enumerate(saved.faq or [], start=1):
        initial[f"faq_q{index}"] = item.get("q", "")
        initial[f"faq_a{index}"] = item.get("a", "")
    for index, message in enumerate(saved.messages or [], start=1):
        initial[f"message{index}"] = message
    return initial


def _results(program: Program, language: str, saved: ProgramCopy | None) -> list[dict]:
    counted = LandingStat.objects.filter(program=program, language=language)
    stats = {stat.variant: stat for stat in counted}
    testing = bool(saved and saved.test_element)
    written = copy_for(program=program, language=language)
    rows = []
    for variant in ("a", "b") if testing else ("a",):
        stat = stats.get(variant)
        visitors, signups = (stat.visitors, stat.signups) if stat else (0, 0)
        text = ""
        if testing:
            text = saved.test_text if variant == "b" else getattr(written, saved.test_element)
        rows.append(
            {
                "variant": variant.upper(),
                "text": text,
                "visitors": visitors,
                "signups": signups,
                "conversion": round(100 * signups / visitors, 1) if visitors else None,
            }
        )
    return rows


@console_view(change=True)
def program_copy(request, slug):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    language = request.POST.get("language") or request.GET.get("language") or "id"
    if language not in LANGUAGES:
        language = "id"
    archived = program.status == ProgramStatus.archived
    read_only = archived or not can_change(request)
    saved = ProgramCopy.objects.filter(program=program, language=language).first()
    status = 200
    if request.method == "POST":
        form = CopyForm(request.POST, program=program, language=language, read_only=read_only)
        if archived:
            messages.error(request, _("An archived program is read-only: reactivate it first."))
            return redirect(_url(program, language))
        if form.is_valid():
            try:
                copy_save(
                    program=program,
                    language=language,
                    changes=form.changes(),
                    actor=actor_of(request),
                )
            except Invalid as refused:
                form.add_service_error(refused)
            else:
                messages.success(
                    request,
                    _("The %(language)s texts are saved.")
                    % {"language": str(LANGUAGE_LABELS[language]).lower()},
                )
                return redirect(_url(program, language))
        status = 422
    else:
        form = CopyForm(
            initial=_initial(saved), program=program, language=language, read_only=read_only
        )
    landing_url = reverse("join:page", args=[program.slug])
    return render(
        request,
        "console/programs/copy.html",
        {
            "program": program,
            "form": form,
            "language": language,
            "languages": [
                {"code": code, "label": LANGUAGE_LABELS[code], "url": _url(program, code)}
                for code in LANGUAGES
            ],
            "read_only": read_only,
            "archived": archived,
            "saved": saved,
            "results": _results(program, language, saved),
            "testing": bool(saved and saved.test_element),
            "landing_url": f"{landing_url}?lang={language}",
            "tab": "copy",
        },
        status=status,
    )


def _url(program: Program, language: str) -> str:
    return f"{reverse('console:programs-copy', args=[program.slug])}?language={language}"
