"""The workspace at a glance (the console's overview): what needs doing, this month against
the last, and the last 90 days day by day. Reads only; every figure is for one workspace.

The figures come from the daily rollups (`DayFigure`, docs/metrics.md "Daily rollups"), so a
day is a **UTC day** (the rollups' day) and "this month" is the calendar month of today's UTC
date, from its 1st through today; it is compared with the same days of last month (1 to 27
November against 1 to 27 October). Clicks the worker has not counted yet are added as
`measures.clicks_count` does (ids at or above the watermark, through the primary key only).
The figures follow `tular.analytics.measures` (same keys and definitions, summed over the
workspace's programs): clicks, sign-ups (`referrals`), sales, revenue from referrals (sales
minus refunds, per currency), rewards earned (`rewards`: monetary, net of reversals, rejected
left out, by creation), rewards paid (`rewards_paid_amount`, by payment time), and the median
time to reward (referral → payment, in SQL) of the rewards paid, against the 7-day target (R30).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Count, F, Func, Sum

from tular.analytics.measures import day_totals, programs_of, time_to_reward
from tular.analytics.metrics import TIME_TO_REWARD_TARGET_HOURS, Period
from tular.analytics.models import DayFigure
from tular.analytics.rollups import uncounted_clicks, utc_day
from tular.core import clock
from tular.participants.models import Participant
from tular.referrals.models import Referral, ReferralStatus
from tular.rewards.models import Payout, Reward, RewardStatus

CHART_DAYS = 90
# The chart's series and the rollup key each one sums.
SERIES_KEYS = {"clicks": "clicks", "signups": "referrals", "sales": "sales"}


@dataclass(frozen=True)
class Todo:
    """One thing waiting for the manager: a count, and which console list shows it."""

    key: str  # rewards_to_review, flagged_referrals, draft_payouts, pending_rewards
    count: int


def workspace_todo(*, workspace, programs: list | None = None) -> list[Todo]:
    """What needs doing now, in the order a manager should do it. Counts by status over the
    (status, ...) and (program, status, ...) indexes, the programs as a literal list (the
    workspace's, read here when not given)."""
    if programs is None:
        programs = programs_of(workspace=workspace)
    by_status = dict(
        Reward.objects.filter(
            program__in=programs, status__in=[RewardStatus.needs_review, RewardStatus.pending]
        )
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flagged = Referral.objects.filter(program__in=programs, status=ReferralStatus.flagged).count()
    drafts = (
        Payout.objects.filter(program__in=programs, status=Payout.Status.draft, items__isnull=False)
        .distinct()
        .count()
    )
    return [
        Todo("rewards_to_review", by_status.get(RewardStatus.needs_review, 0)),
        Todo("flagged_referrals", flagged),
        Todo("draft_payouts", drafts),
        Todo("pending_rewards", by_status.get(RewardStatus.pending, 0)),
    ]


def month_bounds(today: date) -> tuple[date, date, date]:
    """(first day of last month, first day of this month, first day of next month)."""
    this = today.replace(day=1)
    previous = (this - timedelta(days=1)).replace(day=1)
    following = (this + timedelta(days=32)).replace(day=1)
    return previous, this, following


def _nonzero(totals: dict[str, int]) -> dict[str, int]:
    return {currency: amount for currency, amount in totals.items() if amount}


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def period_figures(*, programs, period: Period, pending_clicks: dict[date, int]) -> dict:
    """The key figures of the UTC days of `period` for the programs: one grouped query over
    the rollups, and the median time to reward in SQL."""
    totals = day_totals(programs=programs, first=period.first, last=period.last)

    def count(key: str) -> int:
        return int(totals.get((key, ""), 0))

    def money(key: str) -> dict[str, int]:
        return _nonzero(
            {cur: int(value) for (k, cur), value in sorted(totals.items()) if k == key and cur}
        )

    median = time_to_reward(programs=programs, period=period)
    pending = sum(n for day, n in pending_clicks.items() if period.first <= day <= period.last)
    return {
        "clicks": count("clicks") + pending,
        "signups": count("referrals"),
        "sales": count("sales"),
        "revenue": money("revenue"),
        "rewards_earned": money("rewards"),
        "rewards_paid": money("rewards_paid_amount"),
        "time_to_reward_hours": median.hours,
        "time_to_reward_count": median.count,
    }


@dataclass(frozen=True)
class Figure:
    key: str
    this: object
    last: object
    currency: str | None = None  # money figures, one per currency
    # +1 this month is better than last, -1 worse, 0 the same or nothing to compare
    trend: int = 0
    change_percent: str | None = None


def _compare(key: str, this, last, currency=None, lower_is_better=False) -> Figure:
    trend, change = 0, None
    if this is not None and last is not None:
        this_value, last_value = float(this), float(last)
        if this_value != last_value:
            trend = 1 if (this_value > last_value) != lower_is_better else -1
        if last_value:
            change = f"{(this_value - last_value) / abs(last_value) * 100:+.0f}"
    return Figure(key, this, last, currency, trend, change)


def month_periods(today: date) -> tuple[Period, Period]:
    """(this month from its 1st through today, the same days of last month), UTC days: 31 March
    is compared with at most all of February."""
    previous, this, _following = month_bounds(today)
    last_until = min(previous + (today - this), this - timedelta(days=1))
    return Period(this, today), Period(previous, last_until)


def month_against_last(
    *,
    workspace,
    now: datetime | None = None,
    pending_clicks: dict[date, int] | None = None,
    programs: list | None = None,
) -> dict:
    """This month so far (its UTC days through today) against the same days of last month:
    a fair comparison on any day. `pending_clicks` ({day: clicks} not yet rolled up) is read
    here when not given."""
    today = utc_day(now or clock.now())
    current_period, last_period = month_periods(today)
    if programs is None:
        programs = programs_of(workspace=workspace)
    if pending_clicks is None:
        pending_clicks = uncounted_clicks(
            programs=programs, first=last_period.first, last=current_period.last
        )
    current = period_figures(
        programs=programs, period=current_period, pending_clicks=pending_clicks
    )
    last = period_figures(programs=programs, period=last_period, pending_clicks=pending_clicks)
    figures = [_compare(key, current[key], last[key]) for key in ("clicks", "signups", "sales")]
    for key in ("revenue", "rewards_earned", "rewards_paid"):
        for currency in sorted(set(current[key]) | set(last[key])) or ["IDR"]:
            figures.append(
                _compare(key, current[key].get(currency, 0), last[key].get(currency, 0), currency)
            )
    figures.append(
        _compare(
            "time_to_reward_hours",
            current["time_to_reward_hours"],
            last["time_to_reward_hours"],
            lower_is_better=True,
        )
    )
    hours = current["time_to_reward_hours"]
    return {
        "this_month": current_period.first,
        "last_month": last_period.first,
        "last_month_until": last_period.last,
        "figures": figures,
        "time_to_reward_days": None if hours is None else float(hours) / 24,
        "time_to_reward_target_days": TIME_TO_REWARD_TARGET_HOURS // 24,
        "time_to_reward_on_target": None
        if hours is None
        else float(hours) <= TIME_TO_REWARD_TARGET_HOURS,
        "time_to_reward_count": current["time_to_reward_count"],
    }


def daily_series(
    *,
    workspace,
    days: int = CHART_DAYS,
    now: datetime | None = None,
    pending_clicks: dict[date, int] | None = None,
    programs: list | None = None,
) -> dict:
    """Clicks, sign-ups and sales per UTC day over the last `days` days (today included): one
    grouped query over the rollups, plus the clicks not yet rolled up."""
    today = utc_day(now or clock.now())
    first = today - timedelta(days=days - 1)
    if programs is None:
        programs = programs_of(workspace=workspace)
    if pending_clicks is None:
        pending_clicks = uncounted_clicks(programs=programs, first=first, last=today)
    by_key = {key: name for name, key in SERIES_KEYS.items()}
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        DayFigure.objects.filter(
            program__in=programs,
            day__gte=first,
            day__lte=today,
            key__in=list(by_key),
            currency="",
        )
        .values("day", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for row in rows:
        counts[by_key[row["key"]]][row["day"]] += int(row["total"])
    for day, n in pending_clicks.items():
        if first <= day <= today:
            counts["clicks"][day] += n
    dates = [first + timedelta(days=offset) for offset in range(days)]
    return {
        "dates": dates,
        **{name: [counts[name].get(day, 0) for day in dates] for name in SERIES_KEYS},
    }


def overview_figures(
    *,
    workspace,
    days: int = CHART_DAYS,
    now: datetime | None = None,
    programs: list | None = None,
) -> dict:
    """The month's comparison and the daily series together, reading the clicks not yet rolled
    up once for both: {"month": month_against_last(...), "series": daily_series(...)}."""
    now = now or clock.now()
    today = utc_day(now)
    _current, last_period = month_periods(today)
    first = min(last_period.first, today - timedelta(days=days - 1))
    if programs is None:
        programs = programs_of(workspace=workspace)
    pending = uncounted_clicks(programs=programs, first=first, last=today)
    common = {"workspace": workspace, "now": now, "pending_clicks": pending, "programs": programs}
    return {
        "month": month_against_last(**common),
        "series": daily_series(days=days, **common),
    }


class _Unindexed(Func):
    """The column as it is, except on SQLite, where `+column` keeps the planner from scanning
    the whole (participant, created_at) index for its order instead of searching the period's
    range of the (program, created_at, participant) one."""

    def __init__(self, expression):
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"+{sql}", params


def top_referrers(
    *,
    workspace,
    days: int = 30,
    limit: int = 5,
    now: datetime | None = None,
    programs: list | None = None,
):
    """The participants who brought the most referrals over the last `days` days (ties by
    name among the leaders read), each with `recent` = that number: one grouped query over the
    (program, created_at, participant) index, then the few participants."""
    since = (now or clock.now()) - timedelta(days=days)
    if programs is None:
        programs = programs_of(workspace=workspace)
    ranked = list(
        Referral.objects.filter(program__in=programs, created_at__gte=since)
        .annotate(referrer=_Unindexed(F("participant_id")))
        .values("referrer")
        .annotate(n=Count("*"))
        .order_by("-n", "referrer")
        .values_list("referrer", "n")[: limit * 4]
    )
    people = Participant.objects.select_related("program").in_bulk([pk for pk, _n in ranked])
    top = []
    for pk, n in ranked:
        person = people.get(pk if isinstance(pk, UUID) else UUID(str(pk)))
        if person is not None:  # None: deleted between the two queries
            person.recent = n
            top.append(person)
    top.sort(key=lambda person: (-person.recent, person.name, str(person.pk)))
    return top[:limit]
