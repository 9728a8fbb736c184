"""Announcements that a program's figures changed on some days, for the daily rollups.

The contexts that write facts (referrals, conversions, rewards, pipeline moves) call
`figures_changed(program_id=..., moments=[...])` where a plain model save would not tell
(queryset updates); the analytics context listens (tular.analytics.rollups) and marks those
(program, UTC day) buckets for its worker to recompute, in the caller's transaction. Lower layers
thus never import analytics (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.dispatch import Signal

changed = Signal()  # kwargs: program_id, moments (aware datetimes; None entries are skipped)


def figures_changed(*, program_id, moments: Iterable[datetime | None]) -> None:
    """Say that `program_id`'s figures changed on the UTC days of `moments`."""
    days = [m for m in moments if m is not None]
    if program_id is not None and days:
        changed.send(sender=None, program_id=program_id, moments=days)
