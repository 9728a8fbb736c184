"""`GET /healthz`: 200 only when the database and the task queue really answer."""

import logging

from django.db import connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_task_queue() -> None:
    backend = task_backends["default"]
    if backend.__class__.__module__.startswith("django_tasks_db"):
        # The queue is a table: reading it proves it exists and is reachable.
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("id").first()
    elif backend.__class__.__module__.startswith("django_tasks_redis"):
        backend.get_client().ping()  # TULAR_TASKS=redis: Redis itself answers
    else:
        errors = [message for message in backend.check() if message.is_serious()]
        if errors:
            raise RuntimeError(errors[0].msg)


@require_safe
def healthz(request):
    checks = {}
    for name, check in (("database", check_database), ("tasks", check_task_queue)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure of a dependency is "unhealthy", never a 500
            logger.warning("health check %s failed: %s", name, exc)
            checks[name] = "unavailable"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
