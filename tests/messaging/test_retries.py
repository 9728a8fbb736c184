"""A send that fails is retried with backoff by the worker's periodic job, recorded with the
server's answer, and never sent twice."""

from datetime import timedelta

import pytest

from tests.messaging.conftest import IMMEDIATE, LOST
from tests.messaging.helpers import BUDI, invite_budi
from tular.messaging.delivery import BACKOFF, LEASE, MAX_ATTEMPTS
from tular.messaging.jobs import deliver_due_emails
from tular.messaging.models import OutboundEmail
from tular.messaging.tasks import deliver_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_invitation(django_capture_on_commit_callbacks):
    """Sari's invitation to Budi, committed: its task runs at once (first attempt)."""

    def queue():
        with django_capture_on_commit_callbacks(execute=True):
            email = invite_budi()
        return OutboundEmail.objects.get(pk=email.pk)

    return queue


def test_a_server_that_is_down_is_retried_with_backoff_until_it_is_back(
    smtp_down, frozen_clock, queue_invitation
):
    # given the mail server is down when Sari invites Budi
    t0 = frozen_clock.now
    email = queue_invitation()
    # then the attempt is recorded with the error, and the next one is a minute later
    assert (email.status, email.attempts) == ("queued", 1)
    assert "Connection refused" in email.last_error
    assert "\n" not in email.last_error and "Traceback" not in email.last_error
    assert email.next_attempt_at == t0 + timedelta(minutes=1)

    # when the worker's job runs before that, nothing is tried
    frozen_clock.advance(seconds=59)
    deliver_due_emails()
    assert OutboundEmail.objects.get(pk=email.pk).attempts == 1

    # when a minute has passed, the second attempt fails too: the next one 5 minutes later
    frozen_clock.advance(seconds=1)
    deliver_due_emails()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 2)
    assert email.next_attempt_at == frozen_clock.now + timedelta(minutes=5)

    # when the server is back and 5 minutes have passed
    smtp_down.start()
    frozen_clock.advance(minutes=5)
    deliver_due_emails()
    # then Budi gets the invitation, once
    [received] = smtp_down.received
    assert received.rcpt_tos == [BUDI]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at) == ("sent", 3, frozen_clock.now)
    assert "Connection refused" in email.last_error  # what went wrong before stays readable

    # and later runs of the job send nothing more
    frozen_clock.advance(hours=1)
    deliver_due_emails()
    assert len(smtp_down.received) == 1


def test_a_temporary_refusal_is_recorded_with_the_servers_answer(
    smtp, frozen_clock, queue_invitation
):
    # given the server answers "try later" to the message
    smtp.inbox.refuse_data = "451 4.3.0 Mailbox busy, try again later"
    email = queue_invitation()
    # then
    assert (email.status, email.attempts) == ("queued", 1)
    assert email.last_error == "SMTP 451: 4.3.0 Mailbox busy, try again later"
    # when the server takes it at the next attempt
    smtp.inbox.refuse_data = None
    frozen_clock.advance(minutes=1)
    deliver_due_emails()
    # then
    assert len(smtp.received) == 1
    email.refresh_from_db()
    assert email.status == "sent"


def test_the_backoff_grows_and_the_sixth_failure_is_final(
    smtp_down, frozen_clock, queue_invitation
):
    # given the server never comes back
    email = queue_invitation()
    waits = []
    for _attempt in range(MAX_ATTEMPTS - 1):
        email.refresh_from_db()
        waits.append(email.next_attempt_at - frozen_clock.now)
        frozen_clock.set(email.next_attempt_at)
        deliver_due_emails()
    # then it waited 1 min, 5 min, 30 min, 2 h, 6 h between the attempts
    assert waits == list(BACKOFF)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)
    assert "Connection refused" in email.last_error
    # and a failed e-mail is not tried again, even once the server is back
    smtp_down.start()
    frozen_clock.advance(days=1)
    deliver_due_emails()
    assert smtp_down.received == []


def test_a_recipient_the_server_rejects_for_good_fails_at_once(
    smtp, frozen_clock, queue_invitation
):
    # given the server says Budi's mailbox does not exist
    smtp.inbox.refuse_rcpt = "550 5.1.1 No such user"
    email = queue_invitation()
    # then retrying cannot help
    assert (email.status, email.attempts) == ("failed", 1)
    assert email.last_error == "recipient refused: 550 5.1.1 No such user"


def test_the_task_run_twice_for_one_row_sends_it_once(smtp, frozen_clock, queue_invitation):
    # given the invitation was sent by its task
    email = queue_invitation()
    assert email.status == "sent"
    # when the task runs again for the same row (a duplicate enqueue), and the job runs
    assert deliver_email.call(str(email.pk)) == "skipped"
    deliver_due_emails()
    # then Budi got it once
    assert len(smtp.received) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_an_attempt_in_progress_is_not_claimed_by_a_second_task(smtp, frozen_clock, db):
    # given a queued row that one worker has just claimed (its lease runs)
    email = invite_budi()  # outside an on_commit capture: its task never ran
    claimed = OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=1, next_attempt_at=frozen_clock.now + LEASE
    )
    assert claimed == 1
    # when a second task for the same row runs meanwhile, and the job looks for due rows
    assert deliver_email.call(str(email.pk)) == "skipped"
    deliver_due_emails()
    # then nothing was sent by them
    assert smtp.received == []
    # and once the lease is over (the first worker died), the job retries it
    frozen_clock.advance(minutes=10)
    deliver_due_emails()
    assert len(smtp.received) == 1


def test_a_last_attempt_whose_worker_died_ends_failed(smtp, frozen_clock, db):
    email = invite_budi()
    OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=MAX_ATTEMPTS, next_attempt_at=frozen_clock.now + LEASE
    )
    frozen_clock.advance(minutes=10)
    deliver_due_emails()
    email.refresh_from_db()
    assert email.status == "failed"
    assert "worker stopped" in email.last_error
    assert smtp.received == []


def test_a_lost_task_is_picked_up_two_minutes_later(
    smtp, settings, frozen_clock, django_capture_on_commit_callbacks
):
    # given the task enqueued at the commit is lost (the queue dropped it)
    settings.TASKS = LOST
    with django_capture_on_commit_callbacks(execute=True):
        email = invite_budi()
    assert smtp.received == []
    settings.TASKS = IMMEDIATE
    # when the job runs a minute later, the first task may still be on its way: left alone
    frozen_clock.advance(minutes=1)
    deliver_due_emails()
    assert smtp.received == []
    # when it runs two minutes after the commit, it sends it
    frozen_clock.advance(minutes=1)
    deliver_due_emails()
    assert len(smtp.received) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)


def test_an_unknown_id_is_skipped(db):
    assert deliver_email.call("not-an-id") == "skipped"
    assert deliver_email.call("0190f8f0-0000-7000-8000-000000000000") == "skipped"
