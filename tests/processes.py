"""Helpers for tests that start real `tular` processes: free ports and isolated databases."""

import os
import socket
import uuid

import psycopg
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def isolated_env(tmp_path):
    """Environment for a child `tular`: its own data dir, and on PostgreSQL its own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TULAR_", "DJANGO_"))}
    env["TULAR_DATA_DIR"] = str(tmp_path / "data")
    base_url = os.environ.get("DATABASE_URL", "")
    database = None
    if base_url.startswith(("postgres://", "postgresql://")):
        database = f"tular_e2e_{uuid.uuid4().hex[:10]}"
        admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + database
    else:
        env.pop("DATABASE_URL", None)
    yield env
    if database:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
