"""Tiers: definitions, moves by hand and by the worker's rules (up and down), the history."""

from datetime import timedelta

import pytest

from tular.core.errors import FieldConflict, Invalid
from tular.partners.jobs import review_partner_tiers
from tular.partners.models import PartnerProfile, TierChange
from tular.partners.tiers import (
    Performance,
    months_between,
    partner_set_tier,
    performance_of,
    tier_create,
    tier_release,
    tier_rule_create,
    tiers_review,
)
from tular.referrals import services as use_cases
from tular.workspaces.audit import Actor

RP = 100  # IDR minor units per rupiah


def sell(workspace, partner, *, n: int, amount: int, at=None):
    use_cases.track_signup(
        workspace=workspace,
        event_id=f"signup-{n}",
        customer_external_id=f"cust-{n}",
        email=f"buyer{n}@pelanggan.example",
        code=partner.code,
        occurred_at=at,
    )
    use_cases.track_sale(
        workspace=workspace,
        event_id=f"sale-{n}",
        customer_external_id=f"cust-{n}",
        amount=amount,
        currency="IDR",
        invoice_id=f"inv-{n}",
        occurred_at=at,
    )


def test_a_tier_needs_a_valid_rate_and_a_free_name_and_rank(reseller_program, tiers):
    with pytest.raises(Invalid):
        tier_create(program=reseller_program, name="Platinum", rank=5, rate="120")
    with pytest.raises(Invalid):
        tier_create(program=reseller_program, name="Platinum", rank=5, rate=0.3)
    with pytest.raises(FieldConflict):
        tier_create(program=reseller_program, name="gold", rank=5)
    with pytest.raises(FieldConflict):
        tier_create(program=reseller_program, name="Platinum", rank=2)


def test_tiers_belong_to_partner_programs(program):
    from tular.programs.models import Program

    customer = Program.objects.get(slug=program["slug"])
    with pytest.raises(Invalid):
        tier_create(program=customer, name="Gold", rank=1)


def test_a_manager_moves_a_partner_and_the_history_says_who_and_why(partner, tiers):
    actor = Actor(label="sari@toko.example", user_id=None)
    change = partner_set_tier(participant=partner, tier=tiers["Silver"], actor=actor, reason="QBR")
    assert change.from_name == "" and change.to_name == "Silver"
    assert change.source == "manager" and change.actor == "sari@toko.example"
    assert change.reason == "QBR"
    partner.refresh_from_db()
    assert partner.tier == tiers["Silver"]
    assert PartnerProfile.objects.get(participant=partner).tier_by_hand
    # the same tier again is no move
    assert partner_set_tier(participant=partner, tier=tiers["Silver"], actor=actor) is None
    assert TierChange.objects.filter(participant=partner).count() == 1


def test_a_tier_of_another_program_is_refused(workspace, partner, tiers):
    from tests.partners.conftest import RESELLER_BODY
    from tular.programs.services import program_create, program_validate

    other = program_create(
        workspace=workspace, config=program_validate({**RESELLER_BODY, "slug": "lain"})
    )
    foreign = tier_create(program=other, name="Gold", rank=2)
    with pytest.raises(Invalid):
        partner_set_tier(participant=partner, tier=foreign)


def test_won_revenue_in_12_months_moves_a_partner_to_gold_and_back_down(
    workspace, reseller_program, partner, tiers, frozen_clock
):
    tier_rule_create(tier=tiers["Silver"], min_wins=1)
    tier_rule_create(tier=tiers["Gold"], min_revenue=50_000_000 * RP, window_months=12)
    start = frozen_clock.now
    # no sale yet: the first tier
    result = tiers_review()
    partner.refresh_from_db()
    assert result.checked == 1 and partner.tier == tiers["Registered"]
    # one small sale: Silver
    sell(workspace, partner, n=1, amount=10_000_000 * RP)
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Silver"]
    # Rp60.000.000 won in 12 months: Gold
    frozen_clock.advance(days=30)
    sell(workspace, partner, n=2, amount=50_000_000 * RP)
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Gold"]
    # run twice: nothing moves again
    assert tiers_review().changes == []
    # 13 months after the second sale, both are out of the window: back to the first tier
    frozen_clock.set(start + timedelta(days=30 + 365 + 31))
    review_partner_tiers()  # the worker's job
    partner.refresh_from_db()
    assert partner.tier == tiers["Registered"]
    history = list(TierChange.objects.filter(participant=partner).order_by("at", "id"))
    assert [(c.from_name, c.to_name, c.source) for c in history][:3] == [
        ("", "Registered", "rule"),
        ("Registered", "Silver", "rule"),
        ("Silver", "Gold", "rule"),
    ]
    assert history[2].rule.tier == tiers["Gold"] and "Gold" in history[2].reason
    assert (history[-1].from_name, history[-1].to_name) == ("Gold", "Registered")
    assert history[-1].rule is None and history[-1].actor == "tier rules"


def test_a_refund_counts_against_won_revenue(workspace, reseller_program, partner, tiers):
    tier_rule_create(tier=tiers["Gold"], min_revenue=50_000_000 * RP)
    sell(workspace, partner, n=1, amount=60_000_000 * RP)
    use_cases.track_refund(
        workspace=workspace,
        event_id="refund-1",
        customer_external_id="cust-1",
        amount=20_000_000 * RP,
        currency="IDR",
        invoice_id="inv-1",
    )
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Registered"]


def test_a_tier_set_by_hand_is_left_alone_until_released(workspace, partner, tiers):
    tier_rule_create(tier=tiers["Silver"], min_wins=1)
    partner_set_tier(participant=partner, tier=tiers["Gold"], reason="strategic")
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Gold"]
    tier_release(participant=partner)
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Registered"]  # no win yet


def test_tenure_counts_whole_months(partner, tiers, frozen_clock):
    assert months_between(partner.created_at, partner.created_at + timedelta(days=27)) == 0
    rule = tier_rule_create(tier=tiers["Silver"], min_tenure_months=6)
    assert rule.min_wins is None
    frozen_clock.set(partner.created_at + timedelta(days=31 * 6 + 1))
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Silver"]


def test_a_rule_needs_a_condition(tiers):
    with pytest.raises(Invalid):
        tier_rule_create(tier=tiers["Gold"])
    with pytest.raises(Invalid):
        tier_rule_create(tier=tiers["Gold"], min_wins=-1)
    with pytest.raises(Invalid):
        tier_rule_create(tier=tiers["Gold"], min_wins=1, window_months=0)


def test_performance_counts_revenue_and_wins(workspace, reseller_program, partner, frozen_clock):
    now = frozen_clock.now
    sell(workspace, partner, n=1, amount=10 * RP)
    sell(workspace, partner, n=2, amount=15 * RP)
    figures = performance_of(
        program=reseller_program,
        participant_ids=[partner.pk],
        start=now - timedelta(days=1),
        end=now + timedelta(seconds=1),
    )
    assert figures[partner.pk] == Performance(revenue=25 * RP, wins=2, tenure_months=0)


def test_certificates_of_counting_modules_move_a_partner_up(
    reseller_program, partner, tiers, frozen_clock
):
    from tular.enablement.services import module_complete, module_save
    from tular.partners.tiers import tier_progress

    tier_rule_create(tier=tiers["Silver"], min_certifications=2, window_months=12)
    actor = Actor.system()
    counting = [
        module_save(
            program=reseller_program,
            title=f"Produk {n}",
            counts_toward_tier=True,
            published=True,
            actor=actor,
        )
        for n in (1, 2)
    ]
    other = module_save(program=reseller_program, title="Etika", published=True, actor=actor)
    module_complete(module=counting[0], participant=partner)
    module_complete(module=other, participant=partner)  # a certificate that does not count
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Registered"]
    progress = tier_progress(participant=partner)
    [path] = progress.paths
    [condition] = path.conditions
    assert (progress.next, condition.field, condition.have, condition.need) == (
        tiers["Silver"],
        "min_certifications",
        1,
        2,
    )
    module_complete(module=counting[1], participant=partner)
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Silver"]
    # a year and a day later the certificates are out of the window
    frozen_clock.advance(days=367)
    tiers_review()
    partner.refresh_from_db()
    assert partner.tier == tiers["Registered"]
