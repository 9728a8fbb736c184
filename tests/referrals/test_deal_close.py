"""A partner's deal won: the commission at its tier's rate, exactly once (referrals.deals)."""

from decimal import Decimal

import pytest

from tests.deals.conftest import make_partner, make_partner_program, register
from tular.core.errors import Conflict, Invalid
from tular.deals.models import Deal
from tular.messaging.models import OutboundEmail
from tular.partners.tiers import partner_set_tier, tier_create, tier_names_at
from tular.referrals.deals import deal_close, deal_commission
from tular.referrals.models import Conversion, Referral
from tular.referrals.services import track_refund
from tular.rewards.models import Reward

RULES = [
    # 20 % of the customer's sales for a year: the won deal is the first.
    {
        "trigger": "sale",
        "recipient": "referrer",
        "kind": "percent",
        "percent": "20",
        "duration_months": 12,
    },
    {"trigger": "won", "recipient": "referrer", "kind": "fixed", "amount": 50_000_000},
]


@pytest.fixture
def program(workspace):
    program = make_partner_program(workspace)
    program.rules = RULES
    program.save()
    return program


@pytest.fixture
def gold(program):
    return tier_create(program=program, name="Gold", rank=2, rate="30")


@pytest.fixture
def sinar(program):
    return make_partner(program, "mitra_sinar", "PT Sinar")


def won(deal, **extra):
    return deal_close(deal=deal, status="won", **extra)


def test_a_won_deal_pays_the_tier_rate_of_the_won_value(program, sinar, gold, frozen_clock):
    partner_set_tier(participant=sinar, tier=gold)
    deal = register(program, sinar).deal
    assert deal.status == "approved"
    frozen_clock.advance(days=20)
    closed = won(deal, value=80_000_000_000)  # Rp800.000.000,00
    assert closed.deal.status == "won"
    assert closed.deal.won_value == 80_000_000_000
    by_trigger = {reward.trigger: reward for reward in closed.rewards}
    assert by_trigger["sale"].amount == 24_000_000_000  # 30 %, Gold's rate, not the rule's 20 %
    assert by_trigger["sale"].percent == Decimal("30")
    assert by_trigger["sale"].participant_id == sinar.pk
    assert by_trigger["won"].amount == 50_000_000  # the bonus per won deal
    lead = Referral.objects.get(pk=closed.referral.pk)
    assert (lead.status, lead.intake, lead.participant_id) == ("won", "deal", sinar.pk)
    assert lead.customer_external_id == f"deal:{deal.pk}"
    assert Conversion.objects.get(referral=lead).amount == 80_000_000_000
    assert [r.pk for r in deal_commission(Deal.objects.get(pk=deal.pk))] == [
        r.pk for r in closed.rewards
    ]
    assert tier_names_at(participant=sinar, moments=[r.created_at for r in closed.rewards]) == [
        "Gold",
        "Gold",
    ]
    # The partner hears of it as a referrer of a won lead does.
    assert OutboundEmail.objects.filter(to=sinar.email, kind="pipeline.won").exists()


def test_without_a_tier_the_rule_pays_and_the_estimate_is_the_value(program, sinar):
    deal = register(program, sinar, estimated_value=10_000_000_000).deal
    closed = won(deal)
    sale = next(r for r in closed.rewards if r.trigger == "sale")
    assert (sale.amount, sale.percent) == (2_000_000_000, Decimal("20"))


def test_a_deal_is_won_once(program, sinar):
    deal = register(program, sinar).deal
    won(deal, value=1_000_000)
    with pytest.raises(Conflict):
        won(Deal.objects.get(pk=deal.pk), value=1_000_000)
    assert Reward.objects.filter(participant=sinar).count() == 2
    assert Conversion.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"value": 0}, "value"),
        ({"value": -5}, "value"),
        ({"value": True}, "value"),
        ({"value": 10**16}, "value"),
        ({"value": 100, "currency": "XYZ"}, "currency"),
        ({"value": 100, "customer_external_id": "  "}, "customer_external_id"),
    ],
)
def test_bad_values_change_nothing(program, sinar, extra, field):
    deal = register(program, sinar).deal
    with pytest.raises(Invalid) as caught:
        won(deal, **extra)
    assert caught.value.extra["errors"][0]["loc"][-1] == field
    assert Deal.objects.get(pk=deal.pk).status == "approved"
    assert not Reward.objects.exists() and not Referral.objects.exists()


def test_a_lost_deal_earns_nothing_and_takes_no_value(program, sinar):
    deal = register(program, sinar).deal
    with pytest.raises(Invalid):
        deal_close(deal=deal, status="lost", value=100)
    closed = deal_close(deal=deal, status="lost", reason="Went with a competitor")
    assert closed.deal.status == "lost" and closed.rewards == []
    assert not Referral.objects.exists()


def test_the_customer_id_carries_later_sales_and_refunds(program, sinar, workspace):
    from tular.referrals.services import track_sale

    deal = register(program, sinar).deal
    closed = won(deal, value=10_000_000_000, customer_external_id="cus_maju")
    renewal = track_sale(
        workspace=workspace,
        event_id="renewal-1",
        customer_external_id="cus_maju",
        amount=5_000_000_000,
        currency="IDR",
        invoice_id="inv-2",
    )
    assert renewal.attributed and renewal.referral_id == closed.referral.pk
    assert [r.amount for r in renewal.rewards] == [1_000_000_000]
    refund = track_refund(
        workspace=workspace,
        event_id="refund-1",
        customer_external_id="cus_maju",
        invoice_id=f"deal:{deal.pk}",
        amount=5_000_000_000,
        currency="IDR",
    )
    # Half of the won deal's 20 %; the bonus per won deal is not a sale's and stays.
    assert [r.amount for r in refund.reversals] == [1_000_000_000]


def test_another_referrers_customer_is_refused(program, sinar, workspace):
    cahaya = make_partner(program, "mitra_cahaya", "CV Cahaya")
    deal = register(program, sinar).deal
    won(deal, value=1_000_000, customer_external_id="cus_1")
    other = register(program, cahaya, domain="lain.co.id", contact_email="a@lain.co.id").deal
    with pytest.raises(Conflict):
        won(other, value=1_000_000, customer_external_id="cus_1")
    assert Deal.objects.get(pk=other.pk).status == "approved"
