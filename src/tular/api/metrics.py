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
    currency: str
    amount: int = Field(description="Minor units of the currency.")


class MetricsOut(Schema):
    program: str
    from_: date = Field(alias="from", description="First day of the period (UTC), included.")
    to: date = Field(description="Last day of the period (UTC), included.")
    clicks: int = Field(description="Clicks on the program's participants' links in the period.")
    signups: int = Field(description="Referrals (sign-ups and leads) created in the period.")
    conversions: int = Field(description="Sales by referred customers in the period.")
    converted_signups: int = Field(
        description="Of `signups`, the referrals whose customer made a first sale by the "
        "period's end."
    )
    referring_participants: int = Field(
        description="Participants who referred at least one of `signups`."
    )
    participants: int = Field(description="All participants of the program.")
    conversion_rate: str | None = Field(
        description="converted_signups / signups, 4 decimals; null when signups is 0."
    )
    referral_rate: str | None = Field(
        description="referring_participants / participants * 100, 2 decimals; null when the "
        "program has no participants."
    )
    revenue: list[CurrencyAmount] = Field(
        description="Per currency: sales minus refunds that happened in the period."
    )
    rewards: list[CurrencyAmount] = Field(
        description="Per currency: monetary rewards created in the period, net of reversals, "
        "rejected ones excluded."
    )
    time_to_reward_hours: str | None = Field(
        description="Median hours from referral to payment over rewards paid in the period."
    )
    time_to_reward_count: int
    time_to_reward_target_hours: int = Field(description="The target: under 7 days.")
    conversion_to_approval_hours: str | None = Field(
        description="Median hours from conversion to approval over rewards approved in the period."
    )
    conversion_to_approval_count: int
    conversion_to_payment_hours: str | None = Field(
        description="Median hours from conversion to payment over rewards paid in the period."
    )
    conversion_to_payment_count: int


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
