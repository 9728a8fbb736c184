"""Periodic jobs run when due, and a failing job does not stop the others."""

from tular.core import schedule


def test_due_jobs_run_once_per_interval_and_failures_are_contained(monkeypatch, db):
    calls = []
    monkeypatch.setattr(schedule, "JOBS", {})

    @schedule.every(seconds=60)
    def tick():
        calls.append("tick")

    @schedule.every(seconds=60)
    def broken():
        raise RuntimeError("boom")

    assert schedule.run_due(now=1000.0) == [f"{__name__}.tick"]
    assert schedule.run_due(now=1030.0) == []
    assert schedule.run_due(now=1061.0) == [f"{__name__}.tick"]
    assert calls == ["tick", "tick"]


def test_the_worker_finds_each_apps_jobs_module():
    from tular.core.worker import load_jobs

    load_jobs()
    assert "tular.api.jobs.prune_idempotency_records" in schedule.JOBS
    assert not [name for name in schedule.JOBS if name.startswith("tular.core.")]
