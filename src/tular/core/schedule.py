"""Periodic jobs, run by `tular worker` (django-periodic-tasks needs Python 3.13; we run 3.12).

A job is a plain function registered with an interval. Each worker runs due jobs in its
scheduler thread; a job must be safe to run twice (several workers may each run it), which
the functions registered here are: they use conditional updates or idempotent deletes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: float
    function: Callable[[], object]
    next_run: float = field(default=0.0)


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


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose time has come; returns their names. A failing job is logged and
    retried at its next interval, never stopping the others."""
    moment = time.monotonic() if now is None else now
    ran = []
    for job in JOBS.values():
        if job.next_run > moment:
            continue
        job.next_run = moment + job.every_seconds
        try:
            job.function()
            ran.append(job.name)
        except Exception:
            logger.exception("periodic job %s failed", job.name)
        finally:
            close_old_connections()
    return ran


def start_thread(stop: threading.Event, tick: float = 5.0) -> threading.Thread:
    def loop():
        while not stop.is_set():
            run_due()
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="tular-scheduler", daemon=True)
    thread.start()
    return thread
