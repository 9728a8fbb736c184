"""/console/insight/goals/: SMART goals (R7) per program and period: the measure, the period,
the target; each with its progress so far and a straight-line forecast to the period's end.
The same services as /api/v1/goals (tular.analytics.goals)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.analytics import goals, kept
from tular.analytics.models import GoalMetric
from tular.console.access import actor_of, can_change, console_view
from tular.console.forms import OnceTokenField, spend_token
from tular.console.views.insight.common import (
    add_months,
    chosen_program,
    export_response,
    insight_tabs,
    major,
    programs_of,
    this_month,
    workspace_currency,
)
from tular.console.views.programs.forms import parse_money
from tular.core import clock
from tular.core.errors import Invalid, NotFound
from tular.core.forms import StyledForm
from tular.core.money import format_money, is_currency
from tular.core.templatetags.ui import EMPTY, babel_locale
from tular.programs.services import program_get


def _shown(metric: str, value, currency: str) -> str:
    if value is None:
        return EMPTY
    if metric in goals.MONEY_METRICS:
        return format_money(int(value), currency, babel_locale())
    text = format_decimal(value, locale=babel_locale())
    return f"{text} %" if metric in goals.RATE_METRICS else text


def goal_rows(*, workspace, program=None, today: date) -> list[dict]:
    """Every goal (of `program`, or all) with its progress, as the pages draw it."""
    rows = []
    for goal in goals.goals_filter(workspace=workspace, program=program):
        progress = goals.goal_progress(goal=goal, today=today)
        forecast_share = None
        if progress.forecast is not None and goal.target:
            forecast_share = min(100, round(progress.forecast * 100 / goal.target))
        if progress.on_track is None:
            state, state_label = None, progress.why or _("cannot tell yet")
        elif progress.on_track:
            state, state_label = "good", _("On track")
        else:
            state, state_label = "bad", _("Behind")
        rows.append(
            {
                "goal": goal,
                "progress": progress,
                "metric_label": GoalMetric(goal.metric).label,
                "target": _shown(goal.metric, goal.target, goal.currency),
                "actual": _shown(goal.metric, progress.actual, goal.currency),
                "forecast": _shown(goal.metric, progress.forecast, goal.currency),
                "width": min(100, max(0, round(progress.progress or 0))),
                "forecast_at": forecast_share,
                "state": state,
                "state_label": state_label,
                "ended": goal.ends_on < today,
            }
        )
    return rows


def _number_cell(metric: str, value, currency: str):
    if value is None:
        return None
    if metric in goals.MONEY_METRICS:
        return major(int(value), currency)
    return value


def goals_table(rows) -> tuple[list, list]:
    header = [
        _("Program"),
        _("Measure"),
        _("From"),
        _("To"),
        _("Target"),
        _("Actual so far"),
        _("Forecast at the end"),
        _("Currency"),
        _("Progress (%)"),
        _("State"),
        _("Note"),
    ]
    body = []
    for row in rows:
        goal, progress = row["goal"], row["progress"]
        body.append(
            [
                goal.program.slug,
                str(row["metric_label"]),
                goal.starts_on,
                goal.ends_on,
                _number_cell(goal.metric, goal.target, goal.currency),
                _number_cell(goal.metric, progress.actual, goal.currency),
                _number_cell(goal.metric, progress.forecast, goal.currency),
                goal.currency,
                progress.progress,
                str(row["state_label"]),
                goal.note,
            ]
        )
    return header, body


class GoalForm(StyledForm, forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("Program"))
    metric = forms.ChoiceField(label=gettext_lazy("Measure"), choices=GoalMetric.choices)
    starts_on = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("To (included)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    target = forms.CharField(
        label=gettext_lazy("Target"),
        max_length=40,
        help_text=gettext_lazy(
            "A count (such as 30 qualified referrals), a percentage (such as 25) or an amount "
            "of money for revenue."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        max_length=3,
        required=False,
        help_text=gettext_lazy("For revenue and share of new revenue goals."),
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)
    once = OnceTokenField()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["program"].choices = [(p.slug, p.name) for p in programs_of(workspace)]

    def clean_program(self):
        program = program_get(workspace=self.workspace, slug=self.cleaned_data["program"])
        if program is None:
            raise forms.ValidationError(_("Choose one of this workspace's programs."))
        return program

    def clean(self):
        data = super().clean()
        metric = data.get("metric")
        currency = (data.get("currency") or "").strip().upper()
        data["currency"] = currency
        needs_currency = metric in goals.MONEY_METRICS or metric == GoalMetric.revenue_share
        if needs_currency and not is_currency(currency):
            self.add_error("currency", _("Use an ISO 4217 currency code, such as IDR."))
            return data
        text = (data.get("target") or "").strip()
        if not text or metric is None:
            return data
        if "-" in text:
            self.add_error("target", _("Give a target above 0."))
            return data
        if metric in goals.MONEY_METRICS:
            try:
                data["target"] = parse_money(text, currency)
            except forms.ValidationError as refused:
                self.add_error("target", refused)
            return data
        try:
            data["target"] = Decimal(text.replace(",", ".").replace("%", "").strip())
        except InvalidOperation:
            self.add_error("target", _("Give a number."))
        return data


@kept.as_of_last_pass()
def _page(request, *, form=None, status=200):
    today = clock.now().date()
    program = chosen_program(request)
    rows = goal_rows(workspace=request.workspace, program=program, today=today)
    download = export_response(request, {"goals": lambda: goals_table(rows)}, "insight-goals")
    if download is not None:
        return download
    if form is None:
        first = this_month()
        quarter = date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
        initial = {
            "starts_on": quarter,
            "ends_on": add_months(quarter, 3) - timedelta(days=1),
            "metric": GoalMetric.qualified_referrals,
            "currency": (program.currency if program else workspace_currency(request.workspace)),
        }
        if program is not None:
            initial["program"] = program.slug
        form = GoalForm(initial=initial, workspace=request.workspace)
    return render(
        request,
        "console/insight/goals.html",
        {
            "tabs": insight_tabs("console:insight-goals"),
            "programs": programs_of(request.workspace),
            "program": program,
            "rows": rows,
            "form": form,
            "can_change": can_change(request),
        },
        status=status,
    )


@console_view(change=True)
def goals_page(request):
    if request.method != "POST":
        return _page(request)
    form = GoalForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if spend_token(data["once"], request.user):
                goals.goal_create(
                    workspace=request.workspace,
                    program=data["program"],
                    metric=data["metric"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    target=data["target"],
                    currency=data["currency"],
                    note=data["note"],
                    actor=actor_of(request),
                )
    except Invalid as refused:
        field = refused.extra["errors"][0]["loc"][-1]
        form.add_error(field if field in form.fields else None, refused.detail)
        return _page(request, form=form, status=422)
    messages.success(request, _("The goal was set."))
    return redirect(reverse("console:insight-goals") + f"?program={data['program'].slug}")


@console_view(change=True)
def goal_delete(request, goal_id):
    if request.method != "POST":
        return redirect("console:insight-goals")
    try:
        goal = goals.goal_get(workspace=request.workspace, goal_id=goal_id)
    except NotFound:
        raise Http404(_("No such goal.")) from None
    goals.goal_delete(goal=goal, actor=actor_of(request))
    messages.success(request, _("The goal was deleted."))
    return redirect("console:insight-goals")
