"""Exactly-once `event_id`s for the tracking use cases.

The TrackedEvent row is inserted in the same transaction as the event's effects: a unique
constraint decides which of two concurrent retries runs (the other waits on the index, then
finds the committed row), not a read-then-write. A repeat returns the first result, read back
from what was recorded with the event.

Only the use cases in `referrals/services.py` call `once`; callers (the API, Stripe, the demo)
call the use cases.
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from tular.core.errors import Conflict, Invalid
from tular.referrals.models import TrackedEvent


def once[R](
    *, workspace, event_id: str, kind: str, result: type[R], run: Callable[[TrackedEvent], R]
) -> R:
    """Run `run(event)` once per (workspace, event_id), in one transaction with the event row.
    A repeat returns `result.from_record(first record, first_time=False)`."""
    try:
        with transaction.atomic():
            event = TrackedEvent.objects.create(workspace=workspace, event_id=event_id, kind=kind)
            outcome = run(event)
            event.response = outcome.record()
            event.save(update_fields=["response"])
            return outcome
    except IntegrityError:
        existing = TrackedEvent.objects.filter(workspace=workspace, event_id=event_id).first()
        if existing is None:  # another constraint broke inside run(): not a repeat
            raise Conflict("This event conflicts with one already recorded.") from None
    if existing.kind != kind:
        raise Invalid(["event_id"], f"this event_id was already used for a {existing.kind} event")
    return result.from_record(existing.response, first_time=False)
