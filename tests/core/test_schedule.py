"""Periodic jobs: run when due, one worker per due job, a dead worker's job and tasks taken over,
and a failing job does not stop the others."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.processes import wait_for
from tular.core import jobs, schedule
from tular.core.models import PeriodicJob, PeriodicJobRun, WorkerProcess

A, B = "worker-a", "worker-b"


@pytest.fixture
def only_test_jobs(monkeypatch):
    monkeypatch.setattr(schedule, "JOBS", {})
    calls = []

    @schedule.every(seconds=60)
    def tick():
        calls.append("tick")

    @schedule.every(seconds=60)
    def broken():
        raise RuntimeError("boom")

    return calls


TICK = f"{__name__}.tick"
BROKEN = f"{__name__}.broken"


def test_due_jobs_run_once_per_interval_and_failures_are_contained(
    only_test_jobs, db, frozen_clock
):
    assert schedule.run_due(worker_id=A) == [TICK, BROKEN]
    frozen_clock.advance(seconds=30)
    assert schedule.run_due(worker_id=A) == []
    frozen_clock.advance(seconds=31)
    assert schedule.run_due(worker_id=A) == [TICK, BROKEN]
    assert only_test_jobs == ["tick", "tick"]
    broken = PeriodicJob.objects.get(name=BROKEN)
    assert broken.last_error == "RuntimeError: boom"
    assert broken.runs == 2
    assert list(PeriodicJobRun.objects.filter(job=BROKEN).values_list("ok", flat=True)) == [
        False,
        False,
    ]


def test_a_due_job_is_claimed_by_one_worker_only(only_test_jobs, db, frozen_clock):
    schedule.run_due(worker_id=A, now=frozen_clock.now)
    frozen_clock.advance(seconds=61)
    job = schedule.JOBS[TICK]
    due = schedule.claim(job, worker_id=A, now=frozen_clock.now)
    assert due is not None
    # B looks at the same moment, while A runs it: nothing to claim.
    assert schedule.claim(job, worker_id=B, now=frozen_clock.now) is None
    assert schedule.finish(job, worker_id=A, due=due, started=frozen_clock.now)
    assert schedule.claim(job, worker_id=B, now=frozen_clock.now) is None  # not due again yet
    assert PeriodicJobRun.objects.filter(job=TICK, due_at=due).count() == 1


def test_a_dead_workers_job_is_taken_over_after_the_lease_and_a_live_one_is_not(
    only_test_jobs, db, frozen_clock
):
    job = schedule.JOBS[TICK]
    schedule._register_rows(frozen_clock.now)
    due = schedule.claim(job, worker_id=A, now=frozen_clock.now)
    schedule.heartbeat(worker_id=A)
    # A is alive and its heartbeat renews the lease: a minute on, B still cannot take it.
    for _ in range(12):
        frozen_clock.advance(seconds=schedule.HEARTBEAT_SECONDS)
        schedule.heartbeat(worker_id=A)
        assert schedule.claim(job, worker_id=B, now=frozen_clock.now) is None
    # A dies (no more heartbeats): once the lease is over, B runs that same due time.
    frozen_clock.advance(seconds=schedule.LEASE_SECONDS + 1)
    assert schedule.claim(job, worker_id=B, now=frozen_clock.now) == due
    # A's late finish records nothing; B's does, once.
    assert not schedule.finish(job, worker_id=A, due=due, started=frozen_clock.now)
    assert schedule.finish(job, worker_id=B, due=due, started=frozen_clock.now)
    assert list(PeriodicJobRun.objects.filter(job=TICK).values_list("worker", flat=True)) == [B]


def test_a_worker_that_stops_cleanly_frees_its_claim_at_once(only_test_jobs, db, frozen_clock):
    job = schedule.JOBS[TICK]
    schedule._register_rows(frozen_clock.now)
    schedule.heartbeat(worker_id=A)
    due = schedule.claim(job, worker_id=A, now=frozen_clock.now)
    schedule.worker_gone(A)
    assert not WorkerProcess.objects.filter(id=A).exists()
    assert schedule.claim(job, worker_id=B, now=frozen_clock.now) == due


def _task_row(worker_ids, started_at):
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        task_path="tular.messaging.tasks.deliver_email",
        args_kwargs={"args": ["x"], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        worker_ids=worker_ids,
        started_at=started_at,
        run_after=DBTaskResult._meta.get_field("run_after").get_default(),
    )


def test_tasks_of_a_dead_worker_go_back_to_the_queue(db, frozen_clock):
    now = frozen_clock.now
    long_ago = now - timedelta(seconds=schedule.LEASE_SECONDS * 3)
    schedule.heartbeat(worker_id=A)  # A is alive, B never beat (or died long ago)
    of_live = _task_row([A], long_ago)
    of_dead = _task_row([B], long_ago)
    just_claimed = _task_row([B], now)  # B may not have beaten yet
    poison = _task_row([f"w{n}" for n in range(jobs.MAX_TASK_STARTS)], long_ago)

    assert jobs.requeue_lost_tasks() == 2

    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert status[of_live.id] == TaskResultStatus.RUNNING
    assert status[of_dead.id] == TaskResultStatus.READY
    assert status[just_claimed.id] == TaskResultStatus.RUNNING
    assert status[poison.id] == TaskResultStatus.FAILED
    # a requeued task is what the queue hands out next
    assert DBTaskResult.objects.ready().filter(id=of_dead.id).exists()


def test_the_worker_finds_each_apps_jobs_module():
    from tular.core.worker import load_jobs

    load_jobs()
    assert "tular.api.jobs.prune_idempotency_records" in schedule.JOBS
    assert "tular.core.jobs.requeue_lost_tasks" in schedule.JOBS


# ------------------------------------------------------------ two real worker processes


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "tular.cli", "manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def _sql(env, query):
    """One statement on the child processes' database (PostgreSQL or the data dir's SQLite)."""
    url = env.get("DATABASE_URL")
    if url:
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []
    with sqlite3.connect(Path(env["TULAR_DATA_DIR"]) / "tular.sqlite3", timeout=30) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def test_two_worker_processes_run_each_due_job_once(isolated_env):
    env = {**isolated_env, "TULAR_LOG_LEVEL": "WARNING"}
    _manage(env, "migrate", "--no-input")
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tular.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        runs_now = lambda: _sql(env, "SELECT count(*) FROM core_periodicjobrun")[0][0]  # noqa: E731
        # Every job is due at once on a new database: both workers race for each.
        jobs_count = wait_for(
            lambda: (
                (n := len(_sql(env, "SELECT name FROM core_periodicjob"))) >= 15
                and runs_now() >= n
                and n
            ),
            90,
        )
        assert jobs_count
        # Then all of them due again, twice, each time at another due time: still one run per
        # job and due time.
        for day in ("2000-01-01", "2000-01-02"):
            before = runs_now()
            _sql(env, f"UPDATE core_periodicjob SET due_at = '{day} 00:00:00'")
            wait_for(lambda b=before: runs_now() >= b + jobs_count, 60)
        time.sleep(6)  # a scheduler tick more: a doubled run would show now
        runs = _sql(
            env,
            "SELECT job, count(*), count(DISTINCT due_at) FROM core_periodicjobrun GROUP BY job",
        )
        assert len(runs) == jobs_count
        assert {(count, distinct) for _, count, distinct in runs} == {(3, 3)}, runs
        assert len(_sql(env, "SELECT id FROM core_workerprocess")) == 2
    finally:
        for process in workers:
            os.killpg(process.pid, signal.SIGTERM)
        for process in workers:
            process.wait(30)


def test_tular_tasks_redis_runs_tasks_through_redis(isolated_env, tmp_path):
    """TULAR_TASKS=redis: a task enqueued by one process is run by `tular worker` from Redis."""
    import random

    import redis

    url = f"redis://127.0.0.1:6379/{random.randint(1, 15)}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **isolated_env,
        "TULAR_TASKS": "redis",
        "TULAR_REDIS_URL": url,
        "TULAR_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
    }
    _manage(env, "migrate", "--no-input")
    marker = tmp_path / "ran"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tular.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        enqueue = (
            "import django, sys; django.setup();"
            "from tests.core.redis_probe import touch;"
            "print(type(touch.get_backend()).__name__, touch.enqueue(sys.argv[1]).id)"
        )
        out = subprocess.run(
            [sys.executable, "-c", enqueue, str(marker)],
            env={**env, "DJANGO_SETTINGS_MODULE": "tular.settings"},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert out.stdout.startswith("RedisTaskBackend ")
        assert wait_for(marker.exists, 60)
        assert marker.read_text() == "ran"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
