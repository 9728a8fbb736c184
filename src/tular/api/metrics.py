"""/api/v1/metrics: a program's figures over a period. The definitions are in
tular.analytics.metrics (module docstring) and in the response schema's descriptions."""

import re
from datetime import UTC, date
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from tular.analytics import metrics
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
    program: Annotated[str, Field(min_length=1, max_length=100, description="Program slug.")]
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


class MetricsOut(Schema):
    program: str = Field(description="The program's slug.")
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


class PeriodInvalid(Invalid):
    """A 422 about a query parameter (Invalid's locations are in the body)."""

    def __init__(self, name: str, msg: str):
        DomainError.__init__(self, f"{name}: {msg}", errors=[{"loc": ["query", name], "msg": msg}])


@router.get("", response={200: MetricsOut}, by_alias=True)
def program_metrics(request, query: Query[MetricsQuery]):
    """A program's clicks, sign-ups, conversions, rates, revenue, rewards and time to reward
    over whole UTC days, both ends included (default: the last 30 days)."""
    if query.from_ and query.to and query.to < query.from_:
        raise PeriodInvalid("to", "is before from")
    today = clock.now().astimezone(UTC).date()
    if query.from_ and not query.to and query.from_ > today:
        raise PeriodInvalid("from", "is after today; give to as well")
    period = metrics.default_period(today, first=query.from_, last=query.to)
    if period.days > metrics.MAX_PERIOD_DAYS:
        raise PeriodInvalid("to", f"the period is longer than {metrics.MAX_PERIOD_DAYS} days")
    program = program_get(workspace=request.workspace, slug=query.program)
    if program is None:
        raise NotFound(f"No program with slug {query.program!r} in this workspace.")
    return metrics.program_metrics(program, period)
