"""Clawback: refunds reverse the rewards of their sale in proportion, cancellations reverse the
customer's young rewards in full.

The money comes back from wherever it is now, in one ledger transaction of kind `reversed` per
reward, toward the program's expense account:

- a `pending` or `needs_review` reward: from the participant's pending account;
- an `approved` reward (in a payout or not) and a `paid` one: from the approved account.

What happens next depends on where the reward's money stands (see payouts.py):

- in no payout, or in a `draft` payout: the money has not left. A reward reversed in full
  becomes `reversed` (and leaves its draft); the participant's items in draft payouts are
  recomputed at once (lower, or dropped when nothing is left), so a draft never pays out what
  was taken back;
- in a `sent` or `paid` payout: the money has left (or is on its way). The reward keeps its
  status (`approved` in a sent payout still becomes `paid` when it is paid), its item records
  the amount in `reversed_after_send`, and the approved balance goes below what is promised:
  a debt the participant's next payout nets first (api-v1: "a reversed reward that was already
  paid leaves a negative balance that later rewards pay off first").

`reversed_amount` grows with each reversal and never exceeds `amount`.

Status, items and ledger change in one transaction, with the program, the outstanding payouts
and the rewards locked in that order (SELECT … FOR NO KEY UPDATE on PostgreSQL, the same order
as payouts.py; SQLite's IMMEDIATE transactions serialise writers already). This module knows
nothing of the referrals app: callers pass ids and amounts.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from tular.core.money import share_half_even
from tular.rewards import ledger, webhook_events
from tular.rewards.models import (
    Account,
    LedgerTransaction,
    Payout,
    PayoutItem,
    Reward,
    RewardStatus,
)
from tular.rewards.payouts import OUTSTANDING, lock_program, payouts_refresh_drafts

# Statuses whose money is still where the reward was earned or approved, and can come back.
REVERSIBLE = (
    RewardStatus.pending,
    RewardStatus.needs_review,
    RewardStatus.approved,
    RewardStatus.paid,
)
UNAPPROVED = (RewardStatus.pending, RewardStatus.needs_review)


class _Reversing:
    """One reversal run: the locks taken up front, the participants whose draft items follow."""

    def __init__(self, program):
        self.program = program
        lock_program(program.pk)
        # The program's outstanding payouts, locked: a payout being sent meanwhile is seen as
        # sent (its items frozen), never half-way.
        outstanding = (
            Payout.objects.select_for_update(no_key=True)
            .filter(program=program, status__in=OUTSTANDING)
            .order_by("pk")
            .values_list("pk", "status")
        )
        self.drafts = {pk for pk, status in outstanding if status == Payout.Status.draft}
        self.touched: dict = defaultdict(set)  # currency → participants whose approved moved

    def rewards(self, **filters) -> list[Reward]:
        return list(
            Reward.objects.select_for_update(no_key=True)
            .filter(program=self.program, amount__isnull=False, status__in=REVERSIBLE, **filters)
            .order_by("pk")  # one lock order everywhere: no deadlock between two reversals
        )

    def reverse(self, reward: Reward, amount: int, *, memo: str, reason: str) -> dict | None:
        """Take `amount` (≤ what is left) of `reward` back to the program's expense account."""
        amount = min(amount, reward.amount - reward.reversed_amount)
        if amount <= 0:
            return None
        unapproved = reward.status in UNAPPROVED
        ledger.move(
            workspace=self.program.workspace,
            program=self.program,
            participant_id=reward.participant_id,
            currency=reward.currency,
            amount=amount,
            source=Account.pending if unapproved else Account.approved,
            target=Account.program_expense,
            kind=LedgerTransaction.Kind.reversed,
            reward=reward,
            memo=memo,
        )
        reward.reversed_amount += amount
        fields = ["reversed_amount"]
        in_draft = reward.payout_id in self.drafts
        if reward.payout_id is not None and not in_draft:
            # Sent or paid: the item stays as sent; the reversal is a debt for the next payout.
            PayoutItem.objects.filter(
                payout_id=reward.payout_id, participant_id=reward.participant_id
            ).update(reversed_after_send=F("reversed_after_send") + amount)
        money_not_out = unapproved or (
            reward.status == RewardStatus.approved and (reward.payout_id is None or in_draft)
        )
        previous_status = reward.status
        if reward.reversed_amount == reward.amount and money_not_out:
            reward.status = RewardStatus.reversed
            reward.status_reason = reason[:300]
            reward.payout = None
            fields += ["status", "status_reason", "payout"]
        reward.save(update_fields=fields)
        webhook_events.reward_status_changed(reward, previous_status=previous_status)
        if not unapproved:
            self.touched[reward.currency].add(reward.participant_id)
        return {
            "reward_id": reward.pk,
            "participant_id": reward.participant_id,
            "amount": amount,
            "currency": reward.currency,
            "status": reward.status,
        }

    def finish(self) -> None:
        """Draft items follow what their rewards are worth now (and any new debt)."""
        for currency, participant_ids in sorted(self.touched.items()):
            payouts_refresh_drafts(
                program_id=self.program.pk, currency=currency, participant_ids=participant_ids
            )


@transaction.atomic
def reverse_for_refund(
    *, program, sale_id, sale_amount: int, refunded_total: int, memo: str
) -> list[dict]:
    """Reverse every monetary reward earned on the sale `sale_id` in proportion to what has been
    refunded of it.

    `refunded_total` is everything refunded on that sale so far, this refund included, already
    capped at `sale_amount` by the caller (which also checks the currency). Proportions are
    cumulative: after this refund a reward has lost round_half_even(amount * refunded_total /
    sale_amount) in total, so the partial reversals of one reward add up exactly, never exceed
    it, and the refund that completes the sale reverses precisely what is left. Returns the
    reversals made (`[{"reward_id", "participant_id", "amount", "currency", "status"}]`);
    rewards with nothing (more) to reverse are left out.
    """
    if not sale_amount or sale_amount <= 0 or refunded_total <= 0:
        return []
    refunded = min(refunded_total, sale_amount)
    run = _Reversing(program)
    reversals = []
    for reward in run.rewards(conversion_id=sale_id):
        target = share_half_even(reward.amount, refunded, sale_amount)
        item = run.reverse(reward, target - reward.reversed_amount, memo=memo, reason="refunded")
        if item is not None:
            reversals.append(item)
    run.finish()
    return reversals


@transaction.atomic
def reverse_for_cancel(*, program, referral_id, at: datetime, clawback_days: int) -> list[dict]:
    """Reverse in full whatever is left of the referral's monetary rewards created on or after
    `at - clawback_days` (a reward recorded after the cancellation counts as young too).
    The caller marks the referral cancelled; sales after that earn nothing."""
    since = at - timedelta(days=clawback_days)
    run = _Reversing(program)
    reversals = []
    for reward in run.rewards(referral_id=referral_id, created_at__gte=since):
        item = run.reverse(
            reward,
            reward.amount - reward.reversed_amount,
            memo=f"cancellation at {at.isoformat()} (clawback {clawback_days} days)",
            reason="customer cancelled",
        )
        if item is not None:
            reversals.append(item)
    run.finish()
    return reversals
