"""Who is ready to refer (R4, R56), in the console:

- /console/insight/ask/: "who to ask next" and the intent-vs-action list (promoters and priority
  referrers who have not referred yet), each row linking to the participant's page where the ask
  is sent; both download as CSV or XLSX (`?export=csv|xlsx&table=next|intent`); and the
  readiness CSV import (all or nothing, with the per-row report).
- the readiness card on a participant's page (`{% readiness_card %}`, console.templatetags
  .insight_people), posting to /console/insight/readiness/<participant>/.

The same services as /api/v1/ask-list, PUT /api/v1/participants/{id}/readiness
(tular.analytics.readiness)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tular.analytics import readiness
from tular.console.access import actor_of, can_change, console_view
from tular.console.views.participants.pages import _participant_or_404
from tular.core import clock
from tular.core.errors import Invalid
from tular.core.exports import FORMATS, table_response
from tular.core.forms import StyledForm
from tular.programs.services import program_get, programs_filter

SHOWN = 25  # rows of each list on the page; the downloads have every row (up to EXPORTED)
EXPORTED = 10_000
SCORE_CHOICES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]


# ---------------------------------------------------------------------------------- forms


class ReadinessForm(StyledForm, forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=gettext_lazy("Satisfaction"),
        choices=SCORE_CHOICES,
        coerce=int,
        help_text=gettext_lazy("1 = unhappy, 5 = delighted"),
    )
    relationship = forms.TypedChoiceField(
        label=gettext_lazy("Relationship"),
        choices=SCORE_CHOICES,
        coerce=int,
        help_text=gettext_lazy("1 = barely know us, 5 = close"),
    )
    reach = forms.TypedChoiceField(
        label=gettext_lazy("Network reach"),
        choices=SCORE_CHOICES,
        coerce=int,
        help_text=gettext_lazy("1 = few contacts like our clients, 5 = many"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in readiness.SCORES:
            self.fields[name].error_messages["required"] = _("Choose a score from 1 to 5.")
            self.fields[name].error_messages["invalid_choice"] = _("Choose a score from 1 to 5.")


class ReadinessImportForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: email (or participant_id), program (optional), satisfaction, relationship, "
            "reach, each 1-5. Comma or semicolon separated, UTF-8. At most 2 MB and 5,000 rows."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > readiness.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": readiness.MAX_BYTES // (1024 * 1024)}
            )
        return upload


# ---------------------------------------------------------------------------------- the card


def card_context(request, participant, form: ReadinessForm | None = None) -> dict:
    """What the readiness card shows (also for console.templatetags.insight_people)."""
    row = readiness.readiness_of(participant)
    if form is None:
        initial = {name: getattr(row, name) for name in readiness.SCORES} if row else {}
        form = ReadinessForm(initial=initial)
    latest = readiness.nps_latest(
        workspace=participant.workspace_id, email_normalised=participant.email_normalised
    )
    return {
        "participant": participant,
        "readiness": row,
        "priority": readiness.is_priority(row.total if row else None),
        "priority_from": readiness.PRIORITY,
        "nps": latest,
        "promoter": latest is not None and latest.score >= readiness.PROMOTER,
        "readiness_form": form,
        "can_change": can_change(request),
    }


@console_view(change=True)
def readiness_save(request, participant_id):
    """The card's form: saved, back to the participant's page (htmx: the card alone); refused,
    the card again with the error beside each field."""
    participant = _participant_or_404(request, participant_id)
    if request.method != "POST":
        return redirect("console:participants-detail", participant.pk)
    form = ReadinessForm(request.POST)
    if form.is_valid():
        try:
            readiness.readiness_set(
                participant=participant,
                source="console",
                actor=actor_of(request),
                **{name: form.cleaned_data[name] for name in readiness.SCORES},
            )
        except Invalid as refused:
            field = refused.extra["errors"][0]["loc"][-1]
            form.add_error(field if field in form.fields else None, refused.detail)
        else:
            if request.headers.get("HX-Request"):
                context = card_context(request, participant)
                context["saved"] = True
                return HttpResponse(
                    render_to_string(
                        "console/insight/_readiness_card.html", context, request=request
                    )
                )
            messages.success(request, _("The readiness scores are saved."))
            return redirect(reverse("console:participants-detail", args=[participant.pk]))
    context = card_context(request, participant, form)
    if request.headers.get("HX-Request"):
        # 200: htmx swaps only successful responses, and the card must show its errors.
        return HttpResponse(
            render_to_string("console/insight/_readiness_card.html", context, request=request)
        )
    return render(request, "console/insight/readiness_edit.html", context, status=422)


# ---------------------------------------------------------------------------------- the page


def _tabs() -> list[dict]:
    """The insight pages' tabs, this page's among them."""
    try:
        from tular.console.views.insight.common import insight_tabs
    except ImportError:  # the insight pages are not there: this page alone
        tabs = []
    else:
        tabs = insight_tabs("console:insight-ask")
    url = reverse("console:insight-ask")
    if not any(tab["url"] == url for tab in tabs):
        tabs.append({"label": _("Who to ask next"), "url": url, "active": True})
    return tabs


def _header() -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Program"),
        _("Satisfaction"),
        _("Relationship"),
        _("Network reach"),
        _("Readiness"),
        _("Priority referrer"),
        _("Latest NPS"),
        _("Promoter"),
        _("Last asked"),
    ]


def _cells(row: readiness.AskRow) -> list:
    person = row.participant
    return [
        person.name,
        person.email,
        person.program.name,
        row.satisfaction,
        row.relationship,
        row.reach,
        row.total,
        _("yes") if row.priority else _("no"),
        row.nps,
        _("yes") if row.promoter else _("no"),
        row.last_asked_at,
    ]


@console_view(change=True)
def ask_page(request):
    workspace = request.workspace
    programs = list(programs_filter(workspace=workspace).order_by("name"))
    slug = (request.GET.get("program") or "").strip()
    program = program_get(workspace=workspace, slug=slug) if slug else None

    def lists(limit):
        return {
            "next": lambda: readiness.ask_list(workspace=workspace, program=program, limit=limit),
            "intent": lambda: readiness.intent_vs_action(
                workspace=workspace, program=program, limit=limit
            ),
        }

    fmt = request.GET.get("export")
    if fmt:
        table = request.GET.get("table") or "next"
        if fmt not in FORMATS or table not in ("next", "intent"):
            return HttpResponse(status=404)
        rows = lists(EXPORTED)[table]()
        name = "ask-next" if table == "next" else "ask-intent"
        return table_response(
            fmt=fmt,
            filename=f"{name}-{workspace.slug}-{clock.now():%Y%m%d-%H%M}",
            header=_header(),
            rows=(_cells(row) for row in rows),
        )

    form = ReadinessImportForm()
    report = None
    if request.method == "POST":
        form = ReadinessImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = readiness.readiness_import(
                    workspace=workspace,
                    data=form.cleaned_data["file"].read(),
                    actor=actor_of(request),
                )
            except Invalid as refused:
                form.add_error("file", refused.detail)
            else:
                if report.imported:
                    messages.success(
                        request,
                        ngettext(
                            "Readiness scores saved for %(count)s participant.",
                            "Readiness scores saved for %(count)s participants.",
                            report.updated,
                        )
                        % {"count": report.updated},
                    )
                    return redirect(request.get_full_path())
    chosen = lists(SHOWN)
    gap = readiness.intent_gap(workspace=workspace, program=program)
    return render(
        request,
        "console/insight/ask.html",
        {
            "tabs": _tabs(),
            "programs": programs,
            "program": program,
            "next_rows": chosen["next"](),
            "intent_rows": chosen["intent"](),
            "gap": gap,
            "asked_within_days": readiness.ASKED_WITHIN_DAYS,
            "priority_from": readiness.PRIORITY,
            "shown": SHOWN,
            "form": form,
            "report": report,
        },
        status=422 if (report is not None and not report.imported) or form.errors else 200,
    )


@console_view()
def ask_import_template(request):
    response = HttpResponse(readiness.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="readiness.csv"'
    return response


urlpatterns = [
    path("insight/ask/", ask_page, name="insight-ask"),
    path("insight/ask/template.csv", ask_import_template, name="insight-ask-template"),
    path(
        "insight/readiness/<uuid:participant_id>/",
        readiness_save,
        name="insight-readiness",
    ),
]
