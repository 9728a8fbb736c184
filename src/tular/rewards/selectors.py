"""Reads about rewards and payouts (no writes here). Everything is scoped to a workspace: an id
from another workspace reads as unknown."""

from tular.core.ids import parse_uuid
from tular.rewards.models import Payout, Reward

MAX_PAGE = 1000


def rewards_list(
    *,
    workspace,
    participant_id=None,
    status: str | None = None,
    program_slug: str | None = None,
    after=None,
    limit: int = 100,
) -> list[Reward]:
    """The workspace's rewards, oldest first (ids are time-ordered UUIDv7), filtered by
    participant, status and program; `after` (a reward id) continues a previous page."""
    rewards = Reward.objects.filter(workspace=workspace).select_related("program")
    if participant_id is not None:
        rewards = rewards.filter(participant_id=participant_id)
    if status is not None:
        rewards = rewards.filter(status=status)
    if program_slug is not None:
        rewards = rewards.filter(program__slug=program_slug)
    if after is not None:
        rewards = rewards.filter(pk__gt=after)
    return list(rewards.order_by("pk")[: max(1, min(limit, MAX_PAGE))])


def reward_get(*, workspace, reward_id) -> Reward | None:
    parsed = parse_uuid(reward_id)
    if parsed is None:
        return None
    return Reward.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()


def payout_get(*, workspace, payout_id) -> Payout | None:
    parsed = parse_uuid(payout_id)
    if parsed is None:
        return None
    return Payout.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()


def payouts_filter(*, workspace, program_slug: str | None = None, status: str | None = None):
    """The workspace's payouts filtered by program and status (a queryset, for the API's
    pages)."""
    payouts = Payout.objects.filter(workspace=workspace).select_related("program")
    if program_slug is not None:
        payouts = payouts.filter(program__slug=program_slug)
    if status is not None:
        payouts = payouts.filter(status=status)
    return payouts
