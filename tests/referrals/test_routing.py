"""Routing (R32): a lead from a company that a partner's active deal protects goes to that
partner, whichever channel it came through, and both sides are told by e-mail; the sender is
never told who holds it."""

import pytest

from tests.deals.conftest import make_partner, make_partner_program, register
from tular.deals.services import deal_reject
from tular.messaging.models import OutboundEmail
from tular.participants.services import participant_enrol
from tular.programs.models import Program
from tular.referrals.models import Referral
from tular.referrals.pipeline import referral_submit


@pytest.fixture
def partner_program(workspace):
    return make_partner_program(workspace)


@pytest.fixture
def sinar(partner_program):
    return make_partner(partner_program, "mitra_sinar", "PT Sinar")


@pytest.fixture
def customers(workspace):
    return Program.objects.create(
        workspace=workspace,
        slug="pelanggan",
        name="Ajak Teman",
        kind="customer",
        currency="IDR",
        destination_url="https://toko.example/daftar",
        attribution={"model": "last_touch", "window_days": 30},
        rules=[],
    )


@pytest.fixture
def andi(customers):
    return participant_enrol(
        program=customers, email="andi@example.com", external_id="cust_42", name="Andi"
    )[0]


@pytest.fixture
def held(partner_program, sinar, frozen_clock):
    return register(partner_program, sinar, domain="maju.co.id").deal


def test_a_lead_from_a_protected_domain_lands_with_the_holder(held, sinar, andi, customers):
    referral = referral_submit(
        referrer=andi, name="Citra", email="Citra@Sales.Maju.co.id", company="PT Maju"
    )
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.participant_id == sinar.pk
    assert referral.program_id == held.program_id
    mails = {mail.to: mail for mail in OutboundEmail.objects.all()}
    assert set(mails) == {"mitra_sinar@mitra.example", "andi@example.com"}
    to_holder, to_sender = mails["mitra_sinar@mitra.example"], mails["andi@example.com"]
    assert to_holder.kind == to_sender.kind == "deal_lead_routed"
    assert "Citra" in to_holder.body_text and "maju.co.id" in to_holder.body_text
    assert "Sinar" not in to_sender.body_text and "mitra_sinar" not in to_sender.body_text
    assert "Sinar" not in to_sender.body_html
    assert "maju.co.id" in to_sender.body_text


def test_through_the_api_the_direct_lead_is_routed(api, held, sinar, andi):
    response = api.post(
        "/api/v1/referrals",
        {
            "program": "pelanggan",
            "referrer_external_id": "cust_42",
            "lead": {"name": "Citra", "email": "citra@maju.co.id", "company": "PT Maju"},
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["referrer"]["id"] == str(sinar.pk)
    assert response.json()["program"] == "mitra"


def test_other_domains_and_public_mail_stay_with_the_sender(held, andi):
    for email in ("budi@lain.co.id", "budi@gmail.com"):
        referral = referral_submit(referrer=andi, name="Budi", email=email)
        assert Referral.objects.get(pk=referral.pk).participant_id == andi.pk
    assert not OutboundEmail.objects.filter(kind="deal_lead_routed").exists()


def test_the_holder_own_lead_is_not_routed(held, sinar):
    referral = referral_submit(referrer=sinar, name="Citra", email="citra@maju.co.id")
    assert Referral.objects.get(pk=referral.pk).participant_id == sinar.pk
    assert not OutboundEmail.objects.filter(kind="deal_lead_routed").exists()


def test_a_freed_account_routes_nothing(held, andi):
    deal_reject(deal=held, reason="Existing customer")
    referral = referral_submit(referrer=andi, name="Citra", email="citra@maju.co.id")
    assert Referral.objects.get(pk=referral.pk).participant_id == andi.pk


def test_a_sign_up_through_another_partners_link_lands_with_the_holder(
    workspace, held, sinar, partner_program
):
    from tular.referrals.services import track_signup

    cahaya = make_partner(partner_program, "mitra_cahaya", "CV Cahaya")
    result = track_signup(
        workspace=workspace,
        event_id="signup-1",
        customer_external_id="cus_citra",
        email="citra@maju.co.id",
        code=cahaya.code,
    )
    assert result.attributed
    referral = Referral.objects.get(customer_external_id="cus_citra")
    assert referral.participant_id == sinar.pk
    mails = {mail.to for mail in OutboundEmail.objects.filter(kind="deal_lead_routed")}
    assert mails == {"mitra_sinar@mitra.example", "mitra_cahaya@mitra.example"}
    # another company stays with the link's partner, with nobody told
    track_signup(
        workspace=workspace,
        event_id="signup-2",
        customer_external_id="cus_budi",
        email="budi@lain.co.id",
        code=cahaya.code,
    )
    assert Referral.objects.get(customer_external_id="cus_budi").participant_id == cahaya.pk
    assert OutboundEmail.objects.filter(kind="deal_lead_routed").count() == 2


def test_a_customer_programs_sign_up_keeps_its_attribution(workspace, held, andi):
    from tular.referrals.services import track_signup

    track_signup(
        workspace=workspace,
        event_id="signup-3",
        customer_external_id="cus_citra",
        email="citra@maju.co.id",
        code=andi.code,
    )
    assert Referral.objects.get(customer_external_id="cus_citra").participant_id == andi.pk
    assert not OutboundEmail.objects.filter(kind="deal_lead_routed").exists()
