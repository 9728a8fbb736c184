"""Deal registration's rules with a controllable clock: first to register wins, the approval
timer in working days, protection windows, extensions, expiry, progress."""

from datetime import timedelta

import pytest

from tests.deals.conftest import QUALIFIED, make_partner, register
from tular.core.errors import Conflict, Invalid, NotFound
from tular.deals.models import Deal, DealEvent
from tular.deals.services import (
    add_working_days,
    deal_approve,
    deal_extend,
    deal_progress,
    deal_reject,
    deal_set_status,
    deal_settings_save,
    deals_expire,
    partner_for,
    protection_holder,
)
from tular.webhooks.models import Message
from tular.webhooks.services import endpoint_create


@pytest.fixture
def listening(workspace):
    # An IP literal: no DNS needed to check it; the worker never runs in these tests.
    return endpoint_create(workspace=workspace, url="https://93.184.216.34/hooks", events=["*"])


def test_qualified_registration_is_approved_and_protected_for_the_window(
    program, sinar, frozen_clock, listening
):
    result = register(program, sinar)
    deal = result.deal
    assert not result.conflict
    assert deal.status == "approved"
    assert deal.domain_normalised == "maju.co.id"
    assert deal.domain == "https://www.Maju.co.id/"
    assert deal.registered_at == frozen_clock.now
    assert deal.expires_at == frozen_clock.now + timedelta(days=90)
    assert deal.decided_by == "automatic"
    assert deal.review_due_at is None
    assert list(Message.objects.values_list("type", flat=True)) == ["deal.registered"]


def test_unqualified_registration_waits_two_working_days(program, sinar, frozen_clock):
    deal = register(program, sinar, qualification={"meeting_scheduled": True}).deal
    assert deal.status == "pending"
    # Friday 09:00 + 2 working days = Tuesday 09:00.
    assert deal.review_due_at == frozen_clock.now + timedelta(days=4)
    assert deal.review_due_at.weekday() == 1
    assert not deal.review_overdue
    frozen_clock.advance(days=4, minutes=1)
    assert deal.review_overdue


def test_working_days_skip_the_weekend(frozen_clock):
    friday = frozen_clock.now
    assert add_working_days(friday, 1).weekday() == 0
    assert add_working_days(friday, 5) == friday + timedelta(days=7)
    saturday = friday + timedelta(days=1)
    assert add_working_days(saturday, 1) == saturday + timedelta(days=2)


def test_program_settings_decide_window_checklist_timer_and_auto_approval(
    program, sinar, cahaya, frozen_clock
):
    deal_settings_save(
        program=program,
        protection_days=30,
        required_checks=["meeting_scheduled"],
        review_working_days=3,
    )
    deal = register(program, sinar, qualification={"meeting_scheduled": True}).deal
    assert deal.status == "approved"
    assert deal.expires_at == frozen_clock.now + timedelta(days=30)
    deal_settings_save(program=program, auto_approve=False)
    other = register(program, cahaya, domain="other.co.id").deal
    assert other.status == "pending"
    assert other.review_due_at == add_working_days(frozen_clock.now, 3)
    with pytest.raises(Invalid):
        deal_settings_save(program=program, protection_days=45)


def test_second_partner_is_a_conflict_that_learns_only_the_end_of_protection(
    program, sinar, cahaya, frozen_clock, listening
):
    first = register(program, sinar).deal
    second = register(program, cahaya, domain="a.maju.co.id")
    assert second.conflict
    assert second.deal.status == "conflict"
    assert second.protected_until == first.expires_at
    assert second.deal.conflict_with_id == first.pk
    assert second.deal.expires_at is None
    message = Message.objects.get(type="deal.conflict")
    assert str(sinar.pk) not in message.body and "mitra_sinar" not in message.body
    # The same partner again is a conflict too (one active registration per account).
    assert register(program, sinar).conflict


def test_country_and_division_are_part_of_the_key(program, sinar, cahaya, frozen_clock):
    a = register(program, sinar, country="ID", division="Retail")
    b = register(program, cahaya, country="SG", division="Retail")
    c = register(program, cahaya, country="ID", division="  logistics ")
    assert not a.conflict and not b.conflict and not c.conflict
    assert c.deal.division_key == "logistics"
    assert register(program, cahaya, country="id", division="RETAIL").conflict
    # A registration without a country covers every country: it overlaps all of them.
    assert register(program, cahaya).conflict
    assert protection_holder(workspace=program.workspace, domain="maju.co.id").pk == a.deal.pk
    assert (
        protection_holder(
            workspace=program.workspace, email="x@maju.co.id", country="ID", division="Logistics"
        ).pk
        == c.deal.pk
    )
    assert protection_holder(workspace=program.workspace, domain="gmail.com") is None
    assert protection_holder(workspace=program.workspace, email="") is None


def test_rejection_frees_the_account(program, sinar, cahaya, frozen_clock):
    first = register(program, sinar, qualification={}).deal
    with pytest.raises(Invalid):
        deal_reject(deal=first, reason=" ")
    deal_reject(deal=first, reason="Existing customer")
    assert Deal.objects.get(pk=first.pk).decision_reason == "Existing customer"
    assert not register(program, cahaya).conflict


def test_approving_a_conflict_needs_a_free_account(program, sinar, cahaya, frozen_clock):
    first = register(program, sinar).deal
    late = register(program, cahaya).deal
    with pytest.raises(Conflict):
        deal_approve(deal=late)
    deal_reject(deal=first, reason="Duplicate of a direct deal")
    approved = deal_approve(deal=late, reason="Cahaya did the work")
    assert approved.status == "approved"
    assert approved.expires_at == frozen_clock.now + timedelta(days=90)


def test_approval_starts_protection_at_the_decision(program, sinar, frozen_clock):
    deal = register(program, sinar, qualification={}).deal
    frozen_clock.advance(days=3)
    approved = deal_approve(deal=deal)
    assert approved.expires_at == frozen_clock.now + timedelta(days=90)
    with pytest.raises(Conflict):
        deal_approve(deal=deal)


def test_expiry_frees_the_account_and_extension_delays_it(
    program, sinar, cahaya, frozen_clock, listening
):
    deal = register(program, sinar).deal
    frozen_clock.advance(days=80)
    extended = deal_extend(deal=deal, days=20)
    assert extended.expires_at == deal.expires_at + timedelta(days=20)
    frozen_clock.advance(days=20)
    assert deals_expire() == 0
    assert register(program, cahaya).conflict
    frozen_clock.advance(days=11)
    assert deals_expire() == 1
    assert deals_expire() == 0
    assert Deal.objects.get(pk=deal.pk).status == "expired"
    assert Message.objects.filter(type="deal.status_changed").count() == 1
    assert not register(program, cahaya).conflict
    with pytest.raises(Conflict):
        deal_extend(deal=deal)


def test_extension_by_the_program_window(program, sinar, frozen_clock):
    deal = register(program, sinar).deal
    extended = deal_extend(deal=deal, reason="Board meets in March")
    assert extended.expires_at == deal.expires_at + timedelta(days=90)
    with pytest.raises(Invalid):
        deal_extend(deal=deal, days=0)
    event = DealEvent.objects.filter(deal=deal, kind="extension").get()
    assert event.expires_before == deal.expires_at
    assert event.reason == "Board meets in March"


@pytest.mark.parametrize("closed", ["won", "lost", "rejected", "expired"])
def test_a_closed_deal_cannot_be_extended(program, sinar, frozen_clock, closed):
    deal = register(program, sinar).deal
    if closed in ("won", "lost"):
        deal_set_status(deal=deal, status=closed)
    elif closed == "rejected":
        deal_reject(deal=deal, reason="No")
    else:
        frozen_clock.advance(days=91)
        deals_expire()
    with pytest.raises(Conflict):
        deal_extend(deal=deal, days=10)


def test_activity_in_the_window_renews_protection(program, sinar, frozen_clock):
    deal = register(program, sinar).deal
    frozen_clock.advance(days=60)
    renewed = deal_progress(deal=deal, note="Demo for the board")
    assert renewed.expires_at == frozen_clock.now + timedelta(days=90)
    assert renewed.last_activity_at == frozen_clock.now
    with pytest.raises(Invalid):
        deal_progress(deal=deal, note="")


def test_won_closes_the_deal_with_history(program, sinar, frozen_clock, listening):
    deal = register(program, sinar).deal
    won = deal_set_status(deal=deal, status="won", reason="Signed")
    assert won.status == "won"
    assert [e.to_status for e in DealEvent.objects.filter(deal=deal)] == ["approved", "won"]
    with pytest.raises(Conflict):
        deal_set_status(deal=deal, status="lost")
    with pytest.raises(Invalid):
        deal_set_status(deal=deal, status="pending")


def test_unknown_or_non_partner_participant_is_404(program, sinar):
    assert partner_for(program=program, external_id="mitra_sinar") == sinar
    with pytest.raises(NotFound):
        partner_for(program=program, external_id="nobody")
    customer = make_partner(program, "cust_1", kind="customer")
    with pytest.raises(NotFound):
        partner_for(program=program, external_id="cust_1")
    with pytest.raises(NotFound):
        register(program, customer)


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("domain", "", ["body", "domain"]),
        ("domain", "gmail.com", ["body", "domain"]),
        ("domain", "10.1.2.3", ["body", "domain"]),
        ("company", " ", ["body", "company"]),
        ("contact_email", "not-an-address", ["body", "contact", "email"]),
        ("estimated_value", -1, ["body", "estimated_value"]),
        ("estimated_value", 1.5, ["body", "estimated_value"]),
        ("currency", "XYZ", ["body", "currency"]),
        ("country", "Indonesia", ["body", "country"]),
        (
            "qualification",
            {"budget_confirmed": "yes"},
            ["body", "qualification", "budget_confirmed"],
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(program, sinar, field, value, loc):
    with pytest.raises(Invalid) as refused:
        register(program, sinar, **{field: value})
    assert refused.value.extra["errors"][0]["loc"] == loc
    assert not Deal.objects.exists()


def test_qualification_answers_are_kept(program, sinar):
    deal = register(program, sinar, qualification={**QUALIFIED, "timeline_confirmed": False}).deal
    assert Deal.objects.get(pk=deal.pk).qualification["timeline_confirmed"] is False
