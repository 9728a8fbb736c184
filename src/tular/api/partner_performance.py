"""GET /api/v1/partner-performance: partner performance for a period (R33; docs/partners.md,
"Performance"): per partner revenue, deals won and lost, win rate and average sales cycle, the
period's revenue and the share of it from the top 20 % of partners. The same service as the
console's Partners → Performance (tular.partners.performance.partner_performance)."""

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from tular.api.metrics import Day, query_period
from tular.core.errors import NotFound
from tular.partners.performance import partner_performance
from tular.programs.services import program_get

router = Router(tags=["partners"])


class PerformanceQuery(Schema):
    program: Annotated[str, StringConstraints(min_length=1, max_length=50)] = Field(
        description="Program slug."
    )
    from_: Day | None = Field(
        None, alias="from", description="First day (UTC), included. Default: 29 days before to."
    )
    to: Day | None = Field(None, description="Last day (UTC), included. Default: today (UTC).")


class PartnerFiguresOut(Schema):
    partner_id: UUID
    partner_external_id: str | None
    name: str
    tier: str | None = Field(description="The partner's tier now.")
    revenue: int = Field(description="Sales minus refunds in the program's currency, minor units.")
    won: int = Field(description="Referrals whose first sale or move to won is in the period.")
    lost: int = Field(description="Referrals moved to lost and deals closed as lost.")
    win_rate: float | None = Field(description="won / (won + lost); null when nothing closed.")
    cycle_days: float | None = Field(
        description="Average days from the referral to its first sale (else to won)."
    )


class PerformanceOut(Schema):
    program: str
    currency: str
    start: datetime
    end: datetime
    revenue: int
    top_count: int = Field(description="How many partners the top 20 % is (at least one).")
    top_share: float | None = Field(
        description="The share of the period's revenue from the top 20 %; null without revenue."
    )
    partners: list[PartnerFiguresOut] = Field(description="By revenue, highest first.")


@router.get("/partner-performance", response={200: PerformanceOut})
def partner_performance_get(request, query: Query[PerformanceQuery]):
    """Every partner of a partner program with its figures for whole UTC days, both ends
    included (default: the last 30 days). Unknown program → 404; a bad period → 422."""
    period = query_period(first=query.from_, last=query.to)
    program = program_get(workspace=request.workspace, slug=query.program)
    if program is None:
        raise NotFound(f"No program with slug {query.program!r} in this workspace.")
    start = datetime.combine(period.first, time.min, tzinfo=UTC)
    end = datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(
        microseconds=1
    )
    report = partner_performance(program=program, start=start, end=end)
    return {
        "program": program.slug,
        "currency": program.currency,
        "start": start,
        "end": end,
        "revenue": report.revenue,
        "top_count": report.top_count,
        "top_share": report.top_share,
        "partners": [
            {
                "partner_id": row.participant.pk,
                "partner_external_id": row.participant.external_id,
                "name": row.participant.name or row.participant.email,
                "tier": row.participant.tier.name if row.participant.tier_id else None,
                "revenue": row.revenue,
                "won": row.won,
                "lost": row.lost,
                "win_rate": row.win_rate,
                "cycle_days": row.cycle_days,
            }
            for row in report.rows
        ],
    }
