"""/console/programs/<slug>/backtest/: the reward-rule backtest (issue 11 item 7) and the
program's referral tree (R57); /console/participants/<id>/tree/: a participant's tree, loaded
into their page. The same services as POST /api/v1/programs/{slug}/backtest and
GET /api/v1/participants/{id}/tree (tular.analytics.backtest, tular.analytics.tree).

Every run from the console is kept (SavedBacktest), so the page after a run is the saved run's
own page: it can be reopened and exported (CSV or XLSX, every participant) later."""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tular.analytics import backtest as backtests
from tular.analytics.kept import as_of_last_pass
from tular.analytics.metrics import Period
from tular.analytics.models import SavedBacktest
from tular.analytics.tree import tree_of, tree_summary
from tular.console.access import can_change, console_view
from tular.core import clock
from tular.core.errors import Invalid
from tular.core.exports import FORMATS, table_response
from tular.core.forms import StyledForm
from tular.participants import selectors as participant_selectors
from tular.programs.services import program_get
from tular.programs.wording import rules_in_words

SHOWN = 50  # participants on the page; the export has them all
RUNS_SHOWN = 20
DEFAULT_DAYS = 90


class BacktestForm(StyledForm, forms.Form):
    rules = forms.CharField(
        label=gettext_lazy("Draft rules (JSON)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "font-monospace"}),
        help_text=gettext_lazy(
            "The program's rules as the API writes them: change an amount, a percentage, a tier "
            "or a cap, add or remove a rule. Nothing is saved to the program."
        ),
    )
    first = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.result = None

    def clean_rules(self):
        text = self.cleaned_data["rules"]
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(line)s, column %(column)s).")
                % {"line": getattr(error, "lineno", "?"), "column": getattr(error, "colno", "?")}
            ) from None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.result = backtests.backtest(
                program=self.program,
                rules=cleaned["rules"],
                first=cleaned["first"],
                last=cleaned["last"],
            )
        except Invalid as refused:
            for error in refused.extra.get("errors", []):
                loc = [str(part) for part in error["loc"][1:]]
                field = {"from": "first", "to": "last"}.get(loc[0] if loc else "", "rules")
                where = ".".join(loc) if field == "rules" else ""
                self.add_error(field, f"{where}: {error['msg']}" if where else error["msg"])
        return cleaned


def _program(request, slug):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    return program


def _default_period() -> Period:
    today = clock.now().date()
    return Period(first=today - timedelta(days=DEFAULT_DAYS - 1), last=today)


def _context(request, program, form, period: Period, run: SavedBacktest | None) -> dict:
    runs = list(
        backtests.backtests_saved(program=program).select_related("created_by")[:RUNS_SHOWN]
    )
    result = run.result if run else None
    return {
        "program": program,
        "tab": "backtest",
        "form": form,
        "can_run": can_change(request),
        "rules_in_words": rules_in_words(program=program, language=(get_language() or "id")[:2]),
        "run": run,
        "result": result,
        "participants": result["participants"][:SHOWN] if result else [],
        "participants_more": max(0, len(result["participants"]) - SHOWN) if result else 0,
        "runs": runs,
        "formats": FORMATS,
        "tree": _tree(program, period),
        "period": period,
    }


@as_of_last_pass()
def _tree(program, period):
    """The program's tree as of the job's last pass (analytics.kept), as the dashboards."""
    return tree_summary(program=program, period=period)


@console_view(change=True)
def backtest_page(request, slug):
    """The form (the program's rules prefilled), the program's tree and the saved runs."""
    program = _program(request, slug)
    period = _default_period()
    if request.method == "POST":
        form = BacktestForm(request.POST, program=program)
        if form.is_valid():
            run = backtests.backtest_save(program=program, result=form.result, user=request.user)
            return redirect("console:programs-backtest-run", slug=program.slug, run_id=run.pk)
        status = 422
    else:
        form = BacktestForm(
            program=program,
            initial={
                "rules": json.dumps(program.rules, indent=2, ensure_ascii=False),
                "first": period.first,
                "last": period.last,
            },
        )
        status = 200
    return render(
        request,
        "console/insight/backtest.html",
        _context(request, program, form, period, None),
        status=status,
    )


@console_view()
def backtest_run(request, slug, run_id):
    """A saved run: its totals and participants, the form prefilled with its rules to try
    again, and the export of every participant (`?export=csv|xlsx`)."""
    program = _program(request, slug)
    run = SavedBacktest.objects.filter(program=program, pk=run_id).first()
    if run is None:
        raise Http404("no such backtest")
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        return table_response(
            fmt=fmt,
            filename=f"backtest-{program.slug}-{run.starts_on}-{run.ends_on}",
            header=backtests.EXPORT_HEADER,
            rows=backtests.export_rows(run.result),
            sheet="backtest",
        )
    period = Period(first=run.starts_on, last=run.ends_on)
    form = BacktestForm(
        program=program,
        initial={
            "rules": json.dumps(run.rules, indent=2, ensure_ascii=False),
            "first": run.starts_on,
            "last": run.ends_on,
        },
    )
    return render(
        request, "console/insight/backtest.html", _context(request, program, form, period, run)
    )


@console_view()
def participant_tree(request, participant_id):
    """The participant's referral tree, as a fragment for their page (htmx)."""
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=str(participant_id)
    )
    if participant is None:
        raise Http404("no such participant")
    return render(
        request,
        "console/insight/backtest_tree.html",
        {"tree": tree_of(participant=participant, depth=5), "participant": participant},
    )


urlpatterns = [
    path("programs/<slug:slug>/backtest/", backtest_page, name="programs-backtest"),
    path(
        "programs/<slug:slug>/backtest/<uuid:run_id>/",
        backtest_run,
        name="programs-backtest-run",
    ),
    path(
        "participants/<uuid:participant_id>/tree/",
        participant_tree,
        name="participants-tree",
    ),
]
