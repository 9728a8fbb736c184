"""Refunds reverse a sale's rewards in proportion; cancellations claw back young rewards.

Sale rule: 12.5 % to the referrer. Rp7.500.000 (750000000) earns Rp937.500 (93750000), which is
below the program's auto-approve limit of Rp1.000.000.
"""

import pytest

from tests.rewards.books import (
    assert_books_agree,
    balance,
    cancel,
    make_participant,
    make_program,
    make_referral,
    make_refund,
    make_sale,
)
from tular.core.errors import Conflict
from tular.rewards.models import LedgerTransaction, Payout, Reward
from tular.rewards.payouts import (
    payout_create,
    payout_items,
    payout_mark_failed,
    payout_mark_paid,
    payout_send,
)
from tular.rewards.services import reward_approve, reward_reject, rewards_release_due


def _reward(rewards) -> Reward:
    (reward,) = [r for r in rewards if r.trigger == "sale"]
    return Reward.objects.get(pk=reward.pk)


def test_half_refund_of_a_pending_reward_comes_back_from_pending(books_program, andi):
    sale, rewards = make_sale(make_referral(books_program, andi), 750000000)
    reward = _reward(rewards)
    assert (reward.status, reward.amount) == ("pending", 93750000)

    _, reversals = make_refund(sale, 375000000)

    reward.refresh_from_db()
    assert reversals == [
        {
            "reward_id": reward.pk,
            "participant_id": andi.pk,
            "amount": 46875000,
            "currency": "IDR",
            "status": "pending",
        }
    ]
    assert (reward.status, reward.reversed_amount) == ("pending", 46875000)
    assert balance(andi) == {"pending": 46875000, "approved": 0, "paid": 0}
    tx = LedgerTransaction.objects.get(reward=reward, kind="reversed")
    assert sorted((e.account, e.amount) for e in tx.entries.all()) == [
        ("pending", -46875000),
        ("program_expense", 46875000),
    ]
    assert_books_agree(books_program)


def test_partial_refunds_round_half_even_and_add_up_exactly(books_program, andi):
    # 12.5 % of 100 sen is 12.5 → 12 (half-even). Refunds of 33, 33 and 34 sen reverse
    # round(12 x 33/100) = 4, round(12 x 66/100) - 4 = 4, and what is left: 4.
    sale, rewards = make_sale(make_referral(books_program, andi), 100)
    reward = _reward(rewards)
    assert reward.amount == 12

    steps = [make_refund(sale, amount)[1][0]["amount"] for amount in (33, 33, 34)]

    reward.refresh_from_db()
    assert steps == [4, 4, 4]
    assert (reward.reversed_amount, reward.status) == (12, "reversed")
    assert reward.status_reason == "refunded"
    assert balance(andi)["pending"] == 0
    assert_books_agree(books_program)


def test_the_refund_that_completes_the_sale_reverses_exactly_what_is_left(books_program, andi):
    # 12.5 % of 7 sen = 0.875 → 1. Refunding 1 sen at a time: round(1 x k/7) is 0 until k = 4.
    sale, rewards = make_sale(make_referral(books_program, andi), 7)
    reward = _reward(rewards)
    assert reward.amount == 1
    reversed_steps = [sum(r["amount"] for r in make_refund(sale, 1)[1]) for _ in range(7)]
    reward.refresh_from_db()
    assert sum(reversed_steps) == 1
    assert reward.reversed_amount == 1
    assert_books_agree(books_program)


def test_refunds_beyond_the_sale_reverse_nothing_more(books_program, andi):
    sale, rewards = make_sale(make_referral(books_program, andi), 750000000)
    make_refund(sale, 900000000)
    _, again = make_refund(sale, 100)
    reward = _reward(rewards)
    assert reward.reversed_amount == reward.amount
    assert again == []
    assert_books_agree(books_program)


def test_refunded_total_is_capped_at_the_sale_amount(books_program, andi):
    # (the currency of a refund is the caller's check: track/refund answers 422)
    sale, rewards = make_sale(make_referral(books_program, andi), 750000000)
    from tular.rewards.reversals import reverse_for_refund

    reversals = reverse_for_refund(
        program=books_program,
        sale_id=sale.pk,
        sale_amount=sale.amount,
        refunded_total=2 * sale.amount,
        memo="too much",
    )
    reward = _reward(rewards)
    assert [r["amount"] for r in reversals] == [reward.amount]
    assert reward.reversed_amount == reward.amount


def test_an_approved_reward_comes_back_from_approved(books_program, andi, frozen_clock):
    sale, rewards = make_sale(make_referral(books_program, andi), 750000000)
    frozen_clock.advance(days=14)
    assert rewards_release_due() == 1
    reward = _reward(rewards)
    assert reward.status == "approved"

    _, reversals = make_refund(sale, 750000000)

    reward.refresh_from_db()
    assert reversals[0]["status"] == "reversed"
    assert (reward.status, reward.reversed_amount) == ("reversed", 93750000)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 0}
    assert_books_agree(books_program)


def test_needs_review_rewards_come_back_from_pending(books_program, andi, frozen_clock):
    # Rp10.000.000 earns Rp1.250.000, above the auto-approve limit: needs_review after the hold.
    sale, rewards = make_sale(make_referral(books_program, andi), 1000000000)
    frozen_clock.advance(days=15)
    rewards_release_due()
    assert _reward(rewards).status == "needs_review"
    make_refund(sale, 500000000)
    reward = _reward(rewards)
    assert (reward.status, reward.reversed_amount) == ("needs_review", 62500000)
    assert balance(andi)["pending"] == 62500000
    # Approving afterwards moves only what is left.
    reward_approve(reward=reward)
    assert balance(andi) == {"pending": 0, "approved": 62500000, "paid": 0}
    assert_books_agree(books_program)


def test_rejected_rewards_and_perks_are_not_reversed(books_program, andi):
    referral = make_referral(books_program, andi)
    sale, rewards = make_sale(referral, 750000000)
    reward_reject(reward=_reward(rewards), reason="duplicate order")
    _, reversals = make_refund(sale, 750000000)
    assert reversals == []
    assert _reward(rewards).status == "rejected"
    assert_books_agree(books_program)


def test_a_paid_reward_keeps_its_status_and_leaves_a_debt_that_the_next_payout_nets(
    books_program, andi, frozen_clock
):
    # given Rp937.500 approved and paid
    referral = make_referral(books_program, andi)
    sale, rewards = make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout_mark_paid(payout=payout_create(workspace=books_program.workspace,
                                          program=books_program, currency="IDR"))  # fmt: skip
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000}

    # when 40 % of the sale is refunded
    _, reversals = make_refund(sale, 300000000)

    # then the paid reward keeps `paid`, shows the clawback, and Andi owes Rp375.000
    reward = _reward(rewards)
    assert (reward.status, reward.reversed_amount) == ("paid", 37500000)
    assert reversals[0]["status"] == "paid"
    assert balance(andi) == {"pending": 0, "approved": -37500000, "paid": 93750000}
    assert_books_agree(books_program)

    # and the next reward pays the debt off first: Rp937.500 - Rp375.000 = Rp562.500
    make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout = payout_create(workspace=books_program.workspace, program=books_program,
                           currency="IDR")  # fmt: skip
    item = payout.items.get()
    assert (item.participant_id, item.amount, item.netted) == (andi.pk, 56250000, -37500000)
    payout_mark_paid(payout=payout)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000 + 56250000}
    assert_books_agree(books_program)


def _in_a_payout(books_program, andi, frozen_clock):
    sale, rewards = make_sale(make_referral(books_program, andi), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout = payout_create(workspace=books_program.workspace, program=books_program,
                           currency="IDR")  # fmt: skip
    return sale, _reward(rewards), payout


def test_a_reward_reversed_in_full_in_a_draft_payout_leaves_it_and_is_never_paid(
    books_program, andi, frozen_clock
):
    sale, reward, payout = _in_a_payout(books_program, andi, frozen_clock)

    make_refund(sale, 750000000)

    reward.refresh_from_db()
    assert (reward.status, reward.reversed_amount, reward.payout_id) == ("reversed", 93750000, None)
    assert payout_items(payout) == []
    assert_books_agree(books_program)
    with pytest.raises(Conflict, match="nothing left to pay"):
        payout_mark_paid(payout=payout)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 0}
    assert Payout.objects.get(pk=payout.pk).status == "draft"


def test_a_partial_refund_in_a_draft_payout_lowers_the_item(
    books_program, andi, budi, frozen_clock
):
    sale, reward, payout = _in_a_payout(books_program, andi, frozen_clock)

    make_refund(sale, 300000000)  # 40 %

    assert payout_items(payout) == [
        {"participant_id": andi.pk, "amount": 56250000, "netted": 0, "reversed_after_send": 0}
    ]
    assert Reward.objects.get(pk=reward.pk).payout_id == payout.pk
    payout_mark_paid(payout=payout)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 56250000}
    assert_books_agree(books_program)


def test_a_draft_nets_a_new_debt_from_a_sent_payout(books_program, andi, frozen_clock):
    # given a sent payout of Rp937.500, and a second reward in a draft
    referral = make_referral(books_program, andi)
    sale, _ = make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    sent = payout_send(payout=payout_create(workspace=books_program.workspace,
                                            program=books_program, currency="IDR"))  # fmt: skip
    make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    draft = payout_create(workspace=books_program.workspace, program=books_program,
                          currency="IDR")  # fmt: skip

    # when the sent payout's sale is refunded by 40 %
    make_refund(sale, 300000000)

    # then the sent payout shows the debt and the draft pays it off at once
    assert payout_items(sent)[0]["amount"] == 93750000
    assert payout_items(sent)[0]["reversed_after_send"] == 37500000
    assert payout_items(draft) == [
        {
            "participant_id": andi.pk,
            "amount": 56250000,
            "netted": -37500000,
            "reversed_after_send": 0,
        }
    ]
    assert_books_agree(books_program)
    payout_mark_paid(payout=sent)
    payout_mark_paid(payout=draft)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000 + 56250000}
    assert_books_agree(books_program)


def test_a_reward_reversed_in_a_sent_payout_is_still_paid_and_leaves_a_debt(
    books_program, andi, frozen_clock
):
    sale, reward, payout = _in_a_payout(books_program, andi, frozen_clock)
    payout_send(payout=payout)

    make_refund(sale, 750000000)

    reward.refresh_from_db()
    # The payout was sent to the bank: the reward stays in it, its item shows the reversal.
    assert (reward.status, reward.reversed_amount, reward.payout_id) == (
        "approved",
        93750000,
        payout.pk,
    )
    assert payout_items(payout) == [
        {
            "participant_id": andi.pk,
            "amount": 93750000,
            "netted": 0,
            "reversed_after_send": 93750000,
        }
    ]
    payout_mark_paid(payout=payout)
    assert Reward.objects.get(pk=reward.pk).status == "paid"
    assert balance(andi) == {"pending": 0, "approved": -93750000, "paid": 93750000}
    assert_books_agree(books_program)


def test_a_failed_payout_frees_its_rewards_and_a_reward_reversed_meanwhile_is_reversed(
    books_program, andi, frozen_clock
):
    sale, reward, payout = _in_a_payout(books_program, andi, frozen_clock)
    payout_send(payout=payout)
    make_refund(sale, 750000000)

    payout_mark_failed(payout=payout, reason="rekening ditutup")

    reward.refresh_from_db()
    assert (reward.status, reward.payout_id) == ("reversed", None)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 0}
    assert_books_agree(books_program)


def test_cancel_reverses_only_rewards_younger_than_the_clawback(books_program, andi, frozen_clock):
    # given a friend's signup reward and a first sale 40 days ago, a second sale 10 days ago
    friend = make_participant(books_program, "Citra")
    referral = make_referral(books_program, andi, friend=friend)
    _old_sale, old = make_sale(referral, 750000000)
    frozen_clock.advance(days=30)
    rewards_release_due()
    _young_sale, young = make_sale(referral, 750000000)
    frozen_clock.advance(days=10)

    # when the customer cancels (clawback 30 days)
    reversals = cancel(referral)

    # then only the 10-day-old reward is clawed back, in full
    assert [r["reward_id"] for r in reversals] == [_reward(young).pk]
    assert _reward(young).status == "reversed"
    assert _reward(old).status == "approved"
    assert Reward.objects.get(trigger="signup", participant=friend).status == "approved"
    assert balance(andi) == {"pending": 0, "approved": 93750000, "paid": 0}
    assert_books_agree(books_program)


def test_cancel_reverses_what_partial_refunds_left(books_program, andi, frozen_clock):
    friend = make_participant(books_program, "Citra")
    referral = make_referral(books_program, andi, friend=friend)
    sale, _rewards = make_sale(referral, 750000000)
    make_refund(sale, 150000000)  # 20 %: Rp187.500 of Rp937.500
    frozen_clock.advance(days=1)

    reversals = cancel(referral)

    amounts = sorted(r["amount"] for r in reversals)
    assert amounts == [5000000, 75000000]  # the friend's Rp50.000, 80 % of the sale reward
    assert all(r["status"] == "reversed" for r in reversals)
    assert balance(andi) == balance(friend) == {"pending": 0, "approved": 0, "paid": 0}
    assert_books_agree(books_program)


def test_reversals_touch_only_the_sales_rewards(books_program, andi, budi):
    sale, _ = make_sale(make_referral(books_program, andi), 750000000)
    _other_sale, other = make_sale(make_referral(books_program, budi), 750000000)
    make_refund(sale, 750000000)
    assert _reward(other).reversed_amount == 0
    assert balance(budi)["pending"] == 93750000
    # A program elsewhere is untouched too.
    make_program(books_program.workspace, slug="lain")
    assert_books_agree(books_program)
