"""What several `tular worker` processes share: who is alive, and which periodic job is due.

The rows are the workers' only coordination: no process keeps state another one needs.
"""

from django.db import models


class WorkerProcess(models.Model):
    """A running `tular worker`: its heartbeat (`seen_at`) says it is alive. A worker whose
    heartbeat is older than `schedule.LEASE_SECONDS` is dead: its periodic job is taken over
    and its claimed tasks go back to the queue."""

    id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid} ({self.id})"


class PeriodicJob(models.Model):
    """One registered periodic job (tular.core.schedule.every): when it is due next and which
    worker holds it now. A worker runs a job only after a conditional UPDATE of this row
    claimed it (due, and no live lease), so one worker runs each due job."""

    name = models.CharField(max_length=200, primary_key=True)
    every_seconds = models.FloatField()
    due_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveBigIntegerField(default=0)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class PeriodicJobRun(models.Model):
    """A finished run of a periodic job: the due time it ran for and who ran it. Written with
    the move of the job's next due time, in one transaction; kept `schedule.RUNS_KEPT_DAYS`."""

    job = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    worker = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["job", "due_at"], name="job_run_due")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.due_at}"
