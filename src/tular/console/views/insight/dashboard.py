"""/console/insight/: every measure of a program (or all programs) over a month or a quarter,
each with its benchmark band and whether it is in it, charts over 12 periods, the health
scorecard and the goals.

Fast at any size: the page reads only tular.analytics.measures / scorecard / goals (the daily
rollups and a few indexed queries), plus the entered costs of the 12 periods (a small table).
It never scans referrals, clicks or rewards itself."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tular.analytics import bands as bands_module
from tular.analytics import entries, kept, measures, scorecard, survey
from tular.analytics.metrics import Period
from tular.console.access import console_view
from tular.console.views.insight import goals_view
from tular.console.views.insight.common import (
    chosen_program,
    export_response,
    insight_tabs,
    major,
    programs_of,
    workspace_currency,
)
from tular.core import clock
from tular.core.money import format_money, round_for_display
from tular.core.templatetags.ui import babel_locale

TIMES = "\u00d7"  # the multiplication sign
DASH = "\u2013"  # an en dash
GRAINS = {"month": gettext_lazy("Month"), "quarter": gettext_lazy("Quarter")}
PERIODS_SHOWN = 12
SOURCE_LABELS = {
    "customer": gettext_lazy("Customers"),
    "partner": gettext_lazy("Partners"),
    "employee": gettext_lazy("Employees"),
    "network": gettext_lazy("Network"),
}
FUNNEL_LABELS = {
    "clicks": gettext_lazy("Clicks"),
    "signups": gettext_lazy("Sign-ups"),
    "qualified": gettext_lazy("Qualified"),
    "won_or_paid": gettext_lazy("Won / paid"),
}
POSITION_LABELS = {
    "in_band": gettext_lazy("In band"),
    "above": gettext_lazy("Above band"),
    "below": gettext_lazy("Below band"),
    "warning": gettext_lazy("Warning: under the line"),
}
# Why a measure has no value (measures' notes, in English) → what the manager reads and can do.
NOTE_TEXTS = {
    "no cost entered": (gettext_lazy("No cost entered yet."), "costs"),
    "no cost entered: the program cost is the rewards alone": (
        gettext_lazy("No cost entered: the rewards alone."),
        "costs",
    ),
    "no other channels' leads entered": (
        gettext_lazy("Enter the other channels' leads and wins to compare."),
        "costs",
    ),
    "other channels won nothing": (gettext_lazy("Other channels won nothing."), None),
    "no pipeline leads in the period": (gettext_lazy("No pipeline leads in this period."), None),
    "no new revenue from all channels entered": (
        gettext_lazy("Enter the month's new revenue from all channels to see the share."),
        "costs",
    ),
    "paid ads' cost per customer not entered": (
        gettext_lazy("Enter what a customer costs through paid ads."),
        "bands",
    ),
    "first sales in several currencies": (gettext_lazy("Sales in several currencies."), None),
    "deals won in several currencies": (gettext_lazy("Deals in several currencies."), None),
}
NOTE_LINKS = {"costs": "console:insight-costs", "bands": "console:insight-bands"}


# ---------------------------------------------------------------- formatting


def _number(value) -> str:
    return format_decimal(value, locale=babel_locale())


def _percent(value) -> str:
    return f"{_number(value)} %"


def _multiple(value) -> str:
    return f"{_number(value)}{TIMES}"


def _duration(hours: Decimal | None) -> str | None:
    if hours is None:
        return None
    if hours < 48:
        shown = hours.quantize(Decimal("0.1"))
        return ngettext("%(n)s hour", "%(n)s hours", int(shown)) % {"n": _number(shown)}
    days = (hours / 24).quantize(Decimal("0.1"))
    return ngettext("%(n)s day", "%(n)s days", int(days)) % {"n": _number(days)}


def _months_text(value) -> str:
    return ngettext("%(n)s month", "%(n)s months", int(value)) % {"n": _number(value)}


def _money_texts(amounts: dict | None) -> list[str]:
    """Cards' amounts (sums and averages) in the digits people read the currency in."""
    return [
        format_money(round_for_display(amount, currency), currency, babel_locale())
        for currency, amount in sorted((amounts or {}).items())
        if amount is not None
    ]


def _per_currency(values: dict, shape) -> list[str]:
    """{currency: value} → texts; the currency named when there are several."""
    shown = [(c, v) for c, v in sorted(values.items()) if v is not None]
    if len(shown) == 1:
        return [shape(shown[0][1])]
    return [f"{shape(v)} ({c})" for c, v in shown]


def band_text(band: bands_module.Band) -> str:
    unit = {"%": " %", "x": TIMES, "months": "", "hours": ""}[band.unit]

    def end(value):
        if band.unit == "hours":
            return _duration(value)
        if band.unit == "months":
            return _months_text(value)
        return f"{_number(value)}{unit}"

    if band.low is not None and band.high is not None:
        if band.unit in {"hours", "months"}:
            return f"{end(band.low)} {DASH} {end(band.high)}"
        return f"{_number(band.low)}{DASH}{_number(band.high)}{unit}"
    if band.high is not None:
        return _("at most %(value)s") % {"value": end(band.high)}
    return _("at least %(value)s") % {"value": end(band.low)}


# ---------------------------------------------------------------- the measures as cards


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    values: list[str]
    band: str | None = None
    state: str | None = None  # "good", "bad" or None (no band or no value)
    state_label: str = ""
    note: str = ""
    note_url: str = ""
    hint: str = ""


def _note(m: measures.Measures, key: str) -> tuple[str, str]:
    text = m.notes.get(key)
    if not text:
        return "", ""
    found = NOTE_TEXTS.get(text)
    if found is None:
        return "", ""
    label, link = found
    return str(label), reverse(NOTE_LINKS[link]) if link else ""


def _card(m, key, label, values, *, band_key=None, note_key=None, hint="") -> Card:
    judgement = m.judgements.get(band_key) if band_key else None
    state = state_label = band = None
    if judgement is not None:
        band = band_text(judgement.band)
        if judgement.position is not None and values:
            state = "good" if judgement.good else "bad"
            state_label = str(POSITION_LABELS[judgement.position])
    note, note_url = ("", "")
    if not values:
        note, note_url = _note(m, note_key or key)
    return Card(
        key=key,
        label=str(label),
        values=values,
        band=band,
        state=state,
        state_label=state_label or "",
        note=note,
        note_url=note_url,
        hint=str(hint),
    )


def _maybe(value, shape) -> list[str]:
    return [] if value is None else [shape(value)]


def measure_sections(m: measures.Measures, satisfaction=None) -> list[dict]:
    """The measures in the order a manager reads them, grouped, each a `Card`."""
    volume = [
        _card(m, "signups", _("Referrals"), [_number(m.signups)]),
        _card(m, "customers", _("New referred customers"), [_number(m.customers)]),
        _card(m, "clicks", _("Clicks"), [_number(m.clicks)]),
        _card(m, "leads", _("Leads in the pipeline"), [_number(m.leads)]),
        _card(m, "won", _("Deals won"), [_number(m.won)]),
    ]
    referrers = [
        _card(
            m,
            "referral_rate",
            _("Referral rate"),
            _maybe(m.referral_rate, _percent),
            band_key="referral_rate",
            hint=_("%(referring)s of %(all)s customers referred")
            % {"referring": _number(m.referring_participants), "all": _number(m.all_customers)},
        ),
        _card(m, "active_90d", _("Active referrers, 90 days"), [_number(m.active_referrers_90d)]),
        _card(m, "active_12m", _("Active referrers, 12 months"), [_number(m.active_referrers_12m)]),
        _card(m, "repeat", _("Repeat referrers"), [_number(m.repeat_referrers)]),
        _card(
            m,
            "top10_share",
            _("Referrals from the top 10 %"),
            _maybe(m.top10_share, _percent),
            hint=_("Alert: 80 percent of referrals come from 5 percent of referrers.")
            if m.concentration_alert
            else "",
        ),
    ]
    conversion = [
        _card(
            m,
            "referral_to_opportunity",
            _("Referral → opportunity"),
            _maybe(m.referral_to_opportunity, _percent),
            note_key="lead_to_won",
        ),
        _card(
            m,
            "opportunity_to_won",
            _("Opportunity → won"),
            _maybe(m.opportunity_to_won, _percent),
            note_key="lead_to_won",
        ),
        _card(
            m,
            "referral_to_customer",
            _("Referral → paying customer"),
            _maybe(m.referral_to_customer, _percent),
        ),
        _card(
            m,
            "other_lead_to_won",
            _("Other channels: lead → won"),
            _maybe(m.other_lead_to_won, _percent),
            note_key="conversion_multiple",
        ),
        _card(
            m,
            "conversion_multiple",
            _("Referred vs other channels"),
            _maybe(m.conversion_multiple, _multiple),
            band_key="conversion_multiple",
        ),
    ]
    money = [
        _card(m, "revenue", _("Revenue from referrals"), _money_texts(m.revenue)),
        _card(
            m,
            "revenue_share",
            _("Share of new revenue"),
            _per_currency(m.revenue_share, _percent),
            band_key="revenue_share",
        ),
        _card(m, "deal_size", _("Deal size (first sale)"), _money_texts(m.deal_size)),
        _card(m, "won_deal_size", _("Deal size (won deals)"), _money_texts(m.won_deal_size)),
        _card(
            m,
            "program_cost",
            _("Program cost"),
            _money_texts(m.program_cost),
            note_key="costs",
            hint=_("Rewards %(rewards)s + entered costs %(costs)s")
            % {
                "rewards": ", ".join(_money_texts(m.rewards)) or "0",
                "costs": ", ".join(_money_texts(m.costs)) or "0",
            },
        ),
        _card(
            m,
            "roi_percent",
            _("ROI"),
            _per_currency(m.roi_percent, _percent),
            hint=_("(revenue - cost) / cost"),
        ),
        _card(
            m,
            "roi_multiple",
            _("Revenue / cost"),
            _per_currency(m.roi_multiple, _multiple),
            band_key="roi_multiple",
        ),
        _card(
            m,
            "cost_per_referral",
            _("Cost per referral"),
            _money_texts(m.cost_per_referral),
            note_key="costs",
        ),
        _card(
            m,
            "cost_per_customer",
            _("Cost per customer"),
            _money_texts(m.cost_per_customer),
            hint=_("Paid ads: %(paid)s")
            % {"paid": ", ".join(_money_texts(m.paid_ads_cost_per_customer))}
            if m.paid_ads_cost_per_customer
            else "",
        ),
        _card(
            m,
            "cac_multiple",
            _("Paid ads' cost per customer / ours"),
            _per_currency(m.cac_multiple, _multiple),
            band_key="cac_multiple",
        ),
        _card(
            m,
            "payback_months",
            _("Payback period"),
            _per_currency(m.payback_months, _months_text),
            band_key="payback_months",
        ),
    ]
    ltv = [
        _card(
            m,
            f"ltv_{source}",
            _("Lifetime value: %(source)s") % {"source": SOURCE_LABELS[source]},
            _money_texts(m.lifetime_value_by_source.get(source)),
        )
        for source in measures.SOURCES
    ]
    time = [
        _card(m, "sales_cycle", _("Sales cycle"), _maybe(m.time_to_close.hours, _duration)),
        _card(
            m,
            "time_to_contact",
            _("Time to contact"),
            _maybe(m.time_to_contact.hours, _duration),
            band_key="time_to_contact_hours",
        ),
        _card(
            m,
            "contacted_48h_share",
            _("Leads contacted within 48 hours"),
            _maybe(m.contacted_48h_share, _percent),
        ),
        _card(
            m,
            "time_to_reward",
            _("Time to reward, from the referral"),
            _maybe(m.time_to_reward.hours, _duration),
            band_key="time_to_reward_hours",
        ),
        _card(
            m,
            "time_to_reward_from_conversion",
            _("Time to reward, from the sale"),
            _maybe(m.time_to_reward_from_conversion.hours, _duration),
        ),
        _card(
            m,
            "rewards_paid_7d_share",
            _("Rewards paid within 7 days"),
            _maybe(m.rewards_paid_7d_share, _percent),
        ),
    ]
    sections = [
        {"key": "volume", "title": _("Volume"), "cards": volume},
        {"key": "referrers", "title": _("Referrers"), "cards": referrers},
        {"key": "conversion", "title": _("Conversion"), "cards": conversion},
        {"key": "money", "title": _("Revenue and cost"), "cards": money},
        {"key": "ltv", "title": _("Lifetime value by source"), "cards": ltv},
        {"key": "time", "title": _("Speed"), "cards": time},
    ]
    if satisfaction is not None and satisfaction.sent:
        sections.append(
            {
                "key": "satisfaction",
                "title": _("Referrer satisfaction"),
                "cards": _satisfaction_cards(m, satisfaction),
            }
        )
    return sections


def _satisfaction_cards(m, summary) -> list[Card]:
    """The one-question survey after a paid reward (1 to 5): its average and response rate."""
    return [
        _card(
            m,
            "satisfaction",
            _("Referrer satisfaction (1 to 5)"),
            _maybe(summary.average, _number),
            hint=ngettext("%(n)s answer", "%(n)s answers", summary.answered)
            % {"n": _number(summary.answered)},
        ),
        _card(
            m,
            "survey_response_rate",
            _("Survey response rate"),
            _maybe(summary.response_rate, _percent),
        ),
    ]


def measures_table(sections) -> tuple[list, list]:
    header = [_("Group"), _("Measure"), _("Value"), _("Band"), _("State")]
    rows = []
    for section in sections:
        for card in section["cards"]:
            rows.append(
                [
                    str(section["title"]),
                    card.label,
                    "; ".join(card.values) or card.note or "",
                    card.band or "",
                    card.state_label,
                ]
            )
    return header, rows


# ---------------------------------------------------------------- periods and charts


def period_label(period: Period, grain: str) -> str:
    if grain == "quarter":
        return _("Q%(q)s %(year)s") % {
            "q": (period.first.month - 1) // 3 + 1,
            "year": period.first.year,
        }
    return formats.date_format(period.first, "F Y")


def _short_label(period: Period, grain: str) -> str:
    if grain == "quarter":
        return _("Q%(q)s %(year)s") % {
            "q": (period.first.month - 1) // 3 + 1,
            "year": period.first.year,
        }
    return formats.date_format(period.first, "M Y")


def choose_period(request, grain: str, today: date) -> tuple[Period, list[Period]]:
    """The period `?period=YYYY-MM-DD` (its first day) names among the last 12 of the grain;
    the current one otherwise."""
    periods = measures.series_periods(grain=grain, count=PERIODS_SHOWN, today=today)
    wanted = request.GET.get("period") or ""
    for period in periods:
        if period.first.isoformat() == wanted:
            return period, periods
    return periods[-1], periods


def _costs_by_period(workspace, program, periods: list[Period]) -> dict[date, dict[str, int]]:
    """The entered costs of each period (the program's; for all programs, every entry of the
    workspace), {period first day: {currency: minor units}}: one query on a small table."""
    found: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = entries.costs_filter(
        workspace=workspace, program=program, months=(periods[0].first, periods[-1].last)
    )
    for cost in rows.values("month", "currency", "amount").order_by():
        for period in periods:
            if period.first <= cost["month"] <= period.last:
                found[period.first][cost["currency"]] += cost["amount"]
                break
    return found


def trend(points, costs, *, grain: str, currency: str) -> list[dict]:
    """Per period: referrals, new customers, revenue, cost (rewards + entered costs) and the
    revenue / cost multiple, in `currency`."""
    rows = []
    for point in points:
        revenue = point.money.get("revenue", {}).get(currency, 0)
        rewards = point.money.get("rewards", {}).get(currency, 0)
        cost = rewards + costs.get(point.period.first, {}).get(currency, 0)
        rows.append(
            {
                "period": point.period,
                "label": _short_label(point.period, grain),
                "referrals": point.counts.get("referrals", 0),
                "customers": point.counts.get("customers", 0),
                "revenue": revenue,
                "cost": cost,
                "multiple": measures.ratio(revenue, cost) if cost else None,
                "roi": measures.pct(revenue - cost, cost) if cost else None,
            }
        )
    return rows


def _charts(rows, m: measures.Measures, currency: str) -> dict:
    labels = [row["label"] for row in rows]
    return {
        "trend": {
            "kind": "trend",
            "labels": labels,
            "datasets": [
                {"label": _("Referrals"), "data": [r["referrals"] for r in rows], "type": "bar"},
                {
                    "label": _("Revenue (%(currency)s)") % {"currency": currency},
                    "data": [float(major(r["revenue"], currency)) for r in rows],
                    "type": "line",
                    "axis": "y1",
                },
            ],
        },
        "funnel": {
            "kind": "funnel",
            "labels": [str(FUNNEL_LABELS[step.key]) for step in m.funnel],
            "datasets": [{"label": _("Count"), "data": [step.count for step in m.funnel]}],
            "drop_off": [None if s.drop_off is None else float(s.drop_off) for s in m.funnel],
        },
        "sources": {
            "kind": "sources",
            "labels": [str(SOURCE_LABELS[s]) for s in measures.SOURCES],
            "datasets": [
                {
                    "label": _("Referrals"),
                    "data": [m.signups_by_source.get(s, 0) for s in measures.SOURCES],
                }
            ],
        },
        "roi": {
            "kind": "roi",
            "labels": labels,
            "datasets": [
                {
                    "label": _("Revenue (%(currency)s)") % {"currency": currency},
                    "data": [float(major(r["revenue"], currency)) for r in rows],
                    "type": "bar",
                },
                {
                    "label": _("Cost (%(currency)s)") % {"currency": currency},
                    "data": [float(major(r["cost"], currency)) for r in rows],
                    "type": "bar",
                },
                {
                    "label": _("Revenue / cost (times)"),
                    "data": [None if r["multiple"] is None else float(r["multiple"]) for r in rows],
                    "type": "line",
                    "axis": "y1",
                },
            ],
        },
    }


# ---------------------------------------------------------------- tables for export


def _trend_table(rows, currency) -> tuple[list, list]:
    header = [
        _("Period"),
        _("Referrals"),
        _("New referred customers"),
        _("Revenue from referrals"),
        _("Program cost"),
        _("Currency"),
        _("Revenue / cost"),
        _("ROI (%)"),
    ]
    body = [
        [
            r["label"],
            r["referrals"],
            r["customers"],
            major(r["revenue"], currency),
            major(r["cost"], currency),
            currency,
            r["multiple"],
            r["roi"],
        ]
        for r in rows
    ]
    return header, body


def _funnel_table(m) -> tuple[list, list]:
    header = [_("Step"), _("Count"), _("Of the step before (%)"), _("Drop-off (%)")]
    return header, [[str(FUNNEL_LABELS[s.key]), s.count, s.rate, s.drop_off] for s in m.funnel]


def _sources_table(m) -> tuple[list, list]:
    header = [_("Source"), _("Referrals"), _("Share (%)"), _("New customers")]
    return header, [
        [
            str(SOURCE_LABELS[s]),
            m.signups_by_source.get(s, 0),
            m.source_mix.get(s),
            m.customers_by_source.get(s, 0),
        ]
        for s in measures.SOURCES
    ]


def _scorecard_table(checks) -> tuple[list, list]:
    header = [_("Check"), _("Result"), _("Measured"), _("Passes when"), _("Why no result")]
    results = {True: _("pass"), False: _("fail"), None: _("cannot tell")}
    return header, [
        [str(c.label), str(results[c.passed]), c.value, str(c.expectation), str(c.why)]
        for c in checks
    ]


# ---------------------------------------------------------------- the page


@console_view()
@kept.as_of_last_pass()
def dashboard(request):
    workspace = request.workspace
    today = clock.now().date()
    program = chosen_program(request)
    grain = request.GET.get("grain") if request.GET.get("grain") in GRAINS else "month"
    period, periods = choose_period(request, grain, today)
    currency = program.currency if program is not None else workspace_currency(workspace)

    m = measures.measures(workspace=workspace, program=program, period=period, today=today)
    checks = scorecard.scorecard(
        workspace=workspace, program=program, period=period, today=today, this=m
    )
    points = measures.series(
        workspace=workspace, program=program, grain=grain, count=PERIODS_SHOWN, today=period.last
    )
    chart_periods = [point.period for point in points]
    rows = trend(
        points,
        _costs_by_period(workspace, program, chart_periods),
        grain=grain,
        currency=currency,
    )
    satisfaction = survey.satisfaction_summary(
        workspace=workspace, program=program, period=(period.first, period.last)
    )
    sections = measure_sections(m, satisfaction)
    goal_rows = goals_view.goal_rows(workspace=workspace, program=program, today=today)
    download = export_response(
        request,
        {
            "measures": lambda: measures_table(sections),
            "trend": lambda: _trend_table(rows, currency),
            "funnel": lambda: _funnel_table(m),
            "sources": lambda: _sources_table(m),
            "scorecard": lambda: _scorecard_table(checks),
            "goals": lambda: goals_view.goals_table(goal_rows),
        },
        "insight",
    )
    if download is not None:
        return download
    charts = _charts(rows, m, currency)
    nothing_yet = not (m.clicks or m.signups or any(r["referrals"] for r in rows))
    return render(
        request,
        "console/insight/dashboard.html",
        {
            "tabs": insight_tabs("console:insight"),
            "programs": programs_of(workspace),
            "program": program,
            "grain": grain,
            "grains": list(GRAINS.items()),
            "period": period,
            "period_label": period_label(period, grain),
            "period_choices": [
                (p.first.isoformat(), period_label(p, grain)) for p in reversed(periods)
            ],
            "currency": currency,
            "sections": sections,
            "m": m,
            "funnel": [
                {"step": s, "label": FUNNEL_LABELS[s.key], "width": _width(s.count, m.funnel)}
                for s in m.funnel
            ],
            "sources": [
                {
                    "label": SOURCE_LABELS[s],
                    "count": m.signups_by_source.get(s, 0),
                    "share": m.source_mix.get(s),
                }
                for s in measures.SOURCES
            ],
            "trend": rows,
            "charts_json": {
                key: json.loads(json.dumps(spec, default=str)) for key, spec in charts.items()
            },
            "checks": checks,
            "checks_passed": sum(1 for c in checks if c.passed),
            "checks_failed": sum(1 for c in checks if c.passed is False),
            "goals": goal_rows,
            "no_cost": not m.cost_entered,
            "nothing_yet": nothing_yet,
        },
    )


def _width(count: int, steps) -> int:
    top = max((s.count for s in steps), default=0)
    return round(count * 100 / top) if top else 0


urlpatterns = [path("insight/", dashboard, name="insight")]
