"""Helpers for tests that start real `tular` processes: free ports, isolated databases, and
waiting for what another process or thread does."""

import contextlib
import os
import socket
import time
import uuid
from pathlib import Path

import psycopg
import pytest


def wait_for(predicate, seconds: float, *, step: float = 0.5):
    """`predicate()`'s first truthy value within `seconds`, asked every `step` seconds; else
    its last (falsy) value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def child_environment(data_dir: Path):
    """Environment for a child `tular`: its own data dir, and on PostgreSQL its own database
    (dropped afterwards)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TULAR_", "DJANGO_"))}
    env["TULAR_DATA_DIR"] = str(data_dir)
    base_url = os.environ.get("DATABASE_URL", "")
    database = admin_url = None
    if base_url.startswith(("postgres://", "postgresql://")):
        database = f"tular_e2e_{uuid.uuid4().hex[:10]}"
        admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + database
    else:
        env.pop("DATABASE_URL", None)
    try:
        yield env
    finally:
        if database:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def isolated_env(tmp_path):
    """child_environment for one test."""
    with child_environment(tmp_path / "data") as env:
        yield env
