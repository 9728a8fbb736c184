"""The workers' own periodic jobs: tasks whose worker died go back to the queue, and the
records of dead workers and old runs are pruned."""

from datetime import timedelta

from django.conf import settings

from tular.core import clock, schedule

# A task started this many times without finishing (its worker died each time) is failed
# instead of being handed to yet another worker.
MAX_TASK_STARTS = 5


@schedule.every(seconds=30)
def requeue_lost_tasks() -> int:
    """Tasks of the database queue that a dead worker claimed (RUNNING, the worker's
    heartbeat older than the lease) go back to READY, for a live worker to run again. Our
    tasks are safe to run again (each claims its row: e-mail, delivery, import). A task
    claimed within the lease is left alone: its worker may not have beaten yet. The Redis
    queue does the same itself (django-tasks-redis reclaims a dead consumer's messages)."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        return 0
    from django.tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = clock.now()
    alive = schedule.alive_workers(now)
    started_before = now - timedelta(seconds=schedule.LEASE_SECONDS)
    moved = 0
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=started_before
    ).values_list("id", "worker_ids", "started_at")
    for task_id, worker_ids, started_at in running:
        if worker_ids and worker_ids[-1] in alive:
            continue
        # Conditional on the claim read: a worker that claimed it again meanwhile keeps it.
        still = DBTaskResult.objects.filter(
            id=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        if len(worker_ids or []) >= MAX_TASK_STARTS:
            moved += still.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="tular.core.jobs.TaskLost",
                traceback=f"started {len(worker_ids)} times; each worker died before it ended",
            )
        else:
            moved += still.update(status=TaskResultStatus.READY, started_at=None)
    return moved


@schedule.every(seconds=3600)
def prune_worker_records() -> None:
    """Workers silent for a day and job runs older than RUNS_KEPT_DAYS go."""
    from tular.core.models import PeriodicJobRun, WorkerProcess

    now = clock.now()
    WorkerProcess.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    PeriodicJobRun.objects.filter(
        finished_at__lt=now - timedelta(days=schedule.RUNS_KEPT_DAYS)
    ).delete()
