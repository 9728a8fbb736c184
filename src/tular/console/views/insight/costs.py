"""/console/insight/costs/: what the events cannot tell, entered per month (R42, R43): the
program's costs other than rewards (technology, marketing, management time) and the figures from
outside the program (all new revenue and customers, the other channels' leads, opportunities and
won deals), per program or for the workspace. The same services as /api/v1/costs and
/api/v1/month-figures (tular.analytics.entries)."""

from __future__ import annotations

from collections import defaultdict

from babel.numbers import format_decimal
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.analytics import entries
from tular.analytics.models import CostKind, MonthFigureKey
from tular.console.access import actor_of, can_change, console_view
from tular.console.forms import OnceTokenField, spend_token
from tular.console.views.insight.common import (
    add_months,
    export_response,
    insight_tabs,
    major,
    programs_of,
    this_month,
    workspace_currency,
)
from tular.console.views.programs.forms import parse_money
from tular.core.errors import Invalid, NotFound
from tular.core.forms import StyledForm
from tular.core.money import is_currency
from tular.core.templatetags.ui import babel_locale
from tular.programs.services import program_get

MONTHS_SHOWN = 12
COUNT_FIGURES = [key for key in MonthFigureKey.values if not entries.is_money_figure(key)]


def _month_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Month"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
        **kwargs,
    )


def _clean_month(value: str):
    try:
        return entries.month_of(value)
    except Invalid as refused:
        raise forms.ValidationError(refused.detail) from None


def _clean_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if not is_currency(code):
        raise forms.ValidationError(_("Use an ISO 4217 currency code, such as IDR."))
    return code


def _clean_money(text: str, currency: str | None) -> int:
    if "-" in (text or ""):
        raise forms.ValidationError(_("The amount cannot be negative."))
    value = parse_money(text, currency or "IDR")
    if value > entries.MAX_VALUE:
        raise forms.ValidationError(_("The amount is too large."))
    return value


class CostForm(StyledForm, forms.Form):
    month = _month_field()
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CostKind.choices)
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        max_length=40,
        help_text=gettext_lazy("As you would write it, such as 2.500.000."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        max_length=3,
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=entries.MAX_NOTE,
        required=False,
        help_text=gettext_lazy("What it was, such as “WhatsApp Business subscription”."),
    )
    once = OnceTokenField()

    def clean_month(self):
        return _clean_month(self.cleaned_data["month"])

    def clean_currency(self):
        return _clean_currency(self.cleaned_data["currency"])

    def clean(self):
        data = super().clean()
        if "amount" in data:
            try:
                data["amount"] = _clean_money(data["amount"], data.get("currency"))
            except forms.ValidationError as refused:
                self.add_error("amount", refused)
        return data


class FiguresForm(StyledForm, forms.Form):
    """One month's outside figures: every field left empty removes that figure."""

    month = _month_field()
    all_new_revenue = forms.CharField(
        label=gettext_lazy("New revenue from all channels"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency of the revenue"),
        max_length=3,
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    all_new_customers = forms.IntegerField(
        label=gettext_lazy("New customers from all channels"),
        min_value=0,
        max_value=entries.MAX_VALUE,
        required=False,
    )
    other_leads = forms.IntegerField(
        label=gettext_lazy("Leads from other channels"),
        min_value=0,
        max_value=entries.MAX_VALUE,
        required=False,
    )
    other_opportunities = forms.IntegerField(
        label=gettext_lazy("Opportunities from other channels"),
        min_value=0,
        max_value=entries.MAX_VALUE,
        required=False,
    )
    other_won = forms.IntegerField(
        label=gettext_lazy("Deals won from other channels"),
        min_value=0,
        max_value=entries.MAX_VALUE,
        required=False,
    )
    once = OnceTokenField()

    def clean_month(self):
        return _clean_month(self.cleaned_data["month"])

    def clean_currency(self):
        return _clean_currency(self.cleaned_data["currency"])

    def clean(self):
        data = super().clean()
        text = (data.get("all_new_revenue") or "").strip()
        if text:
            try:
                data["all_new_revenue"] = _clean_money(text, data.get("currency"))
            except forms.ValidationError as refused:
                self.add_error("all_new_revenue", refused)
        else:
            data["all_new_revenue"] = None
        return data


def _scope(request):
    """(program or None for the workspace's own entries, its slug, the default currency)."""
    slug = (request.GET.get("program") or request.POST.get("program") or "").strip()
    if not slug:
        return None, "", workspace_currency(request.workspace)
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404(_("No such program in this workspace."))
    return program, program.slug, program.currency


def _shown_month(request):
    text = (request.GET.get("month") or "").strip()
    if text:
        try:
            return entries.month_of(text)
        except Invalid:
            pass
    return this_month()


def _filter_kwargs(program) -> dict:
    return {"program": program} if program is not None else {"workspace_only": True}


def _grid(request, program, last, *, currency: str) -> list[dict]:
    """The 12 months up to `last`, newest first: the costs by kind (per currency) and the
    outside figures of each."""
    first = add_months(last, -(MONTHS_SHOWN - 1))
    scope = {"workspace": request.workspace, **_filter_kwargs(program), "months": (first, last)}
    costs: dict = {}  # (month, currency) → kind → amount
    for cost in entries.costs_filter(**scope):
        kinds = costs.setdefault((cost.month, cost.currency), defaultdict(int))
        kinds[cost.kind] += cost.amount
    figures = defaultdict(dict)  # month → key → (value, currency)
    for row in entries.month_figures_filter(**scope):
        figures[row.month][row.key] = (row.value, row.currency)
    rows = []
    for step in range(MONTHS_SHOWN):
        month = add_months(last, -step)
        currencies = sorted({c for (m, c) in costs if m == month}) or [currency]
        revenue = figures[month].get(MonthFigureKey.all_new_revenue)
        rows.append(
            {
                "month": month,
                "costs": [
                    {
                        "currency": code,
                        "kinds": [
                            costs.get((month, code), {}).get(kind) for kind in CostKind.values
                        ],
                        "total": sum(costs[(month, code)].values())
                        if (month, code) in costs
                        else None,
                    }
                    for code in currencies
                ],
                "revenue": revenue,
                "counts": [
                    figures[month][key][0] if key in figures[month] else None
                    for key in COUNT_FIGURES
                ],
            }
        )
    return rows


def _grid_table(grid) -> tuple[list, list]:
    header = [
        _("Month"),
        _("Currency"),
        *(str(label) for label in CostKind.labels),
        _("Costs in total"),
        _("New revenue from all channels"),
        _("Currency of the revenue"),
        *(str(MonthFigureKey(key).label) for key in COUNT_FIGURES),
    ]
    rows = []
    for row in grid:
        for index, cell in enumerate(row["costs"]):
            code = cell["currency"]
            revenue = row["revenue"] if index == 0 else None
            rows.append(
                [
                    row["month"].strftime("%Y-%m"),
                    code,
                    *(major(amount, code) for amount in cell["kinds"]),
                    major(cell["total"], code),
                    major(revenue[0], revenue[1]) if revenue else None,
                    revenue[1] if revenue else None,
                    *(row["counts"] if index == 0 else [None] * len(COUNT_FIGURES)),
                ]
            )
    return header, rows


def _entries_table(costs) -> tuple[list, list]:
    kinds = dict(CostKind.choices)
    header = [
        _("Month"),
        _("Program"),
        _("Kind"),
        _("Amount"),
        _("Currency"),
        _("Note"),
        _("Entered by"),
    ]
    rows = [
        [
            cost.month.strftime("%Y-%m"),
            cost.program.slug if cost.program_id else "",
            str(kinds.get(cost.kind, cost.kind)),
            major(cost.amount, cost.currency),
            cost.currency,
            cost.note,
            cost.created_by,
        ]
        for cost in costs
    ]
    return header, rows


def _page(request, *, cost_form=None, figures_form=None, status=200):
    program, slug, currency = _scope(request)
    last = _shown_month(request)
    first = add_months(last, -(MONTHS_SHOWN - 1))
    grid = _grid(request, program, last, currency=currency)
    costs = list(
        entries.costs_filter(
            workspace=request.workspace, **_filter_kwargs(program), months=(first, last)
        )
    )
    download = export_response(
        request,
        {"months": lambda: _grid_table(grid), "costs": lambda: _entries_table(costs)},
        "insight-costs",
    )
    if download is not None:
        return download
    month_text = last.strftime("%Y-%m")
    if figures_form is None:
        current = next(row for row in grid if row["month"] == last)
        revenue = current["revenue"]
        initial = {
            "month": month_text,
            "currency": revenue[1] if revenue else currency,
            "all_new_revenue": format_decimal(major(*revenue), locale=babel_locale())
            if revenue
            else "",
            **dict(zip(COUNT_FIGURES, current["counts"], strict=True)),
        }
        figures_form = FiguresForm(initial=initial, prefix="figures")
    return render(
        request,
        "console/insight/costs.html",
        {
            "tabs": insight_tabs("console:insight-costs"),
            "programs": programs_of(request.workspace),
            "program": program,
            "slug": slug,
            "month": last,
            "month_text": month_text,
            "previous_month": add_months(last, -1).strftime("%Y-%m"),
            "next_month": add_months(last, 1).strftime("%Y-%m") if last < this_month() else None,
            "grid": grid,
            "kind_labels": CostKind.labels,
            "count_labels": [MonthFigureKey(key).label for key in COUNT_FIGURES],
            "costs": costs,
            "cost_form": cost_form
            or CostForm(initial={"month": month_text, "currency": currency}, prefix="cost"),
            "figures_form": figures_form,
            "can_change": can_change(request),
        },
        status=status,
    )


def _back(request, slug: str, month) -> str:
    query = f"?month={month:%Y-%m}" + (f"&program={slug}" if slug else "")
    return reverse("console:insight-costs") + query


@console_view(change=True)
def costs(request):
    if request.method != "POST":
        return _page(request)
    program, slug, _currency = _scope(request)
    form = CostForm(request.POST, prefix="cost")
    if not form.is_valid():
        return _page(request, cost_form=form, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if spend_token(data["once"], request.user):
                entries.cost_enter(
                    workspace=request.workspace,
                    program=program,
                    month=data["month"],
                    kind=data["kind"],
                    amount=data["amount"],
                    currency=data["currency"],
                    note=data["note"],
                    actor=actor_of(request),
                )
    except Invalid as refused:
        field = refused.extra["errors"][0]["loc"][-1]
        form.add_error(field if field in form.fields else None, refused.detail)
        return _page(request, cost_form=form, status=422)
    messages.success(request, _("The cost was added."))
    return redirect(_back(request, slug, data["month"]))


@console_view(change=True)
def figures(request):
    if request.method != "POST":
        return redirect("console:insight-costs")
    program, slug, _currency = _scope(request)
    form = FiguresForm(request.POST, prefix="figures")
    if not form.is_valid():
        return _page(request, figures_form=form, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if spend_token(data["once"], request.user):
                for key in MonthFigureKey.values:
                    entries.month_figure_set(
                        workspace=request.workspace,
                        program=program,
                        month=data["month"],
                        key=key,
                        value=data[key],
                        currency=data["currency"] if entries.is_money_figure(key) else "",
                        actor=actor_of(request),
                    )
    except Invalid as refused:
        field = refused.extra["errors"][0]["loc"][-1]
        form.add_error(field if field in form.fields else None, refused.detail)
        return _page(request, figures_form=form, status=422)
    messages.success(
        request, _("The figures of %(month)s were saved.") % {"month": f"{data['month']:%Y-%m}"}
    )
    return redirect(_back(request, slug, data["month"]))


@console_view(change=True)
def cost_delete(request, cost_id):
    if request.method != "POST":
        return redirect("console:insight-costs")
    try:
        cost = entries.cost_get(workspace=request.workspace, cost_id=cost_id)
    except NotFound:
        raise Http404(_("No cost with this id in this workspace.")) from None
    slug = cost.program.slug if cost.program_id else ""
    entries.cost_delete(cost=cost, actor=actor_of(request))
    messages.success(request, _("The cost was deleted."))
    return redirect(_back(request, slug, cost.month))
