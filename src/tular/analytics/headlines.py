"""Headline figures of programs, all time, for lists: a fixed number of grouped queries for any
number of programs (never one query per program).

Per program: participants, referrals, revenue (per currency, sales minus refunds, as in
`metrics.revenue_rows`) and rewards earned (per currency, monetary rewards net of reversals,
rejected ones left out, `metrics.reward_rows`). Money in minor units.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from tular.analytics.metrics import revenue_rows, reward_rows
from tular.participants.models import Participant
from tular.referrals.models import Conversion, Referral
from tular.rewards.models import Reward


@dataclass
class Headline:
    participants: int = 0
    referrals: int = 0
    revenue: list[dict] = field(default_factory=list)  # [{"currency", "amount"}]
    rewards: list[dict] = field(default_factory=list)


def _counts(model, workspace, ids) -> dict[int, int]:
    """{program id: how many `model` rows} (one grouped query)."""
    rows = (
        model.objects.filter(workspace=workspace, program_id__in=ids)
        .values("program_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["program_id"]: row["n"] for row in rows}


def programs_headlines(*, workspace, program_ids) -> dict:
    """{program id: Headline} for the workspace's programs among `program_ids` (4 queries)."""
    ids = list(program_ids)
    figures = defaultdict(Headline)
    if not ids:
        return figures
    for program_id, count in _counts(Participant, workspace, ids).items():
        figures[program_id].participants = count
    for program_id, count in _counts(Referral, workspace, ids).items():
        figures[program_id].referrals = count
    revenue = revenue_rows(
        Conversion.objects.filter(workspace=workspace, program_id__in=ids), "program_id"
    )
    for row in revenue:
        figures[row["program_id"]].revenue.append(
            {"currency": row["currency"], "amount": row["total"]}
        )
    rewards = reward_rows(
        Reward.objects.filter(workspace=workspace, program_id__in=ids), "program_id"
    )
    for row in rewards:
        figures[row["program_id"]].rewards.append(
            {"currency": row["currency"], "amount": row["total"]}
        )
    return figures
