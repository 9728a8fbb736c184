"""`tular worker`: runs enqueued django.tasks (django-tasks-db) and the periodic jobs.

On SIGTERM or SIGINT the worker finishes the task it is running and stops (django-tasks-db's
own handling); a periodic job that is running is given the same chance.
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
    stop = threading.Event()
    scheduler = schedule.start_thread(stop)
    backend = settings.TASKS["default"]["BACKEND"]
    code = 0
    try:
        if backend.startswith("django_tasks_db"):
            call_command("db_worker", interval=interval, queue_name="*", verbosity=1)
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
    return code
