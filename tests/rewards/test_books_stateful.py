"""Property: whatever happens, in whatever order — sign-ups, sales in two currencies, partial
refunds, approvals, rejections, holds ending, payouts, payments, cancellations — the books agree.

Checked after every step (see `books.assert_books_agree` for the exact list):
- every ledger transaction sums to zero per currency, and so does the whole ledger (money is
  moved, never created or lost); the program's expense is minus what participants hold;
- each participant's pending balance is the unreversed amount of their pending/needs_review
  rewards; approved + paid is that of their approved/paid rewards; paid is the sum of their
  items in paid payouts; approved money beyond open payouts and unclaimed rewards is a debt (≤ 0);
- 0 ≤ reversed_amount ≤ amount; a `reversed` reward is reversed in full;
- a sale reward that was neither rejected nor clawed back by a cancellation has lost exactly
  round_half_even(amount x refunded / sale) — refunds add up exactly; a clawed-back one all of it;
- no reward is ever in two payouts (each payout's rewards, as gathered, are disjoint from every
  other's, and a reward never moves from one payout to another);
- after a payout, a participant with an item owes nothing any more, and one without an item had
  nothing payable;
- approving or rejecting a reward whose status does not allow it is a Conflict and changes
  nothing; marking a payout paid twice is a Conflict.
"""

import os
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.rewards import books
from tular.core import clock
from tular.core.errors import Conflict
from tular.referrals.models import Conversion, ConversionKind, Referral
from tular.rewards.models import Payout, Reward, RewardStatus
from tular.rewards.payouts import payout_create, payout_mark_paid
from tular.rewards.services import reward_approve, reward_reject, rewards_release_due
from tular.workspaces.services import workspace_get_or_create

UNDECIDED = (RewardStatus.pending, RewardStatus.needs_review)


def _pick(items, index):
    return items[index % len(items)] if items else None


class Books(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each generated run in its own savepoint, rolled back at the end.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = books.T0
        clock.freeze(self.now)
        workspace = workspace_get_or_create(slug="buku-besar", name="Buku Besar")[0]
        # A short hold and a high auto-approve limit: money reaches payouts within a few steps.
        self.program = books.make_program(
            workspace, slug="buku", hold_days=3, auto_approve_below=200000000
        )
        self.referrers = [books.make_participant(self.program, n) for n in ("Andi", "Budi")]
        self.friends = [books.make_participant(self.program, "Citra")]
        self.gathered: dict = {}  # payout id → reward ids it gathered
        self.clawed: set = set()  # rewards a cancellation reversed in full

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        clock.freeze(None)

    # ---------------------------------------------------------------------------- events

    @initialize()
    def first_referrals(self):
        for referrer in self.referrers:
            books.make_referral(self.program, referrer, friend=self.friends[0])

    def _referrals(self):
        return list(
            Referral.objects.filter(program=self.program, cancelled_at__isnull=True).order_by("pk")
        )

    @rule(who=st.integers(0, 1), with_friend=st.booleans())
    def refer(self, who, with_friend):
        books.make_referral(
            self.program, self.referrers[who], friend=self.friends[0] if with_friend else None
        )

    @rule(
        pick=st.integers(0, 50),
        amount=st.one_of(st.integers(1, 1000), st.integers(1, 2_000_000_000)),
        currency=st.sampled_from(["IDR", "IDR", "USD"]),
    )
    def sale(self, pick, amount, currency):
        referral = _pick(self._referrals(), pick)
        if referral is not None:
            books.make_sale(referral, amount, currency)

    def _refund(self, sales, pick, percent):
        sale = _pick(sales, pick)
        if sale is None:
            return
        refunded = sum(r.amount for r in Conversion.objects.filter(sale=sale))
        remaining = sale.amount - refunded
        if remaining <= 0:
            return
        books.make_refund(sale, max(1, -(-remaining * percent // 100)))

    @rule(pick=st.integers(0, 50), amount=st.integers(1, 2_000_000_000))
    def sale_approved_at_once(self, pick, amount):
        """A sale whose rewards a manager approves straight away (no waiting for the hold)."""
        referral = _pick(self._referrals(), pick)
        if referral is not None:
            for reward in books.make_sale(referral, amount)[1]:
                reward_approve(reward=reward)

    @rule(pick=st.integers(0, 50), percent=st.integers(1, 120))
    def refund(self, pick, percent):
        sales = Conversion.objects.filter(program=self.program, kind=ConversionKind.sale)
        self._refund(list(sales.order_by("pk")), pick, percent)

    @rule(pick=st.integers(0, 50), percent=st.integers(1, 120))
    def refund_a_paid_sale(self, pick, percent):
        """The case that leaves a debt: a refund after the reward was paid."""
        sales = Conversion.objects.filter(
            program=self.program, kind=ConversionKind.sale, rewards__status="paid"
        )
        self._refund(list(sales.distinct().order_by("pk")), pick, percent)

    @rule(pick=st.integers(0, 50))
    def cancel(self, pick):
        referral = _pick(self._referrals(), pick)
        if referral is None:
            return
        young = Reward.objects.filter(
            referral=referral,
            amount__isnull=False,
            created_at__gte=self.now - timedelta(days=self.program.clawback_days),
        ).exclude(status=RewardStatus.rejected)
        self.clawed |= set(young.values_list("pk", flat=True))
        books.cancel(referral)

    @rule(days=st.integers(0, 10))
    def time_passes(self, days):
        self.now += timedelta(days=days, hours=1)
        clock.freeze(self.now)
        rewards_release_due()

    # -------------------------------------------------------------------------- decisions

    def _reward(self, pick):
        return _pick(list(Reward.objects.filter(program=self.program).order_by("pk")), pick)

    @rule(pick=st.integers(0, 100))
    def approve(self, pick):
        reward = self._reward(pick)
        if reward is None:
            return
        if reward.status in UNDECIDED:
            reward_approve(reward=reward)
        else:
            with pytest.raises(Conflict):
                reward_approve(reward=reward)
            assert Reward.objects.get(pk=reward.pk).status == reward.status

    @rule(pick=st.integers(0, 100))
    def reject(self, pick):
        reward = self._reward(pick)
        if reward is None:
            return
        if reward.status in UNDECIDED:
            reward_reject(reward=reward, reason="tidak sah")
        else:
            with pytest.raises(Conflict):
                reward_reject(reward=reward)
            assert Reward.objects.get(pk=reward.pk).status == reward.status

    @rule(currency=st.sampled_from(["IDR", "USD"]))
    def payout(self, currency):
        payout = payout_create(
            workspace=self.program.workspace, program=self.program, currency=currency
        )
        gathered = set(Reward.objects.filter(payout=payout).values_list("pk", flat=True))
        for earlier in self.gathered.values():
            assert not gathered & earlier
        self.gathered[payout.pk] = gathered
        # Each participant with an item had their debt paid off by it; each without one had
        # nothing payable (no approved reward, or a debt that ate them), and keeps their rewards.
        owed = books.payable(self.program, currency)
        waiting = books.unclaimed(self.program, currency)
        with_item = set(payout.items.values_list("participant_id", flat=True))
        for participant_id in set(owed) | set(waiting):
            if participant_id in with_item:
                assert owed[participant_id] == 0, participant_id
            else:
                assert owed[participant_id] + waiting[participant_id] <= 0, participant_id

    @rule()
    def settle(self):
        """Pay out IDR and pay it at once, as a monthly run would."""
        self.payout("IDR")
        payout_mark_paid(Payout.objects.filter(program=self.program).latest("pk"))

    @rule(pick=st.integers(0, 20), twice=st.booleans())
    def mark_paid(self, pick, twice):
        payout = _pick(
            list(Payout.objects.filter(program=self.program, status="open").order_by("pk")), pick
        )
        if payout is None:
            return
        payout_mark_paid(payout)
        if twice:
            with pytest.raises(Conflict):
                payout_mark_paid(payout)

    # -------------------------------------------------------------------------- invariants

    @invariant()
    def books_agree(self):
        books.assert_books_agree(self.program)

    @invariant()
    def reversals_are_exact(self):
        refunded = books.refunded_per_sale(self.program)
        for reward in Reward.objects.filter(
            program=self.program, amount__isnull=False
        ).select_related("conversion"):
            if reward.pk in self.clawed:
                assert reward.reversed_amount == reward.amount, reward
            elif reward.status != RewardStatus.rejected and reward.conversion_id is not None:
                expected = books.expected_refund_reversal(
                    reward, refunded.get(reward.conversion_id, 0)
                )
                assert reward.reversed_amount == expected, reward

    @invariant()
    def rewards_stay_in_the_payout_that_gathered_them(self):
        for payout_id, gathered in self.gathered.items():
            now_in = set(Reward.objects.filter(payout_id=payout_id).values_list("pk", flat=True))
            assert now_in == gathered


@pytest.mark.django_db
def test_the_books_always_agree(workspace):
    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=int(os.environ.get("BOOKS_EXAMPLES", "50")),
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
