"""Support in the partner's portal: open a ticket, read the thread (never the team's internal
notes), reply, close; another partner's ticket is a 404; non-partners have no Support page."""

import pytest

from tests.portal.conftest import portal_client_for
from tests.support.conftest import open_ticket
from tular.messaging.models import OutboundEmail
from tular.participants.services import participant_enrol
from tular.partners.profiles import member_add, partner_profile_save
from tular.portal.access import SESSION_KEY
from tular.support.models import Ticket
from tular.support.services import ticket_reply
from tular.workspaces.audit import Actor


def test_a_partner_opens_a_ticket_and_the_team_is_told(sinar_portal, sinar, manager):
    page = sinar_portal.get("/portal/p/mitra/support")
    assert page.status_code == 200
    assert "Ajukan pertanyaan" in page.text
    assert 'href="/portal/p/mitra/support"' in page.text  # in the menu
    response = sinar_portal.post(
        "/portal/p/mitra/support",
        {"subject": "Materi promosi", "category": "marketing", "body": "Ada logo versi PNG?"},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/p/mitra/support/{ticket.pk}"
    assert (ticket.participant, ticket.category, ticket.status) == (sinar, "marketing", "new")
    assert [e.to for e in OutboundEmail.objects.all()] == ["rina@toko.example"]
    thread = sinar_portal.get(response["Location"])
    assert "Tiket Anda terkirim" in thread.text
    assert "Ada logo versi PNG?" in thread.text
    assert "terkirim" in thread.text  # the status, as the partner reads it
    listed = sinar_portal.get("/portal/p/mitra/support")
    assert "Materi promosi" in listed.text


def test_empty_and_overlong_input_is_shown_beside_the_field(sinar_portal, sinar):
    response = sinar_portal.post(
        "/portal/p/mitra/support", {"subject": "  ", "category": "other", "body": "Halo"}
    )
    assert response.status_code == 422
    assert "Tulis subjek" in response.text
    response = sinar_portal.post(
        "/portal/p/mitra/support",
        {"subject": "Panjang", "category": "other", "body": "x" * 10_001},
    )
    assert response.status_code == 422
    assert "10001" in response.text  # Django's own limit message, with the length
    assert not Ticket.objects.exists()


def test_the_thread_hides_internal_notes_and_the_partner_replies_and_closes(
    sinar_portal, sinar, manager, frozen_clock
):
    ticket = open_ticket(sinar)
    ticket_reply(
        ticket=ticket,
        body="RAHASIA: payout gagal karena rekening salah",
        actor=Actor.for_user(manager),
        internal=True,
    )
    ticket_reply(
        ticket=ticket,
        body="Komisi masuk di pembayaran berikutnya.",
        actor=Actor.for_user(manager),
        author_name="Rina",
    )
    url = f"/portal/p/mitra/support/{ticket.pk}"
    page = sinar_portal.get(url)
    assert "Komisi masuk di pembayaran berikutnya." in page.text
    assert "Rina" in page.text
    assert "RAHASIA" not in page.text
    assert "sudah dijawab" in page.text
    frozen_clock.advance(hours=1)
    response = sinar_portal.post(url, {"body": "Terima kasih, kami tunggu."})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_us"
    assert "RAHASIA" not in sinar_portal.get(url).text
    sinar_portal.post(f"{url}/close")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_by == "PT Sinar (lewat portal)"
    assert "Tiket ini sudah ditutup" in sinar_portal.get(url).text


def test_another_partners_ticket_is_a_404(sinar, cahaya_portal):
    ticket = open_ticket(sinar)
    url = f"/portal/p/mitra/support/{ticket.pk}"
    assert cahaya_portal.get(url).status_code == 404
    assert cahaya_portal.post(url, {"body": "Saya ikut"}).status_code == 404
    assert cahaya_portal.post(f"{url}/close").status_code == 404
    assert "Komisi bulan April" not in cahaya_portal.get("/portal/p/mitra/support").text
    assert ticket.messages.count() == 1
    Ticket.objects.get(status="new")


def test_a_member_of_the_partner_opens_it_and_answers_go_to_the_member(sinar, manager):
    partner_profile_save(participant=sinar, legal_name="PT Sinar", partner_type="reseller")
    member_add(profile=sinar.partner_profile, name="Dedi", email="dedi@sinar.example")
    from django.test import Client

    client = Client(headers={"Accept-Language": "id"})
    session = client.session
    session[SESSION_KEY] = {"workspace": sinar.workspace_id, "email": "dedi@sinar.example"}
    session.save()
    client.post(
        "/portal/p/mitra/support",
        {"subject": "Akses", "category": "technical", "body": "Tidak bisa masuk dashboard."},
    )
    ticket = Ticket.objects.get()
    assert (ticket.contact_name, ticket.contact_email) == ("Dedi", "dedi@sinar.example")
    assert ticket.messages.get().author_name == "Dedi"
    ticket_reply(ticket=ticket, body="Coba lagi sekarang.", actor=Actor.for_user(manager))
    assert OutboundEmail.objects.filter(to="dedi@sinar.example").count() == 1


@pytest.mark.parametrize("path", ["/portal/p/hadiah/support"])
def test_a_customer_referrer_has_no_support_page(workspace, path):
    from tests.rewards.books import make_participant, make_program

    program = make_program(workspace, slug="hadiah")
    andi = make_participant(program, name="Andi", email="andi@example.com")
    client = portal_client_for(andi)
    assert client.get(path).status_code == 404
    assert "/support" not in client.get("/portal/p/hadiah/").text


def test_a_customer_enrolled_in_a_partner_program_has_none_either(program):
    friend, _ = participant_enrol(program=program, email="teman@example.com", kind="customer")
    assert portal_client_for(friend).get("/portal/p/mitra/support").status_code == 404
