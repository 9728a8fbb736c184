"""The public referral form, /refer/{program_slug}: Andi (a reseller of Toko Maju) refers Citra
of PT Maju to the team — signed in to the portal, through his `?via=` code, or by typing his
own address. Errors show beside their field and write nothing; robots and floods are refused."""

import re

import pytest
from django.test import Client

from tests.portal.conftest import portal_client_for
from tests.rewards.books import make_participant, make_program
from tular.messaging.models import OutboundEmail
from tular.referrals.models import Referral
from tular.workspaces.services import workspace_get_or_create

LEAD = {
    "name": "Citra Lestari",
    "email": "citra@ptmaju.co.id",
    "phone": "0812 3456 7890",
    "company": "PT Maju",
    "notes": "Butuh 20 lisensi sebelum Maret.",
    "heard_from": "event",
    "heard_other": "",
    "consent": "on",
}


@pytest.fixture
def program(portal_workspace):
    return make_program(
        portal_workspace, slug="mitra", name="Mitra Maju", kind="reseller", sla_acknowledge_hours=8
    )


@pytest.fixture
def andi(program):
    return make_participant(program, name="Andi Wijaya", email="andi@example.com")


def anonymous(language="id") -> Client:
    return Client(headers={"Accept-Language": language})


def post(client, path, **changes):
    return client.post(path, {**LEAD, **changes})


def field_error(response, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</div>\s*</div>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", "", match[1]).strip() if match else ""


def test_signed_in_referrer_is_prefilled_and_their_lead_enters_the_pipeline(andi, program):
    client = portal_client_for(andi)
    page = client.get("/refer/mitra")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Merujuk sebagai Andi" in html
    assert 'name="referrer_email"' not in html
    assert 'name="csrfmiddlewaretoken"' in html
    # the portal's menu is there for a signed-in referrer
    assert "/portal/p/mitra/leads" in html

    response = post(client, "/refer/mitra")
    assert response.status_code == 302
    assert response["Location"] == "/refer/mitra/thanks"
    referral = Referral.objects.get()
    assert referral.participant == andi
    assert referral.intake == "portal"
    assert referral.status == "submitted"
    assert (referral.name, referral.email, referral.company) == (
        "Citra Lestari",
        "citra@ptmaju.co.id",
        "PT Maju",
    )
    assert referral.phone == "0812 3456 7890"
    assert referral.lead_notes == "Butuh 20 lisensi sebelum Maret."
    assert referral.heard_from == "Acara atau komunitas"
    assert referral.consent_at is not None

    thanks = client.get(response["Location"])
    text = thanks.content.decode()
    assert "dalam 8 jam" in text
    assert "/portal/p/mitra/leads" in text
    assert 'href="/refer/mitra"' in text
    assert "mungkin sudah" not in text  # not a duplicate


def test_via_code_names_the_referrer_with_a_not_you_link(andi, program):
    client = anonymous()
    page = client.get(f"/refer/mitra?via={andi.code}")
    html = page.content.decode()
    assert "Merujuk sebagai Andi" in html
    assert 'href="/refer/mitra?other=1"' in html
    assert 'name="referrer_email"' not in html

    response = post(client, f"/refer/mitra?via={andi.code}", via=andi.code)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.participant, referral.intake) == (andi, "form")
    thanks = client.get(response["Location"]).content.decode()
    assert f"/refer/mitra?via={andi.code}" in thanks  # "refer another" keeps the code

    # "not you?" asks who refers
    other = client.get("/refer/mitra?other=1").content.decode()
    assert "Merujuk sebagai" not in other
    assert 'name="referrer_email"' in other


def test_an_anonymous_referrer_gives_their_address(andi, program):
    client = anonymous("en")
    page = client.get("/refer/mitra")
    assert 'name="referrer_email"' in page.content.decode()
    response = post(client, "/refer/mitra", referrer_email="ANDI@example.com")
    assert response.status_code == 302
    assert Referral.objects.get().participant == andi
    thanks = client.get(response["Location"]).content.decode()
    assert "within 8 hours" in thanks
    assert "Andi" not in thanks  # an address typed in does not reveal the name behind it


def test_an_unknown_referrer_address_is_refused_beside_its_field(andi, program, portal_workspace):
    other_program = make_program(portal_workspace, slug="lain")
    make_participant(other_program, name="Budi", email="budi@example.com")
    client = anonymous("en")
    response = post(client, "/refer/mitra", referrer_email="budi@example.com")
    assert response.status_code == 422
    assert field_error(response, "referrer_email") == (
        "This address is not a referrer of this program. Use the address you joined with, "
        "or sign in to your portal."
    )
    assert "Budi" not in response.content.decode()
    assert Referral.objects.count() == 0
    # the form keeps what was typed
    html = response.content.decode()
    assert 'value="Citra Lestari"' in html
    assert 'value="budi@example.com"' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "tidak boleh kosong"),
        ({"email": "bukan-alamat"}, "email", "Masukkan alamat email yang valid."),
        ({"consent": ""}, "consent", "Centang kotak ini:"),
        ({"phone": "0" * 41}, "phone", "40"),
        ({"heard_from": "teman"}, "heard_from", "teman"),
    ],
)
def test_each_error_is_shown_beside_its_field_and_nothing_is_written(
    andi, program, changes, field, message
):
    client = portal_client_for(andi)
    response = post(client, "/refer/mitra", **changes)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert Referral.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    assert 'value="PT Maju"' in response.content.decode()


def test_the_pipeline_refuses_a_self_referral_beside_the_lead_email(andi, program):
    client = portal_client_for(andi)
    response = post(client, "/refer/mitra", email="andi@example.com")
    assert response.status_code == 422
    assert field_error(response, "email")
    assert Referral.objects.count() == 0


def test_something_else_keeps_the_words_typed(andi, program):
    client = portal_client_for(andi)
    response = post(client, "/refer/mitra", heard_from="other", heard_other="Podcast Bisnis")
    assert response.status_code == 302
    assert Referral.objects.get().heard_from == "Podcast Bisnis"


def test_a_possible_duplicate_is_accepted_and_the_referrer_told_kindly(andi, program):
    budi = make_participant(program, name="Budi", email="budi@example.com")
    assert post(portal_client_for(budi), "/refer/mitra").status_code == 302
    client = portal_client_for(andi)
    response = post(client, "/refer/mitra", email="direktur@ptmaju.co.id")
    assert response.status_code == 302
    assert Referral.objects.count() == 2
    second = Referral.objects.get(participant=andi)
    assert second.duplicate_of is not None
    thanks = client.get(response["Location"]).content.decode()
    assert "mungkin sudah" in thanks


def test_the_honeypot_shows_thanks_and_writes_nothing(andi, program):
    client = portal_client_for(andi)
    response = post(client, "/refer/mitra", website="http://spam.example")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert Referral.objects.count() == 0


def test_the_throttle_stops_a_flood_from_one_ip(andi, program):
    client = portal_client_for(andi)
    for number in range(10):
        response = post(client, "/refer/mitra", email=f"lead{number}@example.net")
        assert response.status_code == 302, number
    response = post(client, "/refer/mitra", email="lead99@example.net")
    assert response.status_code == 429
    assert "15 menit" in response.content.decode()
    assert Referral.objects.count() == 10
    # another address is not held back
    other = Client(headers={"Accept-Language": "id"}, REMOTE_ADDR="10.1.2.3")
    assert post(other, "/refer/mitra", referrer_email="andi@example.com").status_code == 302


def test_probing_referrer_addresses_counts_against_the_throttle(andi, program):
    client = anonymous()
    for number in range(10):
        response = post(client, "/refer/mitra", referrer_email=f"x{number}@example.com")
        assert response.status_code == 422
    response = post(client, "/refer/mitra", referrer_email="andi@example.com")
    assert response.status_code == 429
    assert Referral.objects.count() == 0


def test_field_errors_do_not_count_against_the_throttle(andi, program):
    client = portal_client_for(andi)
    for _ in range(12):
        assert post(client, "/refer/mitra", consent="").status_code == 422
    assert post(client, "/refer/mitra").status_code == 302


def test_csrf_is_checked(andi, program):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/refer/mitra", {**LEAD, "referrer_email": "andi@example.com"})
    assert response.status_code == 403
    assert Referral.objects.count() == 0


def test_unknown_and_archived_programs_are_not_found(andi, program, portal_workspace):
    client = anonymous()
    assert client.get("/refer/tidak-ada").status_code == 404
    program.status = "archived"
    program.save()
    assert client.get("/refer/mitra").status_code == 404
    assert post(client, "/refer/mitra", referrer_email="andi@example.com").status_code == 404
    assert Referral.objects.count() == 0


def test_a_signed_in_person_of_another_workspace_is_asked_who_they_are(andi, program):
    elsewhere, _ = workspace_get_or_create(slug="lain", name="Lain")
    stranger = make_participant(make_program(elsewhere, slug="mitra"), name="Sari")
    client = portal_client_for(stranger)
    page = client.get(f"/refer/mitra?via={andi.code}").content.decode()
    assert "Merujuk sebagai Andi" in page  # the code names its program
    page = client.get("/refer/mitra").content.decode()
    assert "Merujuk sebagai Sari" in page  # the session's own workspace wins


def test_the_thanks_page_needs_a_lead_first(program):
    response = anonymous().get("/refer/mitra/thanks")
    assert response.status_code == 302
    assert response["Location"] == "/refer/mitra"


def test_the_language_can_be_switched(andi, program):
    client = anonymous("id")
    response = client.get("/refer/mitra?lang=en")
    assert response.status_code == 302
    assert "Refer a lead" in client.get("/refer/mitra").content.decode()
