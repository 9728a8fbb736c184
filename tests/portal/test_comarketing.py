"""A partner's co-marketing page in the portal: its activities with each link, code and
figures (from real tracked events); the menu shows it to partners of partner programs only."""

from datetime import date

import pytest

from tests.partners.conftest import RESELLER_BODY
from tests.portal.conftest import portal_client_for
from tular.participants.services import participant_enrol
from tular.partners.comarketing import activity_create
from tular.programs.services import program_create, program_validate
from tular.referrals import services as use_cases


@pytest.fixture
def reseller(portal_workspace):
    return program_create(workspace=portal_workspace, config=program_validate(RESELLER_BODY))


@pytest.fixture
def mitra(reseller):
    participant, _ = participant_enrol(
        program=reseller, email="owner@mitra.example", name="PT Mitra", kind="partner"
    )
    return participant


def test_a_partner_sees_its_activities_with_links_and_figures(
    client, portal_workspace, reseller, mitra
):
    other, _ = participant_enrol(
        program=reseller, email="b@lain.example", name="Lain", kind="partner"
    )
    mine = activity_create(
        participant=mitra, kind="webinar", title="Webinar Toko Online", starts_on=date(2026, 11, 1)
    )
    activity_create(
        participant=other, kind="event", title="Acara orang lain", starts_on=date(2026, 11, 1)
    )
    location = client.get(f"/r/{mine.link.code}")["Location"]
    use_cases.track_signup(
        workspace=portal_workspace,
        event_id="s1",
        customer_external_id="c1",
        email="c1@pelanggan.example",
        click_id=location.split("tular_click=")[1],
    )
    use_cases.track_sale(
        workspace=portal_workspace,
        event_id="p1",
        customer_external_id="c1",
        amount=200_000_00,
        currency="IDR",
    )
    portal = portal_client_for(mitra)
    home = portal.get("/portal/p/mitra/").text
    assert 'href="/portal/p/mitra/co-marketing"' in home
    page = portal.get("/portal/p/mitra/co-marketing")
    assert page.status_code == 200
    text = page.text
    assert "Webinar Toko Online" in text and "Acara orang lain" not in text
    assert f"/r/{mine.link.code}" in text and mine.link.code in text
    assert "Rp200.000" in text and "Rp20.000" in text  # revenue; the partner's 10 %
    assert 'data-copy="' in text


def test_only_partners_of_partner_programs(portal_program):
    friend, _ = participant_enrol(program=portal_program, email="teman@contoh.example")
    client = portal_client_for(friend)
    assert client.get(f"/portal/p/{portal_program.slug}/co-marketing").status_code == 404
    assert "/co-marketing" not in client.get(f"/portal/p/{portal_program.slug}/").text


def test_an_empty_page_says_what_comes(reseller, mitra):
    page = portal_client_for(mitra).get("/portal/p/mitra/co-marketing")
    assert page.status_code == 200
    assert "Belum ada kegiatan bersama." in page.text
