"""An e-mail queued in a transaction is sent by the worker after the commit, in the
recipient's language, through a real SMTP server; a rollback sends nothing."""

import pytest
from django.db import transaction

from tests.messaging.helpers import ANDI, BUDI, invite_budi, reset_andis_password
from tular.messaging.models import OutboundEmail


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_an_invitation_committed_in_indonesian_arrives_in_indonesian(smtp, workspace):
    # given Sari invites Budi, inside the transaction that records the invitation
    with transaction.atomic():
        queued = invite_budi(language="id", workspace=workspace)
        # then nothing leaves before the commit
        assert smtp.received == []
    # then after the commit Budi gets it, in Indonesian
    [received] = smtp.received
    assert received.rcpt_tos == [BUDI]
    assert received.mail_from == "noreply@localhost"
    assert received.subject == "Sari mengundang Anda ke Toko Andalan di Tular"
    assert "Sari mengundang Anda untuk bergabung dengan Toko Andalan" in received.text
    assert "sebagai manajer" in received.text
    assert "Undangan ini berlaku selama 7 hari." in received.text
    assert "https://ref.example.com/console/invitations/abc?x=1&y=2" in received.text
    assert "Terima undangan" in received.html
    assert 'href="https://ref.example.com/console/invitations/abc?x=1&amp;y=2"' in received.html
    assert received.message["Content-Language"] == "id"
    assert received.message["Auto-Submitted"] == "auto-generated"
    # and the outbox says it was sent, at the first attempt
    email = OutboundEmail.objects.get(pk=queued.pk)
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert email.sent_at is not None
    assert email.workspace == workspace


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing_and_leaves_no_row(smtp):
    # given the invitation's transaction fails after the e-mail was queued
    with pytest.raises(Boom), transaction.atomic():
        invite_budi()
        raise Boom
    # then
    assert smtp.received == []
    assert OutboundEmail.objects.count() == 0


def test_a_password_reset_in_english_arrives_in_english(
    smtp, db, frozen_clock, django_capture_on_commit_callbacks
):
    # when Andi, who reads English, asks for a new password
    with django_capture_on_commit_callbacks(execute=True):
        queued = reset_andis_password(language="en")
    # then
    [received] = smtp.received
    assert received.rcpt_tos == [ANDI]
    assert received.subject == "Reset your Tular password"
    assert (
        "We received a request to reset the password of the Tular account andi@example.com."
        in received.text
    )
    assert "https://ref.example.com/console/reset/MQ/token" in received.text
    assert "The link works for 24 hours." in received.text
    assert "Choose a new password" in received.html
    assert received.message["Message-ID"] == f"<{queued.pk}@localhost>"
    email = OutboundEmail.objects.get(pk=queued.pk)
    assert (email.status, email.language, email.kind) == ("sent", "en", "password_reset")
    assert email.sent_at == frozen_clock.now
    assert email.created_at == frozen_clock.now


def test_a_password_reset_in_indonesian_says_one_hour_in_indonesian(
    smtp, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reset_andis_password(language="id")
    [received] = smtp.received
    assert received.subject == "Atur ulang kata sandi Tular Anda"
    assert "Tautan ini berlaku selama 24 jam." in received.text
    assert "Pilih kata sandi baru" in received.html


def test_the_from_address_is_tular_email_from(
    smtp, db, settings, django_capture_on_commit_callbacks
):
    # given the operator set TULAR_EMAIL_FROM
    from dataclasses import replace

    from tular.config import parse_email_from

    settings.CONFIG = replace(
        settings.CONFIG, email_from=parse_email_from("Toko Andalan <halo@toko.example>")
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        invite_budi()
    # then
    [received] = smtp.received
    assert received.mail_from == "halo@toko.example"
    assert received.message["From"] == "Toko Andalan <halo@toko.example>"
