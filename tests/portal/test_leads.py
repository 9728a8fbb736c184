"""A referrer's leads in the portal ("Prospek saya"): Andi sees the leads he submitted, where each
stands, its steps with the reason of a lost one, and the rewards they earned him — never
someone else's leads, the team's notes, the reasons of other steps or who on the team moved it."""

import pytest

from tests.portal.conftest import portal_client_for
from tests.rewards.books import make_participant, make_program, make_referral
from tular.referrals.pipeline import referral_move, referral_note_add, referral_submit
from tular.workspaces.audit import Actor

RULES = [
    {"trigger": "qualified", "recipient": "referrer", "kind": "perk", "perk": "Akses beta"},
    {"trigger": "won", "recipient": "referrer", "kind": "fixed", "amount": 750_000_000},
]
TEAM = Actor(label="Sari (tim penjualan)")


@pytest.fixture
def program(portal_workspace):
    return make_program(portal_workspace, slug="mitra", kind="reseller", rules=RULES)


@pytest.fixture
def andi(program):
    return make_participant(program, name="Andi", email="andi@example.com")


def submit(referrer, name, email, **extra):
    return referral_submit(referrer=referrer, name=name, email=email, consent=True, **extra)


def walk(referral, *steps, **last):
    for step in steps:
        referral_move(
            referral=referral, status=step, actor=TEAM, **(last if step == steps[-1] else {})
        )


def test_the_leads_page_shows_status_steps_reason_and_rewards(andi, program):
    citra = submit(andi, "Citra", "citra@ptmaju.co.id", company="PT Maju")
    walk(citra, "acknowledged", "contacted", "qualified", "won")
    dodi = submit(andi, "Dodi", "dodi@cvjaya.co.id")
    walk(dodi, "acknowledged")
    referral_move(referral=dodi, status="dark", reason="tiga kali ditelepon", actor=TEAM)
    referral_move(referral=dodi, status="contacted", reopen=True, reason="dibuka lagi", actor=TEAM)
    referral_move(referral=dodi, status="lost", reason="Belum ada anggaran.", actor=TEAM)
    referral_note_add(referral=citra, body="Catatan rahasia tim: diskon 30%", actor=TEAM)

    response = portal_client_for(andi).get("/portal/p/mitra/leads")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prospek saya" in html
    assert 'href="/refer/mitra"' in html
    assert "Anda sudah merujuk 2 prospek" in html
    # Citra: won, its steps in order, the perk and the money it earned
    citra_html = html.split(f'data-lead="{citra.pk}"')[1].split("</li>\n  \n")[0]
    assert "PT Maju" in citra_html
    assert "berhasil" in citra_html
    steps = [
        "Anda merujuk mereka",
        "Tim kami menerima prospek ini",
        "Kami sudah menghubungi mereka",
        "Cocok: memenuhi syarat",
        "Kesepakatan berhasil",
    ]
    positions = [citra_html.index(step) for step in steps[:4]]
    assert positions == sorted(positions)
    assert "Akses beta" in citra_html
    assert "Rp7.500.000" in citra_html
    # Dodi: lost with the reason the referrer was told; the other steps' reasons stay inside
    dodi_html = html.split(f'data-lead="{dodi.pk}"')[1]
    assert "belum cocok" in dodi_html
    assert "Alasannya: Belum ada anggaran." in dodi_html
    assert "diproses kembali" in dodi_html
    assert "tiga kali ditelepon" not in html
    assert "dibuka lagi" not in html
    # the team stays out of it
    assert "Catatan rahasia" not in html
    assert "Sari (tim penjualan)" not in html


def test_only_the_referrers_own_leads_are_listed(andi, program):
    budi = make_participant(program, name="Budi", email="budi@example.com")
    submit(budi, "Rahasia Budi", "x@rahasia.co.id")
    submit(andi, "Citra", "citra@ptmaju.co.id")
    html = portal_client_for(andi).get("/portal/p/mitra/leads").content.decode()
    assert "Citra" in html
    assert "Rahasia Budi" not in html


def test_a_tracked_sign_up_is_not_a_lead(andi, program):
    make_referral(program, andi)
    html = portal_client_for(andi).get("/portal/p/mitra/leads").content.decode()
    assert "Belum ada prospek" in html


def test_the_empty_state_explains_the_pipeline_and_links_to_the_form(andi):
    andi.locale = "en"
    andi.save(update_fields=["locale"])
    response = portal_client_for(andi, "en").get("/portal/p/mitra/leads")
    html = response.content.decode()
    assert "No leads yet" in html
    assert "our team gets in touch" in html
    assert 'href="/refer/mitra"' in html


def test_the_page_needs_a_session_and_the_program(andi, program, anonymous_portal_client):
    response = anonymous_portal_client.get("/portal/p/mitra/leads")
    assert response.status_code == 302
    assert "/portal/sign-in" in response["Location"]
    assert portal_client_for(andi).get("/portal/p/lain/leads").status_code == 404


def test_the_menu_shows_my_leads_for_b2b_programs_and_for_referrers_with_leads(
    andi, program, portal_workspace
):
    customers = make_program(portal_workspace, slug="teman", kind="customer")
    rina = make_participant(customers, name="Rina", email="rina@example.com")

    def labels(participant):
        client = portal_client_for(participant)
        html = client.get(f"/portal/p/{participant.program.slug}/rules").content.decode()
        return "Prospek saya" in html

    assert labels(andi)  # a reseller program: always
    assert not labels(rina)  # a customer program without leads: not
    submit(rina, "Tono", "tono@tokotono.co.id")
    assert labels(rina)  # once she has sent one


def test_the_share_page_of_a_b2b_program_leads_to_the_form(andi, program, portal_workspace):
    html = portal_client_for(andi).get("/portal/p/mitra/").content.decode()
    assert 'href="/refer/mitra"' in html
    assert "Kenal usaha yang membutuhkan kami?" in html
    customers = make_program(portal_workspace, slug="teman", kind="customer")
    rina = make_participant(customers, name="Rina", email="rina@example.com")
    html = portal_client_for(rina).get("/portal/p/teman/").content.decode()
    assert "/refer/teman" not in html
