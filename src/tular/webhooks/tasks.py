"""The worker's task: one attempt of one webhook delivery (`tular worker` runs it)."""

import logging

from django.tasks import task
from django.tasks.exceptions import InvalidTask

from tular.webhooks.delivery import delivery_attempt
from tular.webhooks.models import Delivery

logger = logging.getLogger(__name__)


@task
def deliver_webhook(delivery_id: str) -> str:
    """Attempt the delivery if it is pending and due; safe to run twice for one delivery. A
    failure that will be retried is enqueued again for its time where the queue can wait
    (django-tasks-db); elsewhere the periodic job (webhooks/jobs.py) picks it up."""
    result = delivery_attempt(delivery_id)
    if result == "retry":
        enqueue_retry(delivery_id)
    return result


def enqueue_retry(delivery_id) -> None:
    if not deliver_webhook.get_backend().supports_defer:
        return
    due = Delivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", flat=True).first()
    if due is None:
        return
    try:
        deliver_webhook.using(run_after=due).enqueue(str(delivery_id))
    except InvalidTask:  # pragma: no cover - a backend that refuses; the job still sends it
        logger.warning("could not defer webhook delivery %s; the periodic job will", delivery_id)
