"""Partner performance (R33): revenue, deals won, win rate and the average sales cycle per
partner of a program over a period, and the share of revenue that the top 20 % of partners
bring ("top 20 % drive 80 %", shown per month).

Definitions (the same as the tier rules', `partners.tiers.performance_of`):
- revenue: sales - refunds in the program's currency, by when they happened;
- deals won: the partner's referrals whose first sale, or whose move to won, falls in the
  period (once each);
- win rate: won / (won + lost), lost = referrals moved to lost and deal registrations closed
  as lost in the period; None when nothing closed (a won deal registration is a won referral:
  tular.referrals.deals);
- cycle: days from the referral to its first sale (else to its move to won), averaged over the
  period's wins; None without wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q

from tular.deals.models import Deal, DealStatus
from tular.participants.models import Participant
from tular.partners.selectors import partners_of
from tular.partners.tiers import performance_of
from tular.programs.models import Program
from tular.referrals.models import Referral
from tular.rewards.engine import add_months

TOP_SHARE = 0.2


@dataclass(frozen=True)
class PartnerFigures:
    participant: Participant
    revenue: int
    won: int
    lost: int
    win_rate: float | None
    cycle_days: float | None


@dataclass(frozen=True)
class PerformanceReport:
    program: Program
    start: datetime
    end: datetime
    rows: list[PartnerFigures]  # by revenue, highest first
    revenue: int
    top_count: int  # how many partners the top 20 % is (at least 1 when there are partners)
    top_share: float | None  # of revenue; None when there is no revenue


def _top(revenues: list[int]) -> tuple[int, float | None]:
    if not revenues:
        return 0, None
    count = max(1, math.ceil(len(revenues) * TOP_SHARE))
    total = sum(revenues)
    if total <= 0:
        return count, None
    return count, sum(sorted(revenues, reverse=True)[:count]) / total


def partner_performance(*, program: Program, start: datetime, end: datetime) -> PerformanceReport:
    """Every partner of `program` with its figures for [start, end]: five grouped queries."""
    partners = list(
        partners_of(program=program)
        .select_related("tier", "partner_profile")
        .order_by("created_at", "id")
    )
    rows = _figures(program=program, partners=partners, start=start, end=end)
    rows.sort(key=lambda row: (-row.revenue, -row.won, str(row.participant.pk)))
    top_count, top_share = _top([row.revenue for row in rows])
    return PerformanceReport(
        program=program,
        start=start,
        end=end,
        rows=rows,
        revenue=sum(row.revenue for row in rows),
        top_count=top_count,
        top_share=top_share,
    )


def top_share_by_month(*, program: Program, months: int, at: datetime) -> list[tuple]:
    """[(first day of the month, share of that month's revenue from its top 20 % of partners,
    or None)] for the `months` calendar months up to the one containing `at`, oldest first."""
    first = datetime(at.year, at.month, 1, tzinfo=UTC)
    ids = list(partners_of(program=program).values_list("pk", flat=True))
    shares = []
    for back in range(months - 1, -1, -1):
        start = add_months(first, -back)
        end = add_months(start, 1) - timedelta(microseconds=1)
        figures = performance_of(program=program, participant_ids=ids, start=start, end=end)
        shares.append((start, _top([each.revenue for each in figures.values()])[1]))
    return shares


def partner_figures(*, partner: Participant, start: datetime, end: datetime) -> PartnerFigures:
    """One partner's figures for [start, end] (the portal's performance page)."""
    return _figures(program=partner.program, partners=[partner], start=start, end=end)[0]


def _figures(
    *, program: Program, partners: list[Participant], start: datetime, end: datetime
) -> list[PartnerFigures]:
    ids = [partner.pk for partner in partners]
    figures = performance_of(program=program, participant_ids=ids, start=start, end=end)
    closed = Referral.objects.filter(program=program, participant_id__in=ids).filter(
        Q(first_sale_at__gte=start, first_sale_at__lte=end)
        | Q(status__in=("won", "lost"), status_changed_at__gte=start, status_changed_at__lte=end)
    )
    lost: dict = {}
    cycles: dict = {}
    for participant_id, status, created, first_sale, changed in closed.values_list(
        "participant_id", "status", "created_at", "first_sale_at", "status_changed_at"
    ):
        if first_sale is not None and start <= first_sale <= end:
            cycles.setdefault(participant_id, []).append(first_sale - created)
        elif status == "won":
            cycles.setdefault(participant_id, []).append(changed - created)
        elif status == "lost":
            lost[participant_id] = lost.get(participant_id, 0) + 1
    lost_deals = (
        Deal.objects.filter(
            partner_id__in=ids,
            status=DealStatus.lost,
            last_activity_at__gte=start,
            last_activity_at__lte=end,
        )
        .values("partner_id")
        .annotate(count=Count("id"))
    )
    for row in lost_deals:
        lost[row["partner_id"]] = lost.get(row["partner_id"], 0) + row["count"]
    rows = []
    for partner in partners:
        won = figures[partner.pk].wins
        lost_count = lost.get(partner.pk, 0)
        spans = cycles.get(partner.pk, [])
        rows.append(
            PartnerFigures(
                participant=partner,
                revenue=figures[partner.pk].revenue,
                won=won,
                lost=lost_count,
                win_rate=won / (won + lost_count) if won + lost_count else None,
                cycle_days=(
                    sum(span.total_seconds() for span in spans) / len(spans) / 86400
                    if spans
                    else None
                ),
            )
        )
    return rows
