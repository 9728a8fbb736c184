"""A referrer's leads in the portal ("My leads", R12/R17/R19): each lead they submitted, where it
stands, its steps and the rewards it earned.

What the referrer sees is what the team tells them and nothing else: the statuses in plain
words with their dates, the reason of a `lost` step (the pipeline sends that very reason to the
referrer: "say why the lead is not a fit; the referrer is told"), and their own rewards. Never
the team's notes, the reasons of other steps, who on the team moved the lead, its owner, its
deal value, its lead score or its due times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from tular.participants.models import Participant
from tular.portal.stats import WHAT
from tular.programs.rules import Recipient
from tular.referrals.models import PIPELINE_STATUSES, Referral, ReferralChange, ReferralStatus
from tular.rewards.models import Reward

S = ReferralStatus
LEADS_SHOWN = 100

# Each step as the referrer reads it.
STEP_WORDS = {
    S.submitted: _("You referred them"),
    S.acknowledged: _("Our team received the lead"),
    S.contacted: _("We got in touch"),
    S.qualified: _("A good fit: qualified"),
    S.proposal: _("We sent a proposal"),
    S.won: _("Deal won"),
    S.lost: _("Not a fit this time"),
    S.dark: _("No answer from them for now"),
}
# The current status as the referrer reads it (the badge).
STATUS_WORDS = {
    S.submitted: _("submitted"),
    S.acknowledged: _("received"),
    S.contacted: _("in contact"),
    S.qualified: _("qualified"),
    S.proposal: _("proposal sent"),
    S.won: _("won"),
    S.lost: _("not a fit"),
    S.dark: _("no answer"),
}


@dataclass(frozen=True)
class LeadStep:
    status: str
    words: str
    at: datetime
    reason: str  # only for lost: the reason the referrer was told
    reopened: bool


@dataclass(frozen=True)
class LeadReward:
    what: str
    status: str
    amount: int | None  # None for a perk
    currency: str
    perk: str


@dataclass(frozen=True)
class LeadRow:
    id: str
    name: str
    company: str
    status: str
    status_words: str
    created_at: datetime
    steps: list[LeadStep] = field(default_factory=list)
    rewards: list[LeadReward] = field(default_factory=list)


def leads_of(participant: Participant, *, limit: int = LEADS_SHOWN) -> tuple[int, list[LeadRow]]:
    """(how many leads the participant submitted, the newest `limit` of them). Three queries."""
    mine = Referral.objects.filter(participant=participant, status__in=PIPELINE_STATUSES)
    total = mine.count()
    referrals = (
        mine.order_by("-created_at", "-pk")
        .only("id", "name", "company", "email", "status", "created_at")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=ReferralChange.objects.only(
                    "referral_id", "to_status", "at", "reason", "reopened"
                ).order_by("at", "id"),
            ),
            Prefetch(
                "rewards",
                queryset=Reward.objects.filter(
                    participant=participant, recipient=Recipient.referrer
                ).order_by("created_at", "id"),
            ),
        )[:limit]
    )
    return total, [_row(referral) for referral in referrals]


def _row(referral: Referral) -> LeadRow:
    return LeadRow(
        id=str(referral.pk),
        name=referral.name or referral.email,
        company=referral.company,
        status=referral.status,
        status_words=str(STATUS_WORDS.get(referral.status, referral.status)),
        created_at=referral.created_at,
        steps=[
            LeadStep(
                status=change.to_status,
                words=str(STEP_WORDS.get(change.to_status, change.to_status)),
                at=change.at,
                reason=change.reason if change.to_status == S.lost else "",
                reopened=change.reopened,
            )
            for change in referral.changes.all()
        ],
        rewards=[
            LeadReward(
                what=str(WHAT.get((reward.recipient, reward.trigger), reward.trigger)),
                status=reward.status,
                amount=None if reward.amount is None else reward.amount - reward.reversed_amount,
                currency=reward.currency,
                perk=reward.perk,
            )
            for reward in referral.rewards.all()
        ],
    )
