"""The workspace at a glance (the console's overview): what needs doing, this month against
the last, and the last 90 days day by day. Reads only; every figure is for one workspace.

Months and days are the workspace's local ones (its time zone, Asia/Jakarta by default), so
"this month" starts at local midnight of the 1st, as the manager reads a calendar. The figures
follow `tular.analytics.metrics` (same definitions, summed over the workspace's programs):
clicks, sign-ups (referrals recorded), sales (sale conversions), revenue from referrals (sales
minus refunds, per currency), rewards earned (monetary, net of reversals, rejected left out,
by creation), rewards paid (by payment time), and the median time to reward (referral →
payment) of the rewards paid, against the 7-day target (R30).
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from tular.analytics.metrics import (
    TIME_TO_REWARD_TARGET_HOURS,
    clicks_between,
    median_hours,
    net_revenue,
    net_rewards,
)
from tular.core import clock
from tular.participants.models import Participant
from tular.referrals.models import Conversion, ConversionKind, Referral, ReferralStatus
from tular.rewards.models import Payout, Reward, RewardStatus
from tular.tracking.models import Click

CHART_DAYS = 90


@dataclass(frozen=True)
class Todo:
    """One thing waiting for the manager: a count, and which console list shows it."""

    key: str  # rewards_to_review, flagged_referrals, draft_payouts, pending_rewards
    count: int


def workspace_todo(*, workspace) -> list[Todo]:
    """What needs doing now, in the order a manager should do it."""
    rewards = Reward.objects.filter(program__workspace=workspace)
    by_status = dict(
        rewards.filter(status__in=[RewardStatus.needs_review, RewardStatus.pending])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flagged = Referral.objects.filter(workspace=workspace, status=ReferralStatus.flagged).count()
    drafts = (
        Payout.objects.filter(
            program__workspace=workspace, status=Payout.Status.draft, items__isnull=False
        )
        .distinct()
        .count()
    )
    return [
        Todo("rewards_to_review", by_status.get(RewardStatus.needs_review, 0)),
        Todo("flagged_referrals", flagged),
        Todo("draft_payouts", drafts),
        Todo("pending_rewards", by_status.get(RewardStatus.pending, 0)),
    ]


def _zone(workspace) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(workspace.time_zone or "Asia/Jakarta")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Jakarta")


def _local_midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def month_bounds(today: date) -> tuple[date, date, date]:
    """(first day of last month, first day of this month, first day of next month)."""
    this = today.replace(day=1)
    previous = (this - timedelta(days=1)).replace(day=1)
    following = (this + timedelta(days=32)).replace(day=1)
    return previous, this, following


def _nonzero(totals: dict[str, int]) -> dict[str, int]:
    return {currency: amount for currency, amount in totals.items() if amount}


def period_figures(*, workspace, start: datetime, end: datetime) -> dict:
    """The key figures of [start, end) for the whole workspace."""
    participants = Participant.objects.filter(workspace=workspace).values("pk")
    signups = Referral.objects.filter(
        workspace=workspace, created_at__gte=start, created_at__lt=end
    ).count()
    conversions = Conversion.objects.filter(
        workspace=workspace, occurred_at__gte=start, occurred_at__lt=end
    )
    rewards = Reward.objects.filter(program__workspace=workspace, amount__isnull=False)
    paid_rewards = rewards.filter(paid_at__gte=start, paid_at__lt=end)
    durations = [
        int((paid_at - referred_at).total_seconds())
        for referred_at, paid_at in paid_rewards.values_list("referred_at", "paid_at")
    ]
    return {
        "clicks": clicks_between(participants, start, end),
        "signups": signups,
        "sales": conversions.filter(kind=ConversionKind.sale).count(),
        "revenue": _nonzero(net_revenue(conversions)),
        "rewards_earned": _nonzero(
            net_rewards(rewards.filter(created_at__gte=start, created_at__lt=end))
        ),
        "rewards_paid": _nonzero(net_rewards(paid_rewards)),
        "time_to_reward_hours": median_hours(durations),
        "time_to_reward_count": len(durations),
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


def month_against_last(*, workspace, now: datetime | None = None) -> dict:
    """This month so far against the same stretch of last month (1 Dec to 2 Dec 10:00 against
    1 Nov to 2 Nov 10:00), in the workspace's calendar: a fair comparison on any day."""
    zone = _zone(workspace)
    moment = (now or clock.now()).astimezone(zone)
    previous, this, _following = month_bounds(moment.date())
    this_start, last_start = _local_midnight(this, zone), _local_midnight(previous, zone)
    elapsed = moment - this_start
    last_end = min(last_start + elapsed, this_start)  # 31 March against at most all of Feb
    current = period_figures(workspace=workspace, start=this_start, end=moment)
    last = period_figures(workspace=workspace, start=last_start, end=last_end)
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
        "this_month": this,
        "last_month": previous,
        "last_month_until": (last_end - timedelta(microseconds=1)).date(),
        "figures": figures,
        "time_to_reward_days": None if hours is None else float(hours) / 24,
        "time_to_reward_target_days": TIME_TO_REWARD_TARGET_HOURS // 24,
        "time_to_reward_on_target": None
        if hours is None
        else float(hours) <= TIME_TO_REWARD_TARGET_HOURS,
        "time_to_reward_count": current["time_to_reward_count"],
    }


def daily_series(*, workspace, days: int = CHART_DAYS, now: datetime | None = None) -> dict:
    """Clicks, sign-ups and sales per local day over the last `days` days (today included)."""
    zone = _zone(workspace)
    today = (now or clock.now()).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = _local_midnight(first, zone)
    participants = Participant.objects.filter(workspace=workspace).values("pk")
    series = {
        "clicks": Click.objects.filter(participant_id__in=participants, created_at__gte=start),
        "signups": Referral.objects.filter(workspace=workspace, created_at__gte=start),
        "sales": Conversion.objects.filter(
            workspace=workspace, kind=ConversionKind.sale, occurred_at__gte=start
        ),
    }
    stamp = {"clicks": "created_at", "signups": "created_at", "sales": "occurred_at"}
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for name, rows in series.items():
        for row in (
            rows.annotate(day=TruncDate(stamp[name], tzinfo=zone))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[name][row["day"]] = row["n"]
    dates = [first + timedelta(days=offset) for offset in range(days)]
    return {
        "dates": dates,
        **{name: [counts[name].get(day, 0) for day in dates] for name in series},
    }


def top_referrers(*, workspace, days: int = 30, limit: int = 5, now: datetime | None = None):
    """The participants who brought the most referrals over the last `days` days."""
    since = (now or clock.now()) - timedelta(days=days)
    return list(
        Participant.objects.filter(workspace=workspace)
        .annotate(
            recent=Count("referrals", filter=Q(referrals__created_at__gte=since), distinct=True)
        )
        .filter(recent__gt=0)
        .select_related("program")
        .order_by("-recent", "name")[:limit]
    )
