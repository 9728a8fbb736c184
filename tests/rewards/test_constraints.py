"""What must never be written is refused by the database itself, whatever code writes it: a
payout item of zero or less, a second reward of one rule for one recipient and one sale (or one
referral, for the rules that fire on the referral), a negative reward, a reversal beyond it."""

import pytest
from django.db import IntegrityError, transaction

from tests.rewards.books import make_referral, make_sale
from tular.rewards.models import Payout, PayoutItem, Reward
from tular.rewards.payouts import payout_create
from tular.rewards.services import rewards_release_due


def _refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def _copy(reward: Reward, **changes) -> Reward:
    fields = {
        field.attname: getattr(reward, field.attname)
        for field in Reward._meta.concrete_fields
        if not field.primary_key
    }
    return Reward(**{**fields, **changes})


@pytest.fixture
def sale_reward(books_program, andi):
    return make_sale(make_referral(books_program, andi), 750000000)[1][0]


@pytest.fixture
def payout(books_program, sale_reward, frozen_clock):
    frozen_clock.advance(days=14)
    rewards_release_due()
    return payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")


@pytest.mark.parametrize("amount", [0, -1])
def test_a_payout_item_of_zero_or_less_is_refused(payout, amount):
    item = payout.items.get()
    _refused(lambda: PayoutItem.objects.filter(pk=item.pk).update(amount=amount))
    other = Payout.objects.create(
        workspace=payout.workspace,
        program=payout.program,
        currency="IDR",
        created_at=payout.created_at,
    )
    _refused(
        lambda: PayoutItem.objects.create(
            payout=other, participant_id=item.participant_id, amount=amount
        )
    )


def test_a_payout_item_netting_a_positive_amount_is_refused(payout):
    item = payout.items.get()
    _refused(lambda: PayoutItem.objects.filter(pk=item.pk).update(netted=1))
    _refused(lambda: PayoutItem.objects.filter(pk=item.pk).update(reversed_after_send=-1))


def test_a_second_reward_of_one_rule_for_one_recipient_on_one_sale_is_refused(sale_reward):
    _refused(lambda: _copy(sale_reward).save())


def test_the_same_rule_on_another_sale_is_fine(sale_reward, books_program):
    referral = sale_reward.referral
    other_sale, rewards = make_sale(referral, 750000000)
    assert rewards[0].rule_index == sale_reward.rule_index
    assert rewards[0].conversion_id == other_sale.pk


def test_a_second_signup_reward_for_one_recipient_on_one_referral_is_refused(
    books_program, andi, budi
):
    make_referral(books_program, andi, friend=budi)
    signup = Reward.objects.get(trigger="signup", participant=budi)
    assert signup.conversion_id is None
    _refused(lambda: _copy(signup).save())


def test_a_negative_reward_is_refused(sale_reward):
    _refused(lambda: Reward.objects.filter(pk=sale_reward.pk).update(amount=-1))


@pytest.mark.parametrize("reversed_amount", [-1, "beyond"])
def test_a_reversal_outside_zero_and_the_amount_is_refused(sale_reward, reversed_amount):
    value = sale_reward.amount + 1 if reversed_amount == "beyond" else reversed_amount
    _refused(lambda: Reward.objects.filter(pk=sale_reward.pk).update(reversed_amount=value))


def test_a_perk_has_nothing_to_reverse(sale_reward):
    perk = _copy(sale_reward, rule_index=2, kind="perk", amount=None, currency="", perk="Akses")
    perk.save()
    _refused(lambda: Reward.objects.filter(pk=perk.pk).update(reversed_amount=1))


def test_the_payout_lifecycle_statuses(payout):
    assert Payout.objects.get(pk=payout.pk).status == "draft"
