"""/api/v1/partners/{id}/members (add and invite, list, invite again, remove) and
/api/v1/partner-performance."""

import pytest

from tests.helpers import assert_problem
from tests.partners.conftest import RESELLER_BODY
from tular.messaging.models import OutboundEmail
from tular.participants.services import participant_enrol
from tular.partners.models import PartnerMember
from tular.partners.profiles import partner_profile_save
from tular.portal.access import member_accounts
from tular.programs.services import program_create, program_validate


@pytest.fixture
def reseller_program(workspace):
    return program_create(workspace=workspace, config=program_validate(RESELLER_BODY))


@pytest.fixture
def partner(reseller_program):
    participant, _created = participant_enrol(
        program=reseller_program, email="owner@mitra.example", name="PT Mitra Jaya", kind="partner"
    )
    partner_profile_save(
        participant=participant, legal_name="PT Mitra Jaya Abadi", partner_type="reseller"
    )
    return participant


def test_a_member_is_added_invited_and_can_sign_in(api, partner):
    response = api.post(
        f"/api/v1/partners/{partner.pk}/members",
        {"name": "Dedi Kurniawan", "email": "Dedi@Mitra.example"},
    )
    assert response.status_code == 201, response.content
    member = response.json()
    assert (member["name"], member["role"], member["partner_id"]) == (
        "Dedi Kurniawan",
        "member",
        str(partner.pk),
    )
    assert member["invited_at"] is not None
    invitation = OutboundEmail.objects.get(to__iexact="dedi@mitra.example")
    assert "/portal/link/" in invitation.body_text
    [(_to, partners)] = member_accounts(email_normalised="dedi@mitra.example").values()
    assert [p.pk for p in partners] == [partner.pk]
    listed = api.get(f"/api/v1/partners/{partner.pk}/members").json()
    assert [m["email"] for m in listed] == ["Dedi@Mitra.example"]


def test_bad_members_are_problems_and_change_nothing(api, partner, reseller_program):
    url = f"/api/v1/partners/{partner.pk}/members"
    api.post(url, {"name": "Dedi", "email": "dedi@mitra.example", "invite": False})
    assert_problem(api.post(url, {"name": "Dedi", "email": "DEDI@mitra.example"}), 409)
    assert_problem(api.post(url, {"name": "X", "email": "not-an-address"}), 422)
    assert_problem(api.post(url, {"name": "", "email": "x@mitra.example"}), 422)
    assert_problem(api.post(url, {"name": "X", "email": "x@mitra.example", "role": "boss"}), 422)
    assert_problem(
        api.post(
            "/api/v1/partners/00000000-0000-0000-0000-000000000000/members",
            {"name": "A", "email": "a@b.example"},
        ),
        404,
    )
    customer, _ = participant_enrol(
        program=reseller_program, email="c@example.com", name="C", kind="customer"
    )
    assert_problem(
        api.post(f"/api/v1/partners/{customer.pk}/members", {"name": "A", "email": "a@b.example"}),
        404,
    )
    assert PartnerMember.objects.count() == 1
    assert not OutboundEmail.objects.exists()


def test_invite_again_and_remove(api, partner):
    url = f"/api/v1/partners/{partner.pk}/members"
    owner = api.post(
        url, {"name": "Owner", "email": "o@mitra.example", "role": "owner", "invite": False}
    ).json()
    other = api.post(url, {"name": "Rina", "email": "rina@mitra.example", "invite": False}).json()
    assert other["invited_at"] is None
    again = api.post(f"{url}/{other['id']}/invite")
    assert again.status_code == 200 and again.json()["invited_at"]
    assert api.request("DELETE", f"{url}/{other['id']}").status_code == 204
    assert_problem(api.request("DELETE", f"{url}/{other['id']}"), 404)
    assert_problem(api.request("DELETE", f"{url}/{owner['id']}"), 409)  # the last owner stays
    assert member_accounts(email_normalised="rina@mitra.example") == {}


def test_partner_performance_for_a_period(api, partner, reseller_program):
    from tests.deals.conftest import register
    from tular.deals.models import Deal
    from tular.referrals.deals import deal_close

    won = register(reseller_program, partner, domain="maju.co.id").deal
    lost = register(reseller_program, partner, domain="lain.co.id", contact_email="a@lain.co.id")
    deal_close(deal=won, status="won", value=10_000_000_000)
    deal_close(deal=Deal.objects.get(pk=lost.deal.pk), status="lost")
    body = api.get("/api/v1/partner-performance?program=mitra").json()
    assert body["currency"] == "IDR" and body["revenue"] == 10_000_000_000
    [row] = body["partners"]
    assert (row["partner_id"], row["won"], row["lost"], row["win_rate"]) == (
        str(partner.pk),
        1,
        1,
        0.5,
    )
    assert body["top_share"] == 1.0
    assert_problem(api.get("/api/v1/partner-performance?program=nope"), 404)
    assert_problem(
        api.get("/api/v1/partner-performance?program=mitra&from=2026-05-02&to=2026-05-01"), 422
    )
