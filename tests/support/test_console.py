"""The console's support inbox and ticket page: unanswered first with their age, filters,
reply / internal note / close / assign through the same services as the API; viewers read
only; another workspace's ticket is a 404."""

from tests.console.conftest import client_for, make_member
from tests.support.conftest import open_ticket
from tular.messaging.models import OutboundEmail
from tular.support.models import Ticket, TicketMessage
from tular.support.services import ticket_reply
from tular.workspaces.audit import Actor
from tular.workspaces.services import workspace_get_or_create


def test_the_inbox_lists_the_longest_waiting_first_with_its_age(
    manager_client, manager, sinar, cahaya, frozen_clock
):
    old = open_ticket(sinar, subject="Pertanyaan lama")
    frozen_clock.advance(hours=5)
    answered = open_ticket(cahaya, subject="Sudah dijawab")
    ticket_reply(ticket=answered, body="Ini jawabannya.", actor=Actor.for_user(manager))
    frozen_clock.advance(hours=1)
    new = open_ticket(cahaya, subject="Pertanyaan baru")
    page = manager_client.get("/console/support/").text
    assert page.index("Pertanyaan lama") < page.index("Pertanyaan baru")
    assert "Sudah dijawab" not in page  # waits on the partner: another tab
    assert "6\xa0jam" in page  # the old one's age
    assert 'href="/console/support/"' in page  # in the menu
    everything = manager_client.get("/console/support/?tab=all").text
    assert "Sudah dijawab" in everything
    waiting = manager_client.get("/console/support/?tab=waiting_on_partner").text
    assert "Sudah dijawab" in waiting and "Pertanyaan lama" not in waiting
    assert old.pk and new.pk


def test_filters_by_program_and_assignee(manager_client, manager, sinar, cahaya):
    mine = open_ticket(sinar, subject="Punya saya")
    open_ticket(cahaya, subject="Belum ada yang pegang")
    manager_client.post(f"/console/support/{mine.pk}/assign", {"assignee": str(manager.pk)})
    only_mine = manager_client.get("/console/support/?assignee=me").text
    assert "Punya saya" in only_mine and "Belum ada yang pegang" not in only_mine
    nobody = manager_client.get("/console/support/?assignee=none").text
    assert "Punya saya" not in nobody and "Belum ada yang pegang" in nobody
    assert "Punya saya" not in manager_client.get("/console/support/?program=lain").text


def test_reply_note_assign_and_close_from_the_ticket_page(
    manager_client, manager, owner, sinar, frozen_clock
):
    ticket = open_ticket(sinar)
    url = f"/console/support/{ticket.pk}/"
    page = manager_client.get(url).text
    assert "komisi untuk deal PT Maju" in page
    response = manager_client.post(
        f"{url}reply", {"body": "Catatan untuk tim saja", "internal": "on"}
    )
    assert response.status_code == 302
    note = TicketMessage.objects.get(internal=True)
    assert note.author_user == manager
    assert not OutboundEmail.objects.filter(to=sinar.email).exists()
    assert "catatan internal" in manager_client.get(url).text
    manager_client.post(f"{url}reply", {"body": "Sudah kami proses.", "close": "on"})
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    [to_partner] = OutboundEmail.objects.filter(to=sinar.email)
    assert "Sudah kami proses." in to_partner.body_text
    assert "Catatan untuk tim saja" not in to_partner.body_text
    assert TicketMessage.objects.get(body="Sudah kami proses.").author_name == "Rina"
    manager_client.post(f"{url}reopen")
    manager_client.post(f"{url}assign", {"assignee": str(owner.pk), "priority": "high"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.priority) == (
        "waiting_on_partner",
        owner,
        "high",
    )
    assert OutboundEmail.objects.filter(to=owner.email, subject__startswith="Ditugaskan").exists()
    manager_client.post(f"{url}close")
    assert Ticket.objects.get().status == "closed"


def test_an_empty_reply_is_refused_on_the_page_keeping_nothing(manager_client, sinar):
    ticket = open_ticket(sinar)
    response = manager_client.post(f"/console/support/{ticket.pk}/reply", {"body": "  "})
    assert response.status_code == 422
    assert "Tulis pesan." in response.text
    assert ticket.messages.count() == 1


def test_viewers_read_but_do_not_answer(viewer_client, sinar):
    ticket = open_ticket(sinar)
    page = viewer_client.get(f"/console/support/{ticket.pk}/")
    assert page.status_code == 200 and "reply-body" not in page.text
    response = viewer_client.post(f"/console/support/{ticket.pk}/reply", {"body": "Halo"})
    assert response.status_code == 403
    assert ticket.messages.count() == 1


def test_another_workspaces_ticket_is_a_404(sinar, db):
    other = workspace_get_or_create(slug="lain", name="Usaha Lain")[0]
    outsider = client_for(make_member(other, "owner@lain.example", "owner"))
    ticket = open_ticket(sinar)
    assert outsider.get(f"/console/support/{ticket.pk}/").status_code == 404
    assert outsider.post(f"/console/support/{ticket.pk}/close").status_code == 404
    assert "Komisi bulan April" not in outsider.get("/console/support/?tab=all").text
