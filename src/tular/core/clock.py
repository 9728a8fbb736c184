"""The one place that asks what time it is, so time-dependent rules can be tested with a
fixed clock."""

from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

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
