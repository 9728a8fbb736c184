"""/api/v1/metrics: a program's (or the workspace's) figures over a period. The definitions are
in tular.analytics.metrics (module docstring), tular.analytics.measures, docs/metrics.md and in
the response schema's descriptions."""

import re
from datetime import UTC, date
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from tular.analytics import measures as measures_
from tular.analytics import metrics
from tular.analytics.scorecard import scorecard
from tular.core import clock
from tular.core.errors import DomainError, Invalid, NotFound
from tular.programs.services import program_get

router = Router(tags=["metrics"])

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(value):
    # Only YYYY-MM-DD: pydantic alone would also take a datetime or a Unix timestamp.
    if isinstance(value, str) and not _DAY.fullmatch(value):
        raise ValueError("give a date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_day)]


class MetricsQuery(Schema):
    program: Annotated[
        str | None,
        Field(
            None,
            min_length=1,
            max_length=100,
            description="Program slug. Left out: every program of the workspace summed (money "
            "per currency).",
        ),
    ]
    from_: Day | None = Field(
        None,
        alias="from",
        description="First day (UTC), included. Default: 29 days before `to`.",
    )
    to: Day | None = Field(None, description="Last day (UTC), included. Default: today (UTC).")


class CurrencyAmount(Schema):
    currency: str = Field(description="ISO 4217 code.")
    amount: int = Field(description="Minor units of the currency.")


# Every rate: a percentage as a decimal string (api-v1: "20", "12.5"), 2 decimals at most.
RATE_PATTERN = r"^\d{1,3}(\.\d{1,2})?$"
_RATE = (
    "A percentage as a decimal string, rounded half to even to 2 decimals, trailing zeros "
    'dropped ("25", "12.5", "33.33"); null when '
)


def _rate(definition: str, *, null_when: str):
    return Field(
        description=f"{definition} {_RATE}{null_when}.",
        json_schema_extra={"pattern": RATE_PATTERN, "example": "12.5"},
    )


class BandOut(Schema):
    value: str | None = Field(description="The measured value (decimal string), null if none.")
    position: str | None = Field(
        description='"in_band", "above", "below" or "warning" (under `warn_below`); null '
        "when there is no value."
    )
    good: bool | None = Field(description="Whether that position is healthy; null if no value.")
    low: str | None = Field(description="The band's low end (decimal string), null if open.")
    high: str | None = Field(description="The band's high end (decimal string), null if open.")
    unit: str = Field(description='"%", "x" (a multiple), "months" or "hours".')
    better: str = Field(description='"higher" or "lower": which way is healthy.')
    warn_below: str | None = Field(description="Under this value is a warning (null: none).")
    changed: bool = Field(description="The manager changed this band (not the sector's default).")


class CheckOut(Schema):
    key: str = Field(
        description="volume_growing, conversion_vs_other, referred_not_underperforming, "
        "roi_in_band, repeat_referrers_rising, contact_within_48h, time_to_reward, "
        "referrals_spread (docs/metrics.md)."
    )
    label: str = Field(description="The check, in the request's language.")
    passed: bool | None = Field(description="true, false, or null when it cannot tell.")
    value: str | None = Field(description="What was measured, as text.")
    expectation: str = Field(description="What passes, in the request's language.")
    why: str = Field(description="Why it cannot tell (when `passed` is null), else empty.")


class MetricsOut(Schema):
    program: str | None = Field(
        description="The program's slug; null for the whole workspace (no `program` asked)."
    )
    from_: date = Field(alias="from", description="First day of the period (UTC), included.")
    to: date = Field(description="Last day of the period (UTC), included.")
    clicks: int = Field(description="Clicks on the program's participants' links in the period.")
    signups: int = Field(
        description="Referrals created in the period: tracked sign-ups, submitted leads and "
        "referrals flagged for review alike."
    )
    conversions: int = Field(
        description="Sales by referred customers in the period, first or repeat (refunds and "
        "cancellations are not conversions)."
    )
    converted_signups: int = Field(
        description="Of `signups` (a cohort), the referrals whose customer made a first sale "
        "by the period's end."
    )
    referring_participants: int = Field(
        description="Participants who referred at least one of `signups`."
    )
    participants: int = Field(
        description="Participants who joined the program in the period (enrolled in it)."
    )
    participants_total: int = Field(
        description="Participants of the program by the period's end (joined before it "
        "ended), plus any who referred in the period although enrolled later (history sent "
        "afterwards): the denominator of `referral_rate`."
    )
    referral_rate: str | None = _rate(
        "Referral rate (R41): referring customers / all customers * 100, that is "
        "`referring_participants` / `participants_total` * 100.",
        null_when="`participants_total` is 0",
    )
    conversion_rate: str | None = _rate(
        "Conversion rate of the referred: `converted_signups` / `signups` * 100, never above 100.",
        null_when="`signups` is 0",
    )
    revenue: list[CurrencyAmount] = Field(
        description="Per currency: sales minus refunds that happened in the period (a refund "
        "counts when it happens, so a figure can be negative)."
    )
    rewards: list[CurrencyAmount] = Field(
        description="Per currency: monetary rewards created in the period, net of reversals, "
        "rejected ones excluded."
    )
    time_to_reward_hours: str | None = Field(
        description="Time to reward (R30, R44): median hours from referral to payment over the "
        "rewards paid in the period, 2 decimals; null when none was paid."
    )
    time_to_reward_count: int = Field(description="The rewards behind `time_to_reward_hours`.")
    time_to_reward_target_hours: int = Field(description="The target: under 7 days (168).")
    conversion_to_approval_hours: str | None = Field(
        description="Median hours from conversion to approval over the rewards approved in the "
        "period, 2 decimals; null when none was approved."
    )
    conversion_to_approval_count: int = Field(
        description="The rewards behind `conversion_to_approval_hours`."
    )
    conversion_to_payment_hours: str | None = Field(
        description="Median hours from conversion to payment over the rewards paid in the "
        "period, 2 decimals; null when none was paid."
    )
    conversion_to_payment_count: int = Field(
        description="The rewards behind `conversion_to_payment_hours`."
    )
    measures: dict = Field(
        description="Every measure of issue 11 (R41-R45) over the period, from the daily "
        "rollups (current once the worker has run): volume, referral rate, conversion vs other "
        "channels, sales cycle, deal size and lifetime value by source, revenue share, program "
        "cost, ROI, payback, time to reward / contact / close, active and repeat referrers, "
        "top referrers' share, source mix, funnel, satisfaction. Money as {currency: minor "
        "units}, rates as percentage strings, multiples as decimal strings, medians as "
        "{hours, count}; `notes` says why a measure is null. Every field: docs/metrics.md."
    )
    bands: dict[str, BandOut] = Field(
        description="Each banded measure's value against its benchmark band (the sector's "
        "default or the manager's change): referral_rate, conversion_multiple, revenue_share, "
        "roi_multiple, payback_months, time_to_reward_hours, time_to_contact_hours, "
        "cac_multiple."
    )
    scorecard: list[CheckOut] = Field(
        description="The health scorecard (R56): pass/fail checks against the period before."
    )


class PeriodInvalid(Invalid):
    """A 422 about a query parameter (Invalid's locations are in the body)."""

    def __init__(self, name: str, msg: str):
        DomainError.__init__(self, f"{name}: {msg}", errors=[{"loc": ["query", name], "msg": msg}])


def query_period(*, first, last, today=None):
    """The whole UTC days asked for with `from` and `to` (default: the last 30 days), or a 422
    naming the parameter: `to` before `from`, `from` after today without `to`, or longer than
    MAX_PERIOD_DAYS."""
    if first and last and last < first:
        raise PeriodInvalid("to", "is before from")
    today = today or clock.now().astimezone(UTC).date()
    if first and not last and first > today:
        raise PeriodInvalid("from", "is after today; give to as well")
    period = metrics.default_period(today, first=first, last=last)
    if period.days > metrics.MAX_PERIOD_DAYS:
        raise PeriodInvalid("to", f"the period is longer than {metrics.MAX_PERIOD_DAYS} days")
    return period


@router.get("", response={200: MetricsOut}, by_alias=True)
def program_metrics(request, query: Query[MetricsQuery]):
    """A program's (or, without `program`, the workspace's) clicks, sign-ups, conversions,
    rates, revenue, rewards and time to reward over whole UTC days, both ends included
    (default: the last 30 days), with every measure, its benchmark band and the health
    scorecard."""
    today = clock.now().astimezone(UTC).date()
    period = query_period(first=query.from_, last=query.to, today=today)
    program = None
    if query.program is not None:
        program = program_get(workspace=request.workspace, slug=query.program)
        if program is None:
            raise NotFound(f"No program with slug {query.program!r} in this workspace.")
    workspace = request.workspace
    found = measures_.measures(
        workspace=workspace, program=program, period=period, today=today, with_tree=False
    )
    figures = measures_.api_figures(
        workspace=workspace, program=program, period=period, found=found
    )
    shown = found.as_dict()
    bands = shown.pop("bands")
    checks = scorecard(workspace=workspace, program=program, period=period, today=today, this=found)
    return {
        **figures,
        "measures": shown,
        "bands": bands,
        "scorecard": [check.as_dict() for check in checks],
    }
