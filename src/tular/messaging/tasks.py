"""The worker's task: deliver one queued e-mail (`tular worker` runs it)."""

from django.tasks import task

from tular.messaging.delivery import email_deliver


@task
def deliver_email(email_id: str) -> str:
    """Send the e-mail if it is still queued and due; safe to run twice for one row."""
    return email_deliver(email_id)
