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

The console's dashboards ask `as_of_last_pass()`: a figure kept at the job's last pass is used
even while a newer change waits for the next one, exactly as the daily rollups beside it are. A
busy program, with a change waiting almost always, then still finds its figures kept; the API
stays exact.

Each kind of figure is a `recipe` (registered where it is computed: analytics.measures,
analytics.tree): how to compute it from (programs, period, extra), how to store it as JSON, and
which days it reads — the period's, from its first day on (`open_ended`: the tree's "friends who
went on to refer" changes when a friend refers later), or every day since the program began
(`from_epoch`: everyone enrolled by the period's end).

After its pass, the job computes again the figures people looked at in the last day that the
pass made stale (`rewarm`, within a time budget), so the next look finds them kept.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from tular.core import clock

from .metrics import Period
from .models import KeptFigure, ProgramVersion, RollupMark

KEEP_DAYS = 14  # a figure not looked at for this long is dropped by the job
REWARM_WITHIN = timedelta(days=1)  # the job computes again what was looked at since
REWARM_BUDGET_SECONDS = 10.0  # per pass
READ_STAMP_EVERY = timedelta(hours=1)  # a read refreshes `read_at` at most this often
EPOCH = date(1970, 1, 1)


def _identity(value):
    return value


@dataclass(frozen=True)
class Recipe:
    compute: Callable[..., Any]  # (programs=[ids], period=Period, extra=str) -> the value
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    open_ended: bool
    from_epoch: bool


RECIPES: dict[str, Recipe] = {}


def recipe(
    kind: str,
    *,
    encode: Callable[[Any], Any] = _identity,
    decode: Callable[[Any], Any] = _identity,
    open_ended: bool = False,
    from_epoch: bool = False,
):
    """Register the decorated function as the way to compute `kind`."""

    def register(compute):
        RECIPES[kind] = Recipe(compute, encode, decode, open_ended, from_epoch)
        return compute

    return register


def month_of(day: date) -> date:
    return day.replace(day=1)


def _ids(programs: Iterable) -> list[str]:
    return sorted(str(getattr(p, "pk", p)) for p in programs)


def _digest(kind: str, ids: list[str], period: Period, extra: str) -> str:
    text = "|".join([kind, ",".join(ids), period.first.isoformat(), period.last.isoformat(), extra])
    return hashlib.sha256(text.encode()).hexdigest()


def _reads(r: Recipe, period: Period) -> tuple[date, date | None]:
    """The first and last day the figure reads (None: every day after the first)."""
    return (EPOCH if r.from_epoch else period.first), (None if r.open_ended else period.last)


def _pending(ids: list[str], first: date, last: date | None) -> bool:
    marks = RollupMark.objects.filter(program_id__in=ids, day__gte=first)
    if last is not None:
        marks = marks.filter(day__lte=last)
    return marks.exists()


def _stamp(ids: list[str], first: date, last: date | None) -> str:
    """The versions of the programs' months the figure reads, as one string."""
    rows = ProgramVersion.objects.filter(program_id__in=ids, month__gte=month_of(first))
    if last is not None:
        rows = rows.filter(month__lte=month_of(last))
    found = sorted(
        f"{program_id}:{month.isoformat()}:{version}"
        for program_id, month, version in rows.values_list("program_id", "month", "version")
    )
    return ",".join(found) or "-"


def _keep(kind: str, ids: list[str], period: Period, extra: str, stamp: str, value) -> None:
    key = _digest(kind, ids, period, extra)
    now = clock.now()
    fields = {
        "versions": stamp,
        "value": value,
        "computed_at": now,
        "read_at": now,
        "kind": kind,
        "programs": ",".join(ids),
        "first": period.first,
        "last": period.last,
        "extra": extra,
    }
    try:
        with transaction.atomic():
            if not KeptFigure.objects.filter(key=key).update(**fields):
                KeptFigure.objects.create(key=key, **fields)
    except IntegrityError:  # another request kept the same figure at the same moment
        pass


_AS_OF_LAST_PASS: ContextVar[bool] = ContextVar("kept_as_of_last_pass", default=False)


@contextmanager
def as_of_last_pass():
    """Within: a kept figure is used even while a change of its days waits for the job, as the
    daily rollups are (the dashboards: as of the job's last pass, never more than a pass
    behind). Outside (the API), such a figure is computed from the source rows."""
    token = _AS_OF_LAST_PASS.set(True)
    try:
        yield
    finally:
        _AS_OF_LAST_PASS.reset(token)


def kept(kind: str, *, programs: Iterable, period: Period, extra: str = "") -> Any:
    """The `kind` figure of the programs over `period`, kept (see the module); `extra` tells
    apart two figures of one kind and period (e.g. as of which day)."""
    r = RECIPES[kind]
    ids = _ids(programs)

    def compute():
        return r.compute(programs=ids, period=period, extra=extra)

    if not ids:
        return compute()
    first, last = _reads(r, period)
    if not _AS_OF_LAST_PASS.get() and _pending(ids, first, last):
        return compute()
    stamp = _stamp(ids, first, last)  # after the marks: see the module
    key = _digest(kind, ids, period, extra)
    row = KeptFigure.objects.filter(key=key).values_list("versions", "value", "read_at").first()
    if row is not None and row[0] == stamp:
        if row[2] is None or clock.now() - row[2] > READ_STAMP_EVERY:
            KeptFigure.objects.filter(key=key).update(read_at=clock.now())
        return r.decode(row[1])
    value = compute()
    _keep(kind, ids, period, extra, stamp, r.encode(value))
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


def rewarm(*, budget_seconds: float = REWARM_BUDGET_SECONDS) -> int:
    """Compute again the stale figures looked at within REWARM_WITHIN, most recently looked at
    first, until `budget_seconds` are spent; returns how many. A figure whose days still have
    a change waiting is left for the next pass."""
    from tular.analytics import measures, tree  # noqa: F401 - they register their recipes

    started = time.monotonic()
    done = 0
    recent = KeptFigure.objects.filter(read_at__gte=clock.now() - REWARM_WITHIN).order_by(
        "-read_at"
    )
    for row in recent.values("kind", "programs", "first", "last", "extra", "versions"):
        if time.monotonic() - started > budget_seconds:
            break
        r = RECIPES.get(row["kind"])
        if r is None or not row["programs"]:
            continue
        ids = row["programs"].split(",")
        period = Period(row["first"], row["last"])
        first, last = _reads(r, period)
        if _pending(ids, first, last):
            continue
        stamp = _stamp(ids, first, last)
        if stamp == row["versions"]:
            continue
        value = r.encode(r.compute(programs=ids, period=period, extra=row["extra"]))
        _keep(row["kind"], ids, period, row["extra"], stamp, value)
        done += 1
    return done


def forget_everything() -> None:
    """Drop every kept figure (a rebuild of the rollups: what they read was rewritten)."""
    KeptFigure.objects.all().delete()


def forget_old(*, days: int = KEEP_DAYS) -> int:
    """Drop the figures nobody looked at for `days` (the job, now and then)."""
    stale = clock.now() - timedelta(days=days)
    return KeptFigure.objects.filter(read_at__lt=stale).delete()[0]
