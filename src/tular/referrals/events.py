"""Exactly-once `event_id`s for the tracking use cases.

The TrackedEvent row is inserted in the same transaction as the event's effects: a unique
constraint decides which of two concurrent retries runs (the other waits on the index, then
finds the committed row), not a read-then-write. A repeat returns the first result, read back
from what was recorded with the event.

Only the use cases in `referrals/services.py` call `once`; callers (the API, Stripe, the demo)
call the use cases.
"""

import contextlib
import json
import threading
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.referrals.models import TrackedEvent


def unique_row(queryset):
    """The row of a lookup by a unique key, or None: `queryset[:1]` without the ORDER BY that
    `.first()` adds (measured: resolving it costs more than the query on the hot path)."""
    return next(iter(queryset[:1]), None)


_TABLE = TrackedEvent._meta.db_table


def _claim(*, workspace, event_id: str, kind: str) -> TrackedEvent:
    """INSERT the event's row (raw SQL: one statement on every tracked event, where the ORM's
    INSERT compilation measured longer than SQLite's work); a second claim of the same
    (workspace, event_id) raises IntegrityError."""
    now = clock.now()
    workspace_id = getattr(workspace, "pk", workspace)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (workspace_id, event_id, kind, response, created_at) "  # noqa: S608 - the model's own table
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [workspace_id, event_id, kind, "{}", connection.ops.adapt_datetimefield_value(now)],
        )
        pk = cursor.fetchone()[0]
    event = TrackedEvent(
        pk=pk, workspace_id=workspace_id, event_id=event_id, kind=kind, response={}, created_at=now
    )
    event._state.adding = False
    return event


def _answer(event: TrackedEvent, response: dict) -> None:
    """Keep the first answer on the event's row, for repeats."""
    event.response = response
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET response = %s WHERE id = %s",  # noqa: S608 - the model's own table
            [json.dumps(response, cls=DjangoJSONEncoder), event.pk],
        )


_WRITER = threading.Lock()


def _one_writer():
    """On SQLite, the tracked events of this process take their write transaction one thread
    at a time, queued on a lock that wakes the next thread the moment the last commits.
    SQLite has one write lock anyway, and a thread that finds it taken sleeps in SQLite's
    busy handler (1, 2, 5, 10… ms) however soon it is released: measured with 2 threads, that
    sleeping set a p99 of 0.2 to 0.4 s for track/* at 16 connections (bench/track.py). Other
    writers (the console, the worker's process) still meet SQLite's own lock. Nothing on
    PostgreSQL, whose rows lock one by one."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        return _WRITER
    return contextlib.nullcontext()


def once[R](
    *, workspace, event_id: str, kind: str, result: type[R], run: Callable[[TrackedEvent], R]
) -> R:
    """Run `run(event)` once per (workspace, event_id), in one transaction with the event row.
    A repeat returns `result.from_record(first record, first_time=False)`."""
    try:
        with _one_writer(), transaction.atomic():
            event = _claim(workspace=workspace, event_id=event_id, kind=kind)
            outcome = run(event)
            _answer(event, outcome.record())
            return outcome
    except IntegrityError:
        existing = unique_row(TrackedEvent.objects.filter(workspace=workspace, event_id=event_id))
        if existing is None:  # another constraint broke inside run(): not a repeat
            raise Conflict("This event conflicts with one already recorded.") from None
    if existing.kind != kind:
        raise Invalid(["event_id"], f"this event_id was already used for a {existing.kind} event")
    return result.from_record(existing.response, first_time=False)
