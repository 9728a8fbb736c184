"""The one place that asks what time it is, so time-dependent rules can be tested with a
fixed clock."""

from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else timezone.now()


def freeze(moment: datetime | None) -> None:
    """Fix the clock at `moment` (None lets it run again). For tests and the demo loader."""
    global _frozen
    _frozen = moment
