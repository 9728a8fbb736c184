"""The team's answer reaches the partner through a real SMTP server after the commit, in the
partner's language, with the link to the ticket in the portal."""

import pytest
from django.db import transaction

from tests.messaging.conftest import smtp, smtp_down, tasks_run_at_once  # noqa: F401
from tests.support.conftest import open_ticket
from tular.support.services import ticket_reply
from tular.workspaces.audit import Actor


@pytest.mark.django_db(transaction=True)
def test_the_answer_arrives_by_smtp_in_the_partners_language(smtp, sinar, manager):  # noqa: F811
    ticket = open_ticket(sinar)
    assert [message.rcpt_tos for message in smtp.received] == [["rina@toko.example"]]
    with transaction.atomic():
        ticket_reply(
            ticket=ticket,
            body="Komisi April masuk di pembayaran 1 Juni.",
            actor=Actor.for_user(manager),
            author_name="Rina",
        )
        assert len(smtp.received) == 1  # nothing leaves before the commit
    received = smtp.received[-1]
    assert received.rcpt_tos == [sinar.email]
    assert received.subject == "Balasan baru: Komisi bulan April belum masuk"
    assert "Rina dari tim Mitra Toko Andalan menjawab" in received.text
    assert "Komisi April masuk di pembayaran 1 Juni." in received.text
    assert f"/portal/p/mitra/support/{ticket.pk}" in received.text
    assert "Buka tiket" in received.html
    assert received.message["Content-Language"] == "id"
