"""Figures of a period kept once computed, and exact: the measures that cannot be summed from
daily rollups (distinct and repeat referrers, medians, the referral tree, counts of the contract
that must include what happened a second ago) are computed from the source tables the first
time a period is asked for, and kept in `KeptFigure` until a change of one of its programs.

Valid means: no change of the programs is waiting for the rollup job in the figure's days (a
`RollupMark` there: then the figure is computed afresh, not kept), and every program's
`ProgramVersion` is the one the figure was computed at. The job bumps a program's version in the
same transaction as it deletes one of its marks, and again after its pass has written the
rollups and referrer stats, so:

- a change committed a moment ago has its mark: the figure is computed from the source rows;
- once the job takes the mark, the version of its month has moved on: a figure kept before
  over that month is not used (figures of other months stay kept);
- a figure computed while a change was being committed (or while the job wrote) is stamped with
  the version read before its computation began: the job's bump after the change makes it
  invalid, never a stale figure kept for good.

The marks are read before the versions (see `kept`): reading them the other way round could
see the old version and then no mark, between the job's two steps.

A figure covering days up to "now and later" (`open_ended`) counts a mark on any day from its
first on: the tree's "friends who went on to refer" changes when a friend refers later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from tular.core import clock

from .models import KeptFigure, ProgramVersion, RollupMark

KEEP_DAYS = 14  # a figure not computed again for this long is dropped by the job


def _ids(programs: Iterable) -> list[str]:
    return sorted(str(getattr(p, "pk", p)) for p in programs)


def _digest(kind: str, ids: list[str], first: date, last: date, extra: str) -> str:
    text = "|".join([kind, ",".join(ids), first.isoformat(), last.isoformat(), extra])
    return hashlib.sha256(text.encode()).hexdigest()


def _pending(ids: list[str], first: date, last: date, open_ended: bool) -> bool:
    marks = RollupMark.objects.filter(program_id__in=ids, day__gte=first)
    if not open_ended:
        marks = marks.filter(day__lte=last)
    return marks.exists()


def month_of(day: date) -> date:
    return day.replace(day=1)


def _stamp(ids: list[str], first: date, last: date, open_ended: bool) -> str:
    """The versions of the programs' months the figure covers, as one string."""
    rows = ProgramVersion.objects.filter(program_id__in=ids, month__gte=month_of(first))
    if not open_ended:
        rows = rows.filter(month__lte=month_of(last))
    found = sorted(
        f"{program_id}:{month.isoformat()}:{version}"
        for program_id, month, version in rows.values_list("program_id", "month", "version")
    )
    return ",".join(found) or "-"


def kept(
    kind: str,
    *,
    programs: Iterable,
    first: date,
    last: date,
    compute: Callable[[], Any],
    encode: Callable[[Any], Any] = lambda value: value,
    decode: Callable[[Any], Any] = lambda value: value,
    open_ended: bool = False,
    extra: str = "",
) -> Any:
    """`compute()`'s result for `kind` over the programs' days [first, last], kept (see the
    module). `encode`/`decode` turn the result into JSON and back; `extra` tells apart two
    figures of one kind and period (e.g. as of which day)."""
    ids = _ids(programs)
    if not ids:
        return compute()
    if _pending(ids, first, last, open_ended):
        return compute()
    stamp = _stamp(ids, first, last, open_ended)
    key = _digest(kind, ids, first, last, extra)
    row = KeptFigure.objects.filter(key=key).values_list("versions", "value").first()
    if row is not None and row[0] == stamp:
        return decode(row[1])
    value = compute()
    encoded = encode(value)
    try:
        with transaction.atomic():
            updated = KeptFigure.objects.filter(key=key).update(
                versions=stamp, value=encoded, computed_at=clock.now()
            )
            if not updated:
                KeptFigure.objects.create(key=key, versions=stamp, value=encoded)
    except IntegrityError:  # another request kept the same figure at the same moment
        pass
    return value


def bump(buckets: Iterable[tuple]) -> None:
    """Move the versions of the (program, day) buckets' months on, in the caller's transaction:
    every figure kept over those months is no longer valid."""
    for program_id, month in sorted({(str(p), month_of(d)) for p, d in buckets}):
        versions = ProgramVersion.objects.filter(program_id=program_id, month=month)
        if versions.update(version=F("version") + 1):
            continue
        try:
            with transaction.atomic():
                ProgramVersion.objects.create(program_id=program_id, month=month, version=1)
        except IntegrityError:  # created meanwhile by another worker
            versions.update(version=F("version") + 1)


def forget_everything() -> None:
    """Drop every kept figure (a rebuild of the rollups: what they read was rewritten)."""
    KeptFigure.objects.all().delete()


def forget_old(*, days: int = KEEP_DAYS) -> int:
    """Drop the figures not computed for `days` (the job, now and then)."""
    return KeptFigure.objects.filter(computed_at__lt=clock.now() - timedelta(days=days)).delete()[0]
