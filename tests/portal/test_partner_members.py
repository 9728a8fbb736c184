"""A partner is an organisation: its members sign in to the partner's portal with their own
addresses (the same form, throttles and answer as everyone), see it with their own name, and a
removed member's session shows nothing of the partner any more."""

import pytest
from django.test import Client

from tests.partners.conftest import RESELLER_BODY
from tests.portal.test_signin import ask, link_in, path_of, sign_in_emails
from tular.messaging.models import OutboundEmail
from tular.participants.services import participant_enrol
from tular.partners.profiles import member_add, member_invite, member_remove, partner_profile_save
from tular.portal.access import SESSION_KEY
from tular.programs.services import program_create, program_validate


@pytest.fixture
def reseller(portal_workspace):
    return program_create(workspace=portal_workspace, config=program_validate(RESELLER_BODY))


@pytest.fixture
def mitra(reseller):
    participant, _ = participant_enrol(
        program=reseller, email="owner@mitra.example", name="PT Mitra Jaya", kind="partner"
    )
    profile = partner_profile_save(
        participant=participant, legal_name="PT Mitra Jaya Abadi", partner_type="reseller"
    )
    member_add(profile=profile, name="Rina", email="owner@mitra.example", role="owner")
    return participant


@pytest.fixture
def dedi(mitra):
    return member_add(profile=mitra.partner_profile, name="Dedi Kurnia", email="dedi@mitra.example")


def sign_in_by_link(client, email):
    response = ask(client, email, w="toko")
    assert response["Location"] == "/portal/sign-in/sent?w=toko"
    url, _token = link_in(sign_in_emails()[-1].body_text)
    signed = client.post(path_of(url))
    assert signed.status_code == 302
    return signed


def test_a_member_signs_in_with_their_own_address_and_sees_the_partners_portal(dedi, mitra):
    client = Client(headers={"Accept-Language": "id"})
    sign_in_by_link(client, "Dedi@Mitra.example")
    [email] = sign_in_emails()
    assert email.to == "dedi@mitra.example"
    assert client.session[SESSION_KEY]["email"] == "dedi@mitra.example"
    # the partner's one program opens, with the partner's link and the member's own name
    assert client.get("/portal/")["Location"] == "/portal/p/mitra/"
    page = client.get("/portal/p/mitra/")
    assert page.status_code == 200
    assert mitra.code in page.text
    assert "Dedi Kurnia untuk PT Mitra Jaya" in page.text


def test_a_removed_member_cannot_sign_in_nor_use_an_open_session(dedi, mitra):
    client = Client(headers={"Accept-Language": "id"})
    sign_in_by_link(client, "dedi@mitra.example")
    assert client.get("/portal/p/mitra/").status_code == 200
    member_remove(member=dedi)
    # the open session shows nothing of the partner any more
    assert client.get("/portal/p/mitra/").status_code == 404
    assert "PT Mitra Jaya" not in client.get("/portal/").text
    # and asking again gets the same answer as anyone, but no e-mail
    stranger = Client(headers={"Accept-Language": "id"})
    response = ask(stranger, "dedi@mitra.example", w="toko")
    assert response["Location"] == "/portal/sign-in/sent?w=toko"
    assert len(sign_in_emails()) == 1


def test_members_get_the_same_answer_and_the_same_throttle(dedi):
    client = Client(headers={"Accept-Language": "id"})
    known = ask(client, "dedi@mitra.example", w="toko")
    unknown = ask(client, "nobody@mitra.example", w="toko")
    assert known["Location"] == unknown["Location"]
    for _ in range(3):
        ask(client, "dedi@mitra.example", w="toko")
    # three requests per address within the window: the fourth and fifth send nothing
    assert len([e for e in sign_in_emails() if e.to == "dedi@mitra.example"]) == 3


def test_invite_sends_the_member_a_link_that_opens_the_partners_portal(dedi, mitra):
    member_invite(member=dedi, base_url="http://testserver")
    dedi.refresh_from_db()
    assert dedi.invited_at is not None
    invitation = OutboundEmail.objects.get(kind="portal_invitation")
    assert invitation.to == "dedi@mitra.example"
    url, _token = link_in(invitation.body_text)
    client = Client(headers={"Accept-Language": "id"})
    assert client.post(path_of(url))["Location"] == "/portal/p/mitra/"
    assert client.get("/portal/p/mitra/").status_code == 200
