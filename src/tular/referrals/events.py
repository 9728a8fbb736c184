"""Exactly-once `event_id`s for track/* calls.

The TrackedEvent row is inserted in the same transaction as the event's effects: a unique
constraint decides which of two concurrent retries runs (the other waits on the index, then
finds the committed row), not a read-then-write. A repeat returns the first response.
"""

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from tular.core.errors import Conflict, Invalid
from tular.referrals.models import TrackedEvent


def once(*, workspace, event_id: str, kind: str, run: Callable[[TrackedEvent], dict]):
    """Run `run(event)` once per (workspace, event_id). Returns (response, first_time)."""
    try:
        with transaction.atomic():
            event = TrackedEvent.objects.create(workspace=workspace, event_id=event_id, kind=kind)
            # Stored and answered in the same JSON form, so a repeat is byte-for-byte the first.
            response = json.loads(json.dumps(run(event), cls=DjangoJSONEncoder))
            event.response = response
            event.save(update_fields=["response"])
            return response, True
    except IntegrityError:
        existing = TrackedEvent.objects.filter(workspace=workspace, event_id=event_id).first()
        if existing is None:  # another constraint broke inside run(): not a repeat
            raise Conflict("This event conflicts with one already recorded.") from None
    if existing.kind != kind:
        raise Invalid(["event_id"], f"this event_id was already used for a {existing.kind} event")
    return existing.response, False
