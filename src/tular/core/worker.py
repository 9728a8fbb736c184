"""`tular worker`: runs enqueued django.tasks (django-tasks-db) and the periodic jobs."""

import importlib
import logging
import threading

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from tular.core import schedule

logger = logging.getLogger(__name__)


def load_jobs() -> None:
    for app in apps.get_app_configs():
        if app.name.startswith("tular."):
            try:
                importlib.import_module(f"{app.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.jobs":
                    raise


def run_worker(*, interval: float = 1.0) -> int:
    load_jobs()
    stop = threading.Event()
    schedule.start_thread(stop)
    backend = settings.TASKS["default"]["BACKEND"]
    try:
        if backend.startswith("django_tasks_db"):
            call_command("db_worker", interval=interval, queue_name="*", verbosity=1)
        else:
            logger.info("task backend %s needs no worker loop; running periodic jobs only", backend)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    return 0
