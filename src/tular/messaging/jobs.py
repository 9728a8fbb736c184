"""Periodic jobs of messaging, run by `tular worker`: retries and lost tasks."""

from tular.core.schedule import every
from tular.messaging.delivery import emails_due, emails_fail_abandoned
from tular.messaging.tasks import deliver_email


@every(seconds=30)
def deliver_due_emails() -> None:
    """Enqueue the task again for every e-mail due now. Safe to run twice (several workers):
    the task's claim lets one attempt through per row."""
    emails_fail_abandoned()
    for email_id in emails_due():
        deliver_email.enqueue(str(email_id))
