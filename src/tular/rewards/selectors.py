"""Reads about rewards and payouts (no writes here). Everything is scoped to a workspace: an id
from another workspace reads as unknown."""

from datetime import datetime

from django.db.models import Count, OuterRef, Subquery, Sum

from tular.core.ids import parse_uuid
from tular.rewards.models import Payout, PayoutItem, Reward, RewardStatus

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


def reward_expected(reward: Reward, now: datetime) -> tuple[str, datetime | None]:
    """When the reward is expected to reach its participant, as (state, moment): hold (the
    hold's end), hold_over (the hold ended: confirmed at the next check), review, payout (in a
    draft or sent payout: its date), next_payout, perk (confirmed, nothing to pay), paid (the
    payout's date), rejected, reversed. The portal shows it; the referrer's e-mails say it."""
    status = reward.status
    if status == RewardStatus.pending:
        return ("hold", reward.hold_until) if reward.hold_until > now else ("hold_over", None)
    if status == RewardStatus.needs_review:
        return "review", None
    if status == RewardStatus.approved:
        if reward.amount is None:
            return "perk", None
        payout = reward.payout
        if payout is not None and payout.status in (Payout.Status.draft, Payout.Status.sent):
            return "payout", payout.sent_at or payout.created_at
        return "next_payout", None
    if status == RewardStatus.paid:
        paid_at = reward.payout.paid_at if reward.payout is not None else None
        return "paid", paid_at or reward.paid_at
    return str(status), None


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


# The review queue by default: what a manager still has to decide.
TO_REVIEW = (RewardStatus.needs_review, RewardStatus.pending)


def rewards_queue(
    *, workspace, statuses=TO_REVIEW, program_slug: str | None = None, participant_id=None
):
    """The workspace's rewards in `statuses` (None: all), oldest first (the longest waiting on
    top), with what a reviewer reads joined (program, participant, referral's customer)."""
    rewards = Reward.objects.filter(workspace=workspace).select_related(
        "program", "participant", "referral"
    )
    if statuses is not None:
        rewards = rewards.filter(status__in=statuses)
    if program_slug:
        rewards = rewards.filter(program__slug=program_slug)
    if participant_id is not None:
        rewards = rewards.filter(participant_id=participant_id)
    return rewards.order_by("created_at", "pk")


def rewards_status_counts(*, workspace) -> dict[str, int]:
    """How many rewards the workspace has in each status (one query)."""
    return dict(
        Reward.objects.filter(workspace=workspace)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )


def payouts_listing(
    *,
    workspace,
    program_slug: str | None = None,
    status: str | None = None,
    participant_id=None,
):
    """The workspace's payouts, newest first, each with its `total` and `item_count`; with a
    participant, only the payouts that pay them, with their `participant_amount`."""
    payouts = (
        Payout.objects.filter(workspace=workspace)
        .select_related("program")
        .annotate(total=Sum("items__amount"), item_count=Count("items"))
    )
    if program_slug:
        payouts = payouts.filter(program__slug=program_slug)
    if status:
        payouts = payouts.filter(status=status)
    if participant_id is not None:
        mine = PayoutItem.objects.filter(payout=OuterRef("pk"), participant_id=participant_id)
        payouts = payouts.filter(
            pk__in=PayoutItem.objects.filter(participant_id=participant_id).values("payout_id")
        ).annotate(
            participant_amount=Subquery(mine.values("amount")[:1]),
            participant_reversed=Subquery(mine.values("reversed_after_send")[:1]),
        )
    return payouts.order_by("-created_at", "-pk")


def payout_item_rows(*, payout: Payout):
    """A payout's items with their participants, largest first."""
    return payout.items.select_related("participant").order_by("-amount", "participant__name")


def reward_currencies(*, workspace) -> list[str]:
    """The currencies the workspace's monetary rewards are in."""
    return list(
        Reward.objects.filter(workspace=workspace, amount__isnull=False)
        .order_by()
        .values_list("currency", flat=True)
        .distinct()
    )
