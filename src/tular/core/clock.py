"""The one place that asks what time it is, so time-dependent rules can be tested with a
fixed clock."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tular.core.errors import Invalid

# Clocks disagree: an event may be stamped a little ahead of ours.
FUTURE_SKEW = timedelta(minutes=5)

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else timezone.now()


def freeze(moment: datetime | None) -> None:
    """Fix the clock at `moment` (None lets it run again). For tests and the demo loader."""
    global _frozen
    _frozen = moment


@contextmanager
def frozen(moment: datetime):
    """The clock reads `moment` inside the block, and whatever it read before afterwards."""
    global _frozen
    previous = _frozen
    _frozen = moment
    try:
        yield moment
    finally:
        _frozen = previous


def check_occurred_at(occurred_at: datetime | None, *, current: datetime | None = None) -> datetime:
    """When an event reported to us happened, in UTC: the current time (`current`, else the
    clock's) when not given; refused (422 at the API) without a time zone, out of range, or
    ahead of the current time by more than FUTURE_SKEW."""
    current = current or now()
    if occurred_at is None:
        return current
    if occurred_at.tzinfo is None:
        raise Invalid(["occurred_at"], "give a time zone (RFC 3339, e.g. 2026-11-27T08:00:00Z)")
    try:
        # In UTC: the same instant, whatever offset it came with (RFC 3339 allows up to ±23:59,
        # PostgreSQL stores at most ±15:59).
        occurred_at = occurred_at.astimezone(UTC)
    except OverflowError:
        raise Invalid(["occurred_at"], "is out of range") from None
    if occurred_at > current + FUTURE_SKEW:
        raise Invalid(["occurred_at"], "is in the future")
    return occurred_at
