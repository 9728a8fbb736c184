"""A partner in a tier earns the tier's rate instead of the rule's percent: the pure engine
with plain values, then a sale through the use case."""

from datetime import UTC, datetime
from decimal import Decimal

from tular.partners.tiers import partner_set_tier
from tular.programs.rules import Rule, Trigger
from tular.referrals import services as use_cases
from tular.rewards.engine import Occurrence, evaluate
from tular.rewards.models import Reward

NOW = datetime(2026, 5, 17, 10, 30, tzinfo=UTC)
PERCENT_10 = {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "10"}


def sale(**fields) -> Occurrence:
    return Occurrence(
        trigger=Trigger.sale,
        occurred_at=NOW,
        currency="IDR",
        program_currency="IDR",
        sale_amount=1_000_000_00,
        **fields,
    )


def rules(*bodies) -> list[Rule]:
    return [Rule.model_validate(body) for body in bodies]


def test_the_tier_rate_replaces_the_rules_percent_for_the_referrer():
    [draft] = evaluate(
        rules=rules(PERCENT_10),
        occurrence=sale(partner_tier_percent=Decimal("35")),
        earned_in_cap_period={},
    )
    assert draft.percent == Decimal("35") and draft.amount == 35_000_000


def test_without_a_tier_rate_the_rule_pays_its_own_percent():
    [draft] = evaluate(rules=rules(PERCENT_10), occurrence=sale(), earned_in_cap_period={})
    assert draft.percent == Decimal("10") and draft.amount == 10_000_000


def test_the_tier_rate_wins_over_the_rules_volume_tiers():
    tiered = {**PERCENT_10, "tiers": [{"min_conversions": 1, "percent": "20"}]}
    [draft] = evaluate(
        rules=rules(tiered),
        occurrence=sale(paying_customers=5, partner_tier_percent=Decimal("30")),
        earned_in_cap_period={},
    )
    assert draft.percent == Decimal("30") and draft.tier_min_conversions is None


def test_fixed_rules_and_the_friends_percent_are_not_changed():
    friend = {**PERCENT_10, "recipient": "friend"}
    fixed = {"trigger": "sale", "recipient": "referrer", "kind": "fixed", "amount": 500_000}
    drafts = evaluate(
        rules=rules(friend, fixed),
        occurrence=sale(partner_tier_percent=Decimal("35")),
        earned_in_cap_period={},
    )
    assert [(d.recipient, d.amount) for d in drafts] == [
        ("friend", 10_000_000),
        ("referrer", 500_000),
    ]


def test_the_tier_rate_is_still_capped():
    capped = {**PERCENT_10, "cap": {"amount": 20_000_000, "period": "month"}}
    [draft] = evaluate(
        rules=rules(capped),
        occurrence=sale(partner_tier_percent=Decimal("35")),
        earned_in_cap_period={0: 5_000_000},
    )
    assert draft.amount == 15_000_000 and draft.capped_from == 35_000_000


def _refer_and_sell(workspace, partner, *, n: int, amount: int):
    use_cases.track_signup(
        workspace=workspace,
        event_id=f"signup-{n}",
        customer_external_id=f"cust-{n}",
        email=f"buyer{n}@pelanggan.example",
        code=partner.code,
    )
    return use_cases.track_sale(
        workspace=workspace,
        event_id=f"sale-{n}",
        customer_external_id=f"cust-{n}",
        amount=amount,
        currency="IDR",
        invoice_id=f"inv-{n}",
    )


def test_a_sale_by_a_gold_partner_pays_golds_margin(workspace, partner, tiers):
    _refer_and_sell(workspace, partner, n=1, amount=1_000_000_00)
    partner_set_tier(participant=partner, tier=tiers["Gold"], reason="top reseller")
    _refer_and_sell(workspace, partner, n=2, amount=1_000_000_00)
    rewards = Reward.objects.filter(participant=partner).order_by("created_at", "id")
    assert [(r.amount, r.percent) for r in rewards] == [
        (10_000_000, Decimal("10")),
        (35_000_000, Decimal("35")),
    ]


def test_a_tier_without_a_rate_leaves_the_rule_alone(workspace, partner, tiers):
    partner_set_tier(participant=partner, tier=tiers["Registered"])
    _refer_and_sell(workspace, partner, n=3, amount=1_000_000_00)
    assert Reward.objects.get(participant=partner).amount == 10_000_000
