"""The ticket services: statuses follow whose turn it is, every change is audited, e-mail
goes to the right people in their language, bad input is refused with its field."""

import pytest
from django.utils import translation

from tests.support.conftest import open_ticket
from tular.core.errors import Conflict, Invalid, NotFound
from tular.messaging.models import OutboundEmail
from tular.support.models import BODY_MAX, SUBJECT_MAX, Ticket, TicketMessage
from tular.support.services import (
    ticket_assign,
    ticket_close,
    ticket_reopen,
    ticket_reply,
    ticket_set_priority,
    tickets_filter,
    visible_messages,
)
from tular.workspaces.audit import Actor, audit_list


def mails_to(address):
    return list(OutboundEmail.objects.filter(to=address).order_by("pk"))


def test_opening_a_ticket_tells_the_owners_and_managers_not_the_viewer(
    sinar, owner, manager, viewer, frozen_clock
):
    ticket = open_ticket(sinar)
    assert ticket.status == "new"
    assert ticket.waiting_since == frozen_clock.now
    assert ticket.contact_email == "mitra_sinar@mitra.example"
    [message] = ticket.messages.all()
    assert (message.side, message.author_participant, message.author_name) == (
        "partner",
        sinar,
        "PT Sinar",
    )
    told = sorted(email.to for email in OutboundEmail.objects.all())
    assert told == ["owner@toko.example", "rina@toko.example"]
    [to_rina] = mails_to("rina@toko.example")
    assert to_rina.language == "id"
    assert to_rina.subject == "Tiket dukungan baru dari PT Sinar: Komisi bulan April belum masuk"
    assert "komisi untuk deal PT Maju" in to_rina.body_text
    assert f"/console/support/{ticket.pk}/" in to_rina.body_text
    [entry] = audit_list(workspace=ticket.workspace, target=ticket)
    assert entry.action == "ticket.open" and entry.actor == "PT Sinar (portal)"


def test_a_staff_reply_waits_on_the_partner_and_mails_the_partner_in_their_language(
    sinar, manager, frozen_clock
):
    sinar.locale = "en"
    sinar.save()
    ticket = open_ticket(sinar, contact_name="Dedi", contact_email="dedi@sinar.example")
    frozen_clock.advance(hours=3)
    ticket_reply(
        ticket=ticket,
        body="Sudah kami cek: komisinya masuk di pembayaran 1 Juni.",
        actor=Actor.for_user(manager),
        author_name="Rina",
    )
    assert ticket.status == "waiting_on_partner"
    assert ticket.waiting_since is None
    assert ticket.last_message_at == frozen_clock.now
    [to_dedi] = mails_to("dedi@sinar.example")
    assert to_dedi.language == "en"
    assert to_dedi.subject == "New reply: Komisi bulan April belum masuk"
    assert "Rina of the Mitra Toko Andalan team answered" in to_dedi.body_text
    assert "komisinya masuk di pembayaran 1 Juni" in to_dedi.body_text
    assert f"/portal/p/mitra/support/{ticket.pk}" in to_dedi.body_text
    team = TicketMessage.objects.get(ticket=ticket, side="team")
    assert team.author_user == manager and team.author_participant is None


def test_the_partner_replying_moves_it_back_to_us_and_tells_only_the_assignee(
    sinar, owner, manager, frozen_clock
):
    ticket = open_ticket(sinar)
    ticket_assign(ticket=ticket, assignee=manager, actor=Actor.for_user(owner))
    [assigned] = mails_to("rina@toko.example")[1:]
    assert assigned.subject == "Ditugaskan kepada Anda: Komisi bulan April belum masuk"
    ticket_reply(ticket=ticket, body="Cek dulu ya.", actor=Actor.for_user(manager))
    OutboundEmail.objects.all().delete()
    frozen_clock.advance(days=1)
    ticket_reply(ticket=ticket, body="Masih belum ada.", actor=Actor(label="x"), partner=sinar)
    assert ticket.status == "waiting_on_us"
    assert ticket.waiting_since == frozen_clock.now
    assert [email.to for email in OutboundEmail.objects.all()] == ["rina@toko.example"]
    assert OutboundEmail.objects.get().subject == (
        "PT Sinar membalas: Komisi bulan April belum masuk"
    )


def test_an_assignee_who_left_the_team_hands_the_mail_back_to_everyone(
    sinar, owner, manager, frozen_clock
):
    ticket = open_ticket(sinar)
    ticket_assign(ticket=ticket, assignee=manager, actor=Actor.for_user(owner))
    manager.memberships.all().delete()
    OutboundEmail.objects.all().delete()
    ticket_reply(ticket=ticket, body="Ada kabar?", actor=Actor(label="x"), partner=sinar)
    assert [email.to for email in OutboundEmail.objects.all()] == ["owner@toko.example"]


def test_internal_notes_change_nothing_the_partner_sees(sinar, manager, frozen_clock):
    ticket = open_ticket(sinar)
    before = ticket.last_message_at
    OutboundEmail.objects.all().delete()
    frozen_clock.advance(minutes=5)
    ticket_reply(
        ticket=ticket,
        body="Catatan: payout April gagal di bank.",
        actor=Actor.for_user(manager),
        internal=True,
    )
    assert ticket.status == "new" and ticket.last_message_at == before
    assert not OutboundEmail.objects.exists()
    partner_view = [m.body for m in visible_messages(ticket, for_partner=True)]
    team_view = [m.body for m in visible_messages(ticket, for_partner=False)]
    assert "Catatan: payout April gagal di bank." not in partner_view
    assert "Catatan: payout April gagal di bank." in team_view
    with pytest.raises(Invalid):
        ticket_reply(ticket=ticket, body="x", actor=Actor(label="x"), partner=sinar, internal=True)


def test_close_reopen_and_the_partner_writing_on_a_closed_ticket(sinar, manager, frozen_clock):
    ticket = open_ticket(sinar)
    ticket_reply(ticket=ticket, body="Beres.", actor=Actor.for_user(manager), close=True)
    assert ticket.status == "closed" and ticket.closed_at == frozen_clock.now
    assert ticket.closed_by == "rina@toko.example"
    assert "Dijawab dan ditutup" in mails_to(sinar.email)[-1].subject
    with pytest.raises(Conflict):
        ticket_close(ticket=ticket, actor=Actor.for_user(manager))
    ticket_reopen(ticket=ticket, actor=Actor.for_user(manager))
    assert ticket.status == "waiting_on_partner" and ticket.closed_at is None
    with pytest.raises(Conflict):
        ticket_reopen(ticket=ticket, actor=Actor.for_user(manager))
    ticket_close(ticket=ticket, actor=Actor(label="PT Sinar (portal)"), partner=sinar)
    assert ticket.status == "closed"
    frozen_clock.advance(days=2)
    ticket_reply(ticket=ticket, body="Eh, ada lagi.", actor=Actor(label="x"), partner=sinar)
    assert ticket.status == "waiting_on_us" and ticket.closed_at is None
    assert ticket.waiting_since == frozen_clock.now
    actions = [entry.action for entry in audit_list(workspace=ticket.workspace, target=ticket)]
    assert actions == [
        "ticket.reopen",
        "ticket.close",
        "ticket.reopen",
        "ticket.reply",
        "ticket.open",
    ]


def test_another_partner_cannot_write_on_or_close_a_ticket(sinar, cahaya):
    ticket = open_ticket(sinar)
    with pytest.raises(NotFound):
        ticket_reply(ticket=ticket, body="Halo", actor=Actor(label="x"), partner=cahaya)
    with pytest.raises(NotFound):
        ticket_close(ticket=ticket, actor=Actor(label="x"), partner=cahaya)
    assert TicketMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"subject": "   "}, "subject", "subjek"),
        ({"subject": "x" * (SUBJECT_MAX + 1)}, "subject", str(SUBJECT_MAX)),
        ({"body": ""}, "body", "Tulis pesan"),
        ({"body": "x" * (BODY_MAX + 1)}, "body", str(BODY_MAX)),
        ({"body": "a\x00b"}, "body", "kontrol"),
        ({"category": "gossip"}, "category", "deals"),
        ({"priority": "asap"}, "priority", "urgent"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_leaves_nothing(sinar, changes, field, words):
    values = {"subject": "Pertanyaan", **changes}
    # The messages in Indonesian whatever an earlier test of this process left active.
    with translation.override("id"), pytest.raises(Invalid) as refused:
        open_ticket(sinar, **values)
    assert refused.value.extra["errors"][0]["loc"] == ["body", field]
    assert words in refused.value.detail
    assert not Ticket.objects.exists() and not OutboundEmail.objects.exists()


def test_the_subject_is_one_line_and_the_body_is_kept_as_written(sinar):
    ticket = open_ticket(sinar, subject="  Dua\n baris  ", body="  Baris 1\n\nBaris 2  ")
    assert ticket.subject == "Dua baris"
    assert ticket.messages.get().body == "Baris 1\n\nBaris 2"


def test_only_owners_and_managers_of_the_workspace_are_assigned(sinar, manager, viewer):
    from tests.console.conftest import make_member
    from tular.workspaces.services import workspace_get_or_create

    other = workspace_get_or_create(slug="lain", name="Lain")[0]
    stranger = make_member(other, "boss@lain.example", "owner")
    ticket = open_ticket(sinar)
    for user in (viewer, stranger):
        with pytest.raises(Invalid):
            ticket_assign(ticket=ticket, assignee=user, actor=Actor.for_user(manager))
    ticket_assign(ticket=ticket, assignee=manager, actor=Actor.for_user(manager))
    assert ticket.assignee == manager
    # assigned to oneself: no e-mail about it
    assert not OutboundEmail.objects.filter(subject__startswith="Ditugaskan").exists()
    ticket_assign(ticket=ticket, assignee=None, actor=Actor.for_user(manager))
    assert Ticket.objects.get().assignee is None
    ticket_set_priority(ticket=ticket, priority="urgent", actor=Actor.for_user(manager))
    assert Ticket.objects.get().priority == "urgent"


def test_the_inbox_filters(sinar, cahaya, manager, program):
    first = open_ticket(sinar)
    second = open_ticket(cahaya, subject="Materi pemasaran")
    ticket_reply(ticket=second, body="Terlampir.", actor=Actor.for_user(manager))
    ticket_assign(ticket=first, assignee=manager, actor=Actor.for_user(manager))
    workspace = program.workspace
    assert list(tickets_filter(workspace=workspace, status="needs_reply")) == [first]
    assert list(tickets_filter(workspace=workspace, status="waiting_on_partner")) == [second]
    assert list(tickets_filter(workspace=workspace, assignee=manager)) == [first]
    assert list(tickets_filter(workspace=workspace, unassigned=True)) == [second]
    assert tickets_filter(workspace=workspace, program_slug="lain").count() == 0
