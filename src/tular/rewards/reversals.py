"""Clawback: refunds reverse the rewards of their sale in proportion, cancellations reverse the
customer's young rewards in full.

The money comes back from wherever it is now, in one ledger transaction of kind `reversed` per
reward, toward the program's expense account:

- a `pending` or `needs_review` reward: from the participant's pending account;
- an `approved` reward (in a payout or not) and a `paid` one: from the approved account. For a
  reward already paid (or already in a payout whose amount is fixed) this can make the approved
  balance negative: the participant owes it, and the next payout nets it against later rewards
  (api-v1: "a reversed reward that was already paid leaves a negative balance that later rewards
  pay off first").

`reversed_amount` grows with each reversal and never exceeds `amount`. A reward whose money has
not left yet (pending, needs_review, or approved and in no payout) becomes `reversed` once fully
reversed. A reward that is paid, or in a payout, keeps its status (`approved` in an open payout
still becomes `paid` when the payout is paid, because the payout's amount was fixed and
exported): its `reversed_amount` shows the clawback, and the debt shows in the balance.

Status and ledger change in one transaction, with the rewards locked (SELECT … FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialise writers already).
"""

from datetime import datetime, timedelta

from django.db import transaction

from tular.core.money import share_half_even
from tular.rewards import ledger
from tular.rewards.models import Account, LedgerTransaction, Reward, RewardStatus

# Statuses whose money is still where the reward was earned or approved, and can come back.
REVERSIBLE = (
    RewardStatus.pending,
    RewardStatus.needs_review,
    RewardStatus.approved,
    RewardStatus.paid,
)
UNAPPROVED = (RewardStatus.pending, RewardStatus.needs_review)


def _locked_rewards(**filters) -> list[Reward]:
    return list(
        Reward.objects.select_for_update()
        .filter(amount__isnull=False, status__in=REVERSIBLE, **filters)
        .order_by("pk")  # one lock order everywhere: no deadlock between two reversals
    )


def _reverse(reward: Reward, amount: int, *, program, memo: str, reason: str) -> dict | None:
    """Take `amount` (≤ what is left) of `reward` back to the program's expense account."""
    amount = min(amount, reward.amount - reward.reversed_amount)
    if amount <= 0:
        return None
    source = Account.pending if reward.status in UNAPPROVED else Account.approved
    ledger.move(
        workspace=program.workspace,
        program=program,
        participant_id=reward.participant_id,
        currency=reward.currency,
        amount=amount,
        source=source,
        target=Account.program_expense,
        kind=LedgerTransaction.Kind.reversed,
        reward=reward,
        memo=memo,
    )
    reward.reversed_amount += amount
    fields = ["reversed_amount"]
    money_not_out = reward.status in UNAPPROVED or (
        reward.status == RewardStatus.approved and reward.payout_id is None
    )
    if reward.reversed_amount == reward.amount and money_not_out:
        reward.status = RewardStatus.reversed
        reward.status_reason = reason[:300]
        fields += ["status", "status_reason"]
    reward.save(update_fields=fields)
    return {
        "reward_id": reward.pk,
        "participant_id": reward.participant_id,
        "amount": amount,
        "currency": reward.currency,
        "status": reward.status,
    }


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
    reversals = []
    for reward in _locked_rewards(conversion_id=sale_id):
        target = share_half_even(reward.amount, refunded, sale_amount)
        item = _reverse(
            reward,
            target - reward.reversed_amount,
            program=program,
            memo=memo,
            reason="refunded",
        )
        if item is not None:
            reversals.append(item)
    return reversals


@transaction.atomic
def reverse_for_cancel(*, program, referral_id, at: datetime, clawback_days: int) -> list[dict]:
    """Reverse in full whatever is left of the referral's monetary rewards created on or after
    `at - clawback_days` (a reward recorded after the cancellation counts as young too).
    The caller marks the referral cancelled; sales after that earn nothing."""
    since = at - timedelta(days=clawback_days)
    reversals = []
    for reward in _locked_rewards(referral_id=referral_id, created_at__gte=since):
        item = _reverse(
            reward,
            reward.amount - reward.reversed_amount,
            program=program,
            memo=f"cancellation at {at.isoformat()} (clawback {clawback_days} days)",
            reason="customer cancelled",
        )
        if item is not None:
            reversals.append(item)
    return reversals
