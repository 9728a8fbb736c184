"""Property: whatever happens, in whatever order — sign-ups, sales in two currencies, partial
refunds, approvals, rejections, holds ending, payouts made, sent, paid and failed, cancellations,
reversals while a reward is in a draft or a sent payout — the books agree.

Checked after every step (see `books.assert_books_agree` for the exact list):
- every ledger transaction sums to zero per currency, and so does the whole ledger (money is
  moved, never created or lost); the program's expense is minus what participants hold;
- each participant's pending balance is the unreversed amount of their pending/needs_review
  rewards; approved + paid is that of their approved/paid rewards; paid is the sum of their
  items in paid payouts; approved money beyond open payouts and unclaimed rewards is a debt (≤ 0);
- 0 ≤ reversed_amount ≤ amount; a `reversed` reward is reversed in full;
- a sale reward that was neither rejected nor clawed back by a cancellation has lost exactly
  round_half_even(amount x refunded / sale) — refunds add up exactly; a clawed-back one all of it;
- a reward is paid at most once: a payout never gathers a reward a paid payout paid; a draft
  only loses rewards (to reversals), never gains any; from `sent` on, a payout's rewards and
  items are exactly what they were when it was sent (a failed one releases its rewards);
- money out never exceeds what was earned: each participant's item in a paid payout is at most
  what their rewards in it were worth, net of reversals, at the moment the payout was sent;
- after a payout, a participant with an item owes nothing any more, and one without an item had
  nothing payable; a payout with nothing to pay is refused and not made;
- approving or rejecting a reward whose status does not allow it is a Conflict and changes
  nothing; so are marking a payout paid twice, sending what is not a draft (or an empty one), and
  marking failed what was not sent.
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
from tular.core.errors import Conflict, Invalid
from tular.referrals.models import Conversion, ConversionKind, Referral
from tular.rewards.models import Payout, Reward, RewardStatus
from tular.rewards.payouts import (
    payout_create,
    payout_mark_failed,
    payout_mark_paid,
    payout_send,
)
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
        self.at_send: dict = {}  # payout id → (reward ids, {participant: item}, {participant: net})
        self.paid_rewards: set = set()  # rewards a paid payout paid
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
        if referral is not None:
            self._cancel(referral)

    def _cancel(self, referral):
        young = Reward.objects.filter(
            referral=referral,
            amount__isnull=False,
            created_at__gte=self.now - timedelta(days=self.program.clawback_days),
        ).exclude(status=RewardStatus.rejected)
        self.clawed |= set(young.values_list("pk", flat=True))
        books.cancel(referral)

    def _reverse_in(self, status, pick, how, percent):
        """Take back (part of) a reward that sits in a payout of `status`."""
        reward = _pick(
            list(
                Reward.objects.filter(program=self.program, payout__status=status)
                .select_related("conversion", "referral")
                .order_by("pk")
            ),
            pick,
        )
        if reward is None:
            return
        if how == "cancel" and reward.referral.cancelled_at is None:
            self._cancel(reward.referral)
        elif reward.conversion_id is not None:
            self._refund([reward.conversion], 0, 100 if how == "refund all" else percent)

    @rule(
        pick=st.integers(0, 50),
        how=st.sampled_from(["refund part", "refund all", "cancel"]),
        percent=st.integers(1, 99),
    )
    def reverse_in_a_draft_payout(self, pick, how, percent):
        self._reverse_in(Payout.Status.draft, pick, how, percent)

    @rule(
        pick=st.integers(0, 50),
        how=st.sampled_from(["refund part", "refund all", "cancel"]),
        percent=st.integers(1, 99),
    )
    def reverse_in_a_sent_payout(self, pick, how, percent):
        self._reverse_in(Payout.Status.sent, pick, how, percent)

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
        self._make_payout(currency)

    def _make_payout(self, currency):
        before = Payout.objects.count()
        try:
            payout = payout_create(
                workspace=self.program.workspace, program=self.program, currency=currency
            )
        except Invalid:
            # Nothing to pay: nothing made, and nobody had anything payable.
            assert Payout.objects.count() == before
            owed = books.payable(self.program, currency)
            waiting = books.unclaimed(self.program, currency)
            for participant_id in set(owed) | set(waiting):
                assert owed[participant_id] + waiting[participant_id] <= 0, participant_id
            return None
        gathered = set(Reward.objects.filter(payout=payout).values_list("pk", flat=True))
        assert gathered and not gathered & self.paid_rewards
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
        return payout

    def _remember_send(self, payout):
        """What a payout holds at the moment it is sent (mark-paid of a draft sends it too)."""
        rewards = list(Reward.objects.filter(payout=payout))
        worth: dict = {}
        for reward in rewards:
            worth[reward.participant_id] = worth.get(reward.participant_id, 0) + books.net(reward)
        items = dict(payout.items.values_list("participant_id", "amount"))
        self.at_send[payout.pk] = ({reward.pk for reward in rewards}, items, worth)

    def _payouts(self, *statuses):
        return list(Payout.objects.filter(program=self.program, status__in=statuses).order_by("pk"))

    @rule(pick=st.integers(0, 20))
    def send(self, pick):
        payout = _pick(self._payouts("draft", "sent", "paid", "failed"), pick)
        if payout is None:
            return
        if payout.status == "draft" and payout.items.exists():
            self._remember_send(payout)
            payout_send(payout=payout)
        else:
            with pytest.raises(Conflict):
                payout_send(payout=payout)

    @rule(pick=st.integers(0, 20))
    def mark_failed(self, pick):
        payout = _pick(self._payouts("draft", "sent", "paid", "failed"), pick)
        if payout is None:
            return
        if payout.status == "sent":
            payout_mark_failed(payout=payout, reason="rekening tidak ditemukan")
            assert not Reward.objects.filter(payout=payout).exists()
        else:
            with pytest.raises(Conflict):
                payout_mark_failed(payout=payout, reason="x")

    def _pay(self, payout):
        if payout.status == "draft":
            if not payout.items.exists():
                with pytest.raises(Conflict):
                    payout_mark_paid(payout=payout)
                return
            self._remember_send(payout)
        payout_mark_paid(payout=payout)
        self.paid_rewards |= set(Reward.objects.filter(payout=payout).values_list("pk", flat=True))

    @rule()
    def settle(self):
        """Pay out IDR and pay it at once, as a monthly run would (create → mark-paid)."""
        payout = self._make_payout("IDR")
        if payout is not None:
            self._pay(payout)

    @rule(pick=st.integers(0, 20), twice=st.booleans())
    def mark_paid(self, pick, twice):
        payout = _pick(self._payouts("draft", "sent"), pick)
        if payout is None:
            return
        self._pay(payout)
        if twice:
            with pytest.raises(Conflict):
                payout_mark_paid(payout=payout)

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
    def payouts_only_lose_rewards_until_sent_then_are_frozen(self):
        for payout in Payout.objects.filter(program=self.program):
            now_in = set(Reward.objects.filter(payout=payout).values_list("pk", flat=True))
            items = dict(payout.items.values_list("participant_id", "amount"))
            assert now_in <= self.gathered[payout.pk]
            if payout.status == "failed":
                assert not now_in
            if payout.status in ("sent", "paid", "failed"):
                rewards_at_send, items_at_send, _worth = self.at_send[payout.pk]
                assert items == items_at_send, payout
                if payout.status != "failed":
                    assert now_in == rewards_at_send, payout

    @invariant()
    def money_out_never_exceeds_what_was_earned_when_sent(self):
        paid_total: dict = {}
        worth_total: dict = {}
        for payout in Payout.objects.filter(program=self.program, status="paid"):
            _rewards, items, worth = self.at_send[payout.pk]
            for participant_id, amount in items.items():
                assert 0 < amount <= worth.get(participant_id, 0), (payout, participant_id)
                key = (participant_id, payout.currency)
                paid_total[key] = paid_total.get(key, 0) + amount
                worth_total[key] = worth_total.get(key, 0) + worth[participant_id]
        for (participant_id, currency), paid in paid_total.items():
            assert books.balance(participant_id, currency)["paid"] == paid
            assert paid <= worth_total[(participant_id, currency)]


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
