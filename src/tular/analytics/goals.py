"""Goals (R7): SMART targets per program and period, tracked against actuals with a
straight-line forecast.

The actual of a goal is its measure over [starts_on, min(today, ends_on)] (the rollups):

- ``referrals``: referrals created (count).
- ``qualified_referrals``: moves to qualified in the pipeline (count).
- ``revenue``: revenue from referrals in the goal's currency (minor units; sales - refunds).
- ``conversion_rate`` (%): of the referrals created in the period, those that became customers
  or were won: (cohort_customers + cohort_won) / referrals * 100 (a won lead with a recorded
  first sale counts once as won: cohort_customers only counts tracked sign-ups' sales when the
  period has no pipeline leads, see `_actual`).
- ``revenue_share`` (%): revenue from referrals / all new revenue (entered per month) in the
  goal's currency * 100.

Forecast to the period's end, straight line: a count or an amount grows at the pace so far,
actual / elapsed days * total days; a rate (conversion, share) is forecast to stay where it is
(the forecast is the actual). `on_track`: forecast ≥ target (None before the period starts or
when the actual cannot be told).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from tular.core import clock, money
from tular.core.errors import Invalid, NotFound
from tular.programs.models import Program
from tular.workspaces.audit import Actor, audit_record

from .measures import day_totals, outside_figures, pct, programs_of
from .metrics import Period
from .models import Goal, GoalMetric

RATE_METRICS = frozenset({GoalMetric.conversion_rate, GoalMetric.revenue_share})
MONEY_METRICS = frozenset({GoalMetric.revenue})
MAX_TARGET = Decimal(10) ** 17
MAX_DAYS = 3 * 365 + 1
MAX_NOTE = 300


@dataclass(frozen=True)
class GoalProgress:
    """A goal against its actual: `actual` so far (int for counts and money in minor units,
    Decimal % for rates, None when it cannot be told), `elapsed_days` of `total_days`,
    `forecast` at the period's end (straight line; rates stay), `progress` = actual / target
    (%), `on_track` (forecast ≥ target; None before the start or without an actual), `why`
    when the actual cannot be told."""

    goal: Goal
    actual: Decimal | None
    forecast: Decimal | None
    progress: Decimal | None
    elapsed_days: int
    total_days: int
    on_track: bool | None
    why: str = ""

    def as_dict(self) -> dict:
        def text(value):
            return None if value is None else format(value.normalize(), "f")

        g = self.goal
        return {
            "id": str(g.pk),
            "program": g.program.slug,
            "metric": g.metric,
            "from": g.starts_on.isoformat(),
            "to": g.ends_on.isoformat(),
            "target": text(g.target),
            "currency": g.currency or None,
            "note": g.note,
            "actual": text(self.actual),
            "forecast": text(self.forecast),
            "progress": text(self.progress),
            "elapsed_days": self.elapsed_days,
            "total_days": self.total_days,
            "on_track": self.on_track,
            "why": self.why,
        }


def _two(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _actual(goal: Goal, period: Period) -> tuple[Decimal | None, str]:
    programs = programs_of(workspace=goal.workspace, program=goal.program)
    totals = day_totals(programs=programs, first=period.first, last=period.last)

    def count(key: str) -> int:
        return int(totals.get((key, ""), 0))

    metric = goal.metric
    if metric == GoalMetric.referrals:
        return Decimal(count("referrals")), ""
    if metric == GoalMetric.qualified_referrals:
        return Decimal(count("qualified")), ""
    if metric == GoalMetric.revenue:
        return Decimal(int(totals.get(("revenue", goal.currency), 0))), ""
    if metric == GoalMetric.conversion_rate:
        won = count("cohort_won") if count("leads") else count("cohort_customers")
        rate = pct(won, count("referrals"))
        return rate, "" if rate is not None else _("no referrals yet")
    # revenue share
    outside = outside_figures(workspace=goal.workspace, program=goal.program, period=period)
    all_new = outside.get("all_new_revenue", {}).get(goal.currency)
    if not all_new:
        return None, _("no new revenue from all channels entered")
    return pct(int(totals.get(("revenue", goal.currency), 0)), all_new), ""


def goal_progress(*, goal: Goal, today: date) -> GoalProgress:
    """The goal's actual so far, forecast and whether it is on track (module docstring)."""
    total = (goal.ends_on - goal.starts_on).days + 1
    if today < goal.starts_on:
        return GoalProgress(goal, None, None, None, 0, total, None, _("not started"))
    last = min(today, goal.ends_on)
    elapsed = (last - goal.starts_on).days + 1
    actual, why = _actual(goal, Period(first=goal.starts_on, last=last))
    if actual is None:
        return GoalProgress(goal, None, None, None, elapsed, total, None, why)
    rate = goal.metric in RATE_METRICS
    forecast = actual if rate else _two(Fraction(actual) * total / elapsed)
    progress = _two(Fraction(actual) * 100 / Fraction(goal.target)) if goal.target else None
    return GoalProgress(goal, actual, forecast, progress, elapsed, total, forecast >= goal.target)


def goals_filter(*, workspace, program: Program | None = None):
    """The workspace's goals (or one program's), the latest periods first."""
    goals = Goal.objects.filter(workspace=workspace).select_related("program", "workspace")
    if program is not None:
        goals = goals.filter(program=program)
    return goals.order_by("-ends_on", "metric", "pk")


def goal_get(*, workspace, goal_id) -> Goal:
    """One goal of the workspace, or NotFound."""
    try:
        return goals_filter(workspace=workspace).get(pk=UUID(str(goal_id)))
    except (Goal.DoesNotExist, ValueError) as exc:
        raise NotFound(_("No such goal.")) from exc


def _day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid([field], _("Give a date as YYYY-MM-DD.")) from None


def _snapshot(goal: Goal) -> dict:
    return {
        "program": str(goal.program_id),
        "metric": goal.metric,
        "from": goal.starts_on.isoformat(),
        "to": goal.ends_on.isoformat(),
        "target": str(goal.target),
        "currency": goal.currency,
        "note": goal.note,
    }


@transaction.atomic
def goal_create(
    *,
    workspace,
    program: Program,
    metric: str,
    starts_on,
    ends_on,
    target,
    currency: str = "",
    note: str = "",
    actor: Actor | None = None,
) -> Goal:
    """Set a target for `program` over [starts_on, ends_on] (both included). A rate target
    (conversion_rate, revenue_share) is a percentage from 0 to 100; a revenue target is in minor
    units of `currency`, which a share goal needs too; other targets are counts. Nothing is
    written on bad input (`Invalid` at the field)."""
    if program is None or program.workspace_id != workspace.pk:
        raise Invalid(["program"], _("Choose one of this workspace's programs."))
    if metric not in GoalMetric.values:
        raise Invalid(["metric"], _("Choose one of the measures a goal can track."))
    first, last = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if first.year < 2000 or last.year > 2100:
        raise Invalid(["starts_on"], _("Give a date from 2000 to 2100."))
    if last < first:
        raise Invalid(["ends_on"], _("The end is before the start."))
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(["ends_on"], _("A goal's period is at most 3 years."))
    if isinstance(target, bool):
        raise Invalid(["target"], _("Give a number."))
    try:
        number = Decimal(str(target).strip())
    except InvalidOperation:
        raise Invalid(["target"], _("Give a number.")) from None
    if not number.is_finite() or number <= 0 or number >= MAX_TARGET:
        raise Invalid(["target"], _("Give a target above 0."))
    if number != number.quantize(Decimal("0.01")):
        raise Invalid(["target"], _("Give a target with at most 2 decimals."))
    if metric in RATE_METRICS and number > 100:
        raise Invalid(["target"], _("A percentage is at most 100."))
    if metric not in RATE_METRICS and number != number.to_integral_value():
        raise Invalid(["target"], _("Give a whole number."))
    currency = (currency or "").strip().upper()
    needs_currency = metric in MONEY_METRICS or metric == GoalMetric.revenue_share
    if needs_currency and not money.is_currency(currency):
        raise Invalid(["currency"], _("Give the ISO 4217 currency code (e.g. IDR)."))
    if not needs_currency:
        currency = ""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(["note"], _("A note has at most 300 characters."))
    goal = Goal.objects.create(
        workspace=workspace,
        program=program,
        metric=metric,
        starts_on=first,
        ends_on=last,
        target=number,
        currency=currency,
        note=note,
        created_by=(actor.label if actor else "")[:200],
        created_at=clock.now(),
    )
    audit_record(
        workspace=workspace, actor=actor, action="goal.create", target=goal, after=_snapshot(goal)
    )
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, actor: Actor | None = None) -> None:
    """Remove a goal; the audit log keeps what it was."""
    audit_record(
        workspace=goal.workspace_id,
        actor=actor,
        action="goal.delete",
        target=goal,
        before=_snapshot(goal),
    )
    goal.delete()
