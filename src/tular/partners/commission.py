"""A won deal's commission as the partner and its manager read it (R34: "commission per deal
with a clear breakdown: rule, tier, rate, holds"): each reward with the partner's tier when it
was granted (from the tier history). One place for the API, the console and the portal."""

from __future__ import annotations

from dataclasses import dataclass

from tular.deals.models import Deal
from tular.partners.tiers import tier_changes_of, tier_names_at
from tular.referrals.deals import deal_commission
from tular.rewards.models import Reward


@dataclass(frozen=True)
class CommissionLine:
    reward: Reward
    # The partner's tier when a percent reward was granted (its rate may be the tier's); "" for
    # no tier, a fixed amount or a perk, and another recipient.
    tier: str

    @property
    def rate(self) -> str | None:
        """The percent applied as written ("30", "12.5"), None for a fixed amount or a perk."""
        percent = self.reward.percent
        return None if percent is None else format(percent.normalize(), "f")


def commission_lines(deal: Deal) -> list[CommissionLine]:
    """The won deal's rewards, oldest first, with the tier that set their rate (two queries;
    none for a deal that is not won)."""
    rewards = deal_commission(deal)
    if not rewards:
        return []
    tiers = tier_names_at(participant=deal.partner, moments=[r.created_at for r in rewards])
    return _lines(deal, rewards, tiers)


def commission_lines_of(deals) -> dict:
    """{deal id: its `commission_lines`} for a page of deals (with their partners), in two
    queries whatever their number (none when no deal is won); a deal not won is absent."""
    won = [deal for deal in deals if deal.referral_id is not None]
    if not won:
        return {}
    rewards: dict = {}
    for reward in (
        Reward.objects.filter(referral_id__in={deal.referral_id for deal in won})
        .select_related("participant")
        .order_by("created_at", "pk")
    ):
        rewards.setdefault(reward.referral_id, []).append(reward)
    histories = tier_changes_of({deal.partner_id for deal in won})
    lines = {}
    for deal in won:
        earned = rewards.get(deal.referral_id, [])
        if not earned:
            continue
        tiers = tier_names_at(
            participant=deal.partner,
            moments=[r.created_at for r in earned],
            changes=histories.get(deal.partner_id, []),
        )
        lines[deal.pk] = _lines(deal, earned, tiers)
    return lines


def _lines(deal: Deal, rewards: list[Reward], tiers: list[str]) -> list[CommissionLine]:
    return [
        CommissionLine(
            reward=reward,
            tier=tier
            if reward.participant_id == deal.partner_id and reward.percent is not None
            else "",
        )
        for reward, tier in zip(rewards, tiers, strict=True)
    ]
