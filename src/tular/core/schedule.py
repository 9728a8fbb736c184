"""Periodic jobs, run by `tular worker` (django-periodic-tasks needs Python 3.13; we run 3.12).

A job is a plain function registered with an interval. Every worker's scheduler thread looks
for due jobs, but a job runs only in the worker that claimed its `PeriodicJob` row with a
conditional UPDATE (due now, no live lease on it): with several workers, one runs each due job.
The claim is a lease that the worker's heartbeat renews while the job runs; a worker killed
mid-job stops renewing it, and another worker runs that due job once the lease is over (so a
job must still be safe to run again after a crash: they use conditional updates or idempotent
deletes). A finished run moves the due time on and writes a `PeriodicJobRun`, in one
transaction, only while the worker still holds the claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q

from tular.core import clock

logger = logging.getLogger(__name__)

# A worker that has not beaten for this long is dead: its job claims and tasks are taken over.
LEASE_SECONDS = 30.0
# How often a worker says it is alive and renews the lease of the job it runs.
HEARTBEAT_SECONDS = 5.0
# Finished runs are kept this long (the record of who ran what, and the chaos test's check).
RUNS_KEPT_DAYS = 2


@dataclass
class Job:
    name: str
    every_seconds: float
    function: Callable[[], object]


JOBS: dict[str, Job] = {}


def every(seconds: float):
    def register(function):
        JOBS[f"{function.__module__}.{function.__name__}"] = Job(
            name=f"{function.__module__}.{function.__name__}",
            every_seconds=seconds,
            function=function,
        )
        return function

    return register


def new_worker_id() -> str:
    """Unique across machines and restarts: host, pid and a random part (≤ 64 characters)."""
    host = socket.gethostname()[:30]
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


_default_worker_id: str | None = None


def _worker_id(worker_id: str | None) -> str:
    global _default_worker_id
    if worker_id:
        return worker_id
    if _default_worker_id is None:
        _default_worker_id = new_worker_id()
    return _default_worker_id


def _register_rows(now: datetime) -> None:
    """A row for every registered job that has none yet: due at once (a new job runs on the
    first worker that starts with it)."""
    from tular.core.models import PeriodicJob

    known = set(PeriodicJob.objects.filter(name__in=list(JOBS)).values_list("name", flat=True))
    missing = [
        PeriodicJob(name=job.name, every_seconds=job.every_seconds, due_at=now)
        for job in JOBS.values()
        if job.name not in known
    ]
    if missing:
        PeriodicJob.objects.bulk_create(missing, ignore_conflicts=True)


def _tidy_connection() -> None:
    """Drop a broken or expired connection between jobs, like Django does between requests
    (never inside a transaction, such as a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _free(now: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def due_jobs(now: datetime) -> dict[str, datetime]:
    """The registered jobs due at `now` that no live lease holds, with their due times."""
    from tular.core.models import PeriodicJob

    rows = PeriodicJob.objects.filter(_free(now), name__in=list(JOBS), due_at__lte=now)
    return dict(rows.values_list("name", "due_at"))


def claim(job: Job, *, worker_id: str, now: datetime, due: datetime | None = None):
    """Claim `job` at its due time `due` (read now when not given) if it is still due then and
    nobody holds it: the due time claimed, or None. The conditional UPDATE decides: of two
    workers claiming at once, one gets the row."""
    from tular.core.models import PeriodicJob

    if due is None:
        due = due_jobs(now).get(job.name)
        if due is None:
            return None
    claimed = PeriodicJob.objects.filter(_free(now), name=job.name, due_at=due).update(
        claimed_by=worker_id,
        lease_until=now + timedelta(seconds=LEASE_SECONDS),
        last_started_at=now,
    )
    return due if claimed == 1 else None


def finish(job: Job, *, worker_id: str, due: datetime, started: datetime, error: str = "") -> bool:
    """Record a finished run and move the due time on, if the claim is still this worker's
    (a lease lost while the job ran, to a worker that took it over, records nothing)."""
    from tular.core.models import PeriodicJob, PeriodicJobRun

    finished = clock.now()
    with transaction.atomic():
        moved = PeriodicJob.objects.filter(name=job.name, claimed_by=worker_id, due_at=due).update(
            due_at=started + timedelta(seconds=job.every_seconds),
            every_seconds=job.every_seconds,
            claimed_by="",
            lease_until=None,
            runs=F("runs") + 1,
            last_finished_at=finished,
            last_error=error[:2000],
        )
        if moved:
            PeriodicJobRun.objects.create(
                job=job.name,
                due_at=due,
                worker=worker_id,
                started_at=started,
                finished_at=finished,
                ok=not error,
            )
    if not moved:
        logger.warning("periodic job %s: the claim was lost while it ran", job.name)
    return bool(moved)


def run_due(*, worker_id: str | None = None, now: datetime | None = None) -> list[str]:
    """Run every due job this worker can claim; returns their names. A failing job is logged
    and retried at its next interval, never stopping the others."""
    worker_id = _worker_id(worker_id)
    moment = clock.now() if now is None else now
    _register_rows(moment)
    ran = []
    due_now = due_jobs(moment)
    for job in list(JOBS.values()):
        if job.name not in due_now:
            continue
        # The time of the claim itself, not of the tick: the jobs before this one may have
        # taken longer than a lease.
        started = clock.now() if now is None else now
        due = claim(job, worker_id=worker_id, now=started, due=due_now[job.name])
        if due is None:
            continue
        error = ""
        try:
            job.function()
        except Exception as exc:
            logger.exception("periodic job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"
        finally:
            _tidy_connection()
        if finish(job, worker_id=worker_id, due=due, started=started, error=error):
            ran.append(job.name)
    return ran


def heartbeat(*, worker_id: str, now: datetime | None = None) -> None:
    """Say this worker is alive and renew the lease of the job it runs."""
    from tular.core.models import PeriodicJob, WorkerProcess

    moment = clock.now() if now is None else now
    updated = WorkerProcess.objects.filter(id=worker_id).update(seen_at=moment)
    if not updated:
        WorkerProcess.objects.update_or_create(
            id=worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": moment,
                "seen_at": moment,
            },
        )
    PeriodicJob.objects.filter(claimed_by=worker_id).update(
        lease_until=moment + timedelta(seconds=LEASE_SECONDS)
    )


def alive_workers(now: datetime | None = None) -> set[str]:
    from tular.core.models import WorkerProcess

    moment = clock.now() if now is None else now
    since = moment - timedelta(seconds=LEASE_SECONDS)
    return set(WorkerProcess.objects.filter(seen_at__gte=since).values_list("id", flat=True))


def worker_gone(worker_id: str) -> None:
    """A worker that stops cleanly says so: its row goes and nothing waits for its lease."""
    from tular.core.models import PeriodicJob, WorkerProcess

    PeriodicJob.objects.filter(claimed_by=worker_id).update(claimed_by="", lease_until=None)
    WorkerProcess.objects.filter(id=worker_id).delete()


def _guarded(what: str, function: Callable[[], object]) -> None:
    try:
        function()
    except Exception:  # the database away for a moment must not end the thread
        logger.exception("%s failed", what)
    finally:
        _tidy_connection()


def start_thread(
    stop: threading.Event, tick: float = 5.0, *, worker_id: str | None = None
) -> threading.Thread:
    worker_id = _worker_id(worker_id)

    def loop():
        while not stop.is_set():
            _guarded("the scheduler", lambda: run_due(worker_id=worker_id))
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="tular-scheduler", daemon=True)
    thread.start()
    return thread


def start_heartbeat(stop: threading.Event, *, worker_id: str) -> threading.Thread:
    def loop():
        while not stop.is_set():
            _guarded("the heartbeat", lambda: heartbeat(worker_id=worker_id))
            stop.wait(HEARTBEAT_SECONDS)

    thread = threading.Thread(target=loop, name="tular-heartbeat", daemon=True)
    thread.start()
    return thread
