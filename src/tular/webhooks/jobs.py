"""Periodic jobs of webhooks, run by `tular worker`: retries, lost tasks, old messages."""

from tular.core.schedule import every
from tular.webhooks.delivery import deliveries_due, deliveries_fail_abandoned
from tular.webhooks.services import messages_prune
from tular.webhooks.tasks import deliver_webhook


@every(seconds=15)
def deliver_due_webhooks() -> None:
    """Enqueue the task again for every delivery due now. Safe to run twice (several
    workers): the task's claim lets one attempt through per delivery."""
    deliveries_fail_abandoned()
    for delivery_id in deliveries_due():
        deliver_webhook.enqueue(str(delivery_id))


@every(seconds=3600)
def prune_webhook_messages() -> None:
    """Messages (and their delivery logs) older than the retention are deleted."""
    messages_prune()
