"""Deal registration in the partner's portal: the form registers through the same service as
POST /api/v1/deals; the partner follows each deal's status, protection, timer and history; a
second partner is refused without learning who holds the account."""

import pytest
from django.test import Client

from tests.partners.conftest import RESELLER_BODY
from tests.portal.conftest import portal_client_for
from tular.deals.models import Deal
from tular.deals.services import deal_approve
from tular.participants.services import participant_enrol
from tular.partners.profiles import member_add, partner_profile_save
from tular.portal.access import SESSION_KEY
from tular.programs.services import program_create, program_validate

ALL_CHECKS = {
    "check_meeting_scheduled": "on",
    "check_discovery_call": "on",
    "check_budget_confirmed": "on",
}


@pytest.fixture
def reseller(portal_workspace):
    return program_create(workspace=portal_workspace, config=program_validate(RESELLER_BODY))


def make_partner(program, name, email):
    participant, _ = participant_enrol(program=program, email=email, name=name, kind="partner")
    partner_profile_save(participant=participant, legal_name=name, partner_type="reseller")
    return participant


@pytest.fixture
def mitra(reseller):
    return make_partner(reseller, "PT Mitra Jaya", "owner@mitra.example")


@pytest.fixture
def sinar(reseller):
    return make_partner(reseller, "CV Sinar Terang", "halo@sinar.example")


def member_client(partner, name, email):
    member_add(profile=partner.partner_profile, name=name, email=email)
    client = Client(headers={"Accept-Language": "id"})
    session = client.session
    session[SESSION_KEY] = {"workspace": partner.workspace_id, "email": email}
    session.save()
    return client


def register(client, **fields):
    data = {
        "company": "PT Maju Bersama",
        "domain": "https://www.Maju.co.id/kontak",
        "contact_name": "Citra",
        "contact_email": "citra@maju.co.id",
        "estimated_value": "50000000",
        "currency": "IDR",
        "country": "",
        **fields,
    }
    return client.post("/portal/p/mitra/deals", data)


def test_a_member_registers_a_deal_and_sees_it_approved(mitra):
    client = member_client(mitra, "Dedi", "dedi@mitra.example")
    page = client.get("/portal/p/mitra/deals")
    assert page.status_code == 200
    assert "Daftarkan deal" in page.text
    assert 'href="/portal/p/mitra/deals"' in page.text  # in the menu
    response = register(client, **ALL_CHECKS)
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.partner == mitra and deal.status == "approved"
    assert deal.domain_normalised == "maju.co.id"
    assert deal.estimated_value == 5000000000  # Rp50.000.000 in minor units
    assert deal.qualification["budget_confirmed"] is True
    assert deal.events.get().actor == "Dedi (lewat portal)"
    shown = client.get(response["Location"])
    assert "PT Maju Bersama terdaftar dan disetujui" in shown.text
    assert "Terlindungi sampai" in shown.text
    assert "Rp50.000.000" in shown.text


def test_an_incomplete_checklist_waits_for_review_with_its_timer_then_is_approved(mitra):
    client = portal_client_for(mitra)
    response = register(client, check_meeting_scheduled="on")
    deal = Deal.objects.get()
    assert deal.status == "pending" and deal.review_due_at is not None
    shown = client.get(response["Location"])
    assert "menunggu peninjauan" in shown.text
    assert "Menunggu peninjauan, diputuskan paling lambat" in shown.text
    deal_approve(deal=deal, reason="Sudah dicek")
    again = client.get("/portal/p/mitra/deals")
    assert "Terlindungi sampai" in again.text
    assert "Sudah dicek" in again.text  # the history, with the reason


def test_a_second_partner_sees_the_conflict_without_the_holders_name(mitra, sinar):
    register(portal_client_for(mitra), **ALL_CHECKS)
    client = portal_client_for(sinar)
    response = client.post(
        "/portal/p/mitra/deals",
        {
            "company": "Maju",
            "domain": "a.maju.co.id",
            "contact_name": "Eko",
            "contact_email": "eko@maju.co.id",
            "estimated_value": "1000000",
            "currency": "IDR",
            **ALL_CHECKS,
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Mitra lain sudah mendaftarkan Maju" in page.text
    assert "Mitra lain sudah lebih dulu mendaftarkan perusahaan ini" in page.text
    assert "Mitra Jaya" not in page.text and "owner@mitra.example" not in page.text
    assert Deal.objects.get(partner=sinar).status == "conflict"


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("gmail.com", "gmail.com"),
        ("192.168.1.1", "Alamat IP"),
        ("", "Masukkan domain web perusahaan"),
    ],
)
def test_a_bad_domain_is_told_beside_the_field(mitra, domain, words):
    response = register(portal_client_for(mitra), domain=domain)
    assert response.status_code == 422
    assert 'id="domain-error"' in response.text
    assert words in response.text
    assert not Deal.objects.exists()


def test_only_partners_see_deals(referrer):
    client = portal_client_for(referrer)
    assert client.get("/portal/p/hadiah/deals").status_code == 404
    assert "/deals" not in client.get("/portal/p/hadiah/").text


def test_a_second_member_follows_the_won_deals_commission_with_its_breakdown(mitra, reseller):
    from tular.partners.tiers import partner_set_tier, tier_create
    from tular.referrals.deals import deal_close

    partner_set_tier(
        participant=mitra, tier=tier_create(program=reseller, name="Emas", rank=1, rate="25")
    )
    register(member_client(mitra, "Dedi", "dedi@mitra.example"), **ALL_CHECKS)
    deal_close(deal=Deal.objects.get(), status="won", value=8_000_000_000)  # Rp80.000.000
    page = member_client(mitra, "Rina", "rina@mitra.example").get("/portal/p/mitra/deals").text
    assert "Dimenangkan senilai Rp80.000.000" in page
    assert "Komisi Anda" in page
    assert "Rp20.000.000" in page  # 25 %, the tier's rate, not the rule's 10 %
    assert "25% dari Rp80.000.000" in page
    assert "tingkat Emas" in page


def test_the_second_partner_contests_the_hold_and_both_see_the_decision(mitra, sinar):
    from tular.deals.services import deal_dispute_decide

    register(portal_client_for(mitra), **ALL_CHECKS)
    client = portal_client_for(sinar)
    register(client, **ALL_CHECKS, domain="a.maju.co.id")
    conflict = Deal.objects.get(partner=sinar)
    url = f"/portal/p/mitra/deals/{conflict.pk}/dispute"
    page = client.post(url, {"reason": ""}, follow=True).text
    assert Deal.objects.get(pk=conflict.pk).dispute_status == ""  # a reason is needed
    page = client.post(url, {"reason": "Kami sudah presentasi sejak Maret"}, follow=True).text
    assert "Sengketa Anda tentang PT Maju Bersama terkirim" in page
    assert Deal.objects.get(pk=conflict.pk).dispute_status == "open"
    assert "Mitra Jaya" not in page
    # Another partner cannot contest someone else's registration.
    holder_deal = Deal.objects.get(partner=mitra)
    assert (
        client.post(f"/portal/p/mitra/deals/{holder_deal.pk}/dispute", {"reason": "x"}).status_code
        == 404
    )
    deal_dispute_decide(deal=conflict, uphold=False, reason="Mitra pertama punya bukti rapat")
    page = client.get("/portal/p/mitra/deals").text
    assert "Sengketa tidak dikabulkan: Mitra pertama punya bukti rapat" in page
    holder_page = portal_client_for(mitra).get("/portal/p/mitra/deals").text
    assert "Mitra pertama punya bukti rapat" in holder_page and "CV Sinar" not in holder_page
