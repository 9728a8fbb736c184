"""`tular worker`: runs enqueued django.tasks (django-tasks-db, or django-tasks-redis with
TULAR_TASKS=redis) and the periodic jobs.

Any number of workers may run, on any machines: each has an id, beats every few seconds
(`core.WorkerProcess`), claims each due periodic job before running it (tular.core.schedule)
and the queue hands each task to one of them. On SIGTERM or SIGINT the worker finishes the
task it is running and stops (the queue's own handling); a periodic job that is running is
given the same chance. A worker killed outright (SIGKILL, a crash, a lost machine) stops
beating: its job claim lapses and its tasks go back to the queue (tular.core.jobs).
"""

import importlib
import logging
import signal
import threading

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from tular.core import schedule

logger = logging.getLogger(__name__)
# How long a periodic job that is running may take to finish once the worker stops.
JOB_FINISH_SECONDS = 20


def load_jobs() -> None:
    """Import every app's `jobs` module, where it registers its periodic jobs."""
    for app in apps.get_app_configs():
        if app.name.startswith("tular."):
            try:
                importlib.import_module(f"{app.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.jobs":
                    raise


def _stop_before_the_loop(signum, frame):
    raise SystemExit(0)


def run_worker(*, interval: float = 1.0) -> int:
    # A stop asked while the worker is still starting (loading every app's jobs, a second or so
    # on a busy machine) is a clean exit, not a death by SIGTERM: `up` stopped right after it
    # started must still exit 0. The task loop installs its own graceful handler after this.
    signal.signal(signal.SIGTERM, _stop_before_the_loop)
    load_jobs()
    worker_id = schedule.new_worker_id()
    schedule.heartbeat(worker_id=worker_id)
    stop = threading.Event()
    beating = schedule.start_heartbeat(stop, worker_id=worker_id)
    scheduler = schedule.start_thread(stop, worker_id=worker_id)
    backend = settings.TASKS["default"]["BACKEND"]
    code = 0
    try:
        if backend.startswith("django_tasks_db"):
            call_command(
                "db_worker",
                interval=interval,
                queue_name="*",
                worker_id=worker_id,
                startup_delay=False,
                verbosity=1,
            )
        elif backend.startswith("django_tasks_redis"):
            call_command("run_redis_tasks", continuous=True, interval=interval, verbosity=1)
        else:
            logger.info("task backend %s needs no worker loop; running periodic jobs only", backend)
            for stop_signal in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stop_signal, lambda signum, frame: stop.set())
            stop.wait()
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:  # db_worker's signal handler exits this way
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        stop.set()
        scheduler.join(JOB_FINISH_SECONDS)
        beating.join(schedule.HEARTBEAT_SECONDS)
        if not scheduler.is_alive():
            try:
                schedule.worker_gone(worker_id)
            except Exception:  # the database is away: the lease lapses by itself
                logger.exception("could not sign the worker off")
    return code
