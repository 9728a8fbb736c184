"""The embedded database is tuned as documented: WAL, synchronous NORMAL, busy timeout, FKs."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlite_runs_with_the_documented_pragmas():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas only")
    with connection.cursor() as cursor:
        values = {}
        for pragma in ("synchronous", "busy_timeout", "foreign_keys"):
            cursor.execute(f"PRAGMA {pragma}")
            values[pragma] = cursor.fetchone()[0]
    assert values == {"synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}


def test_sqlite_file_database_uses_wal(tmp_path):
    import sqlite3

    from django.conf import settings

    init = settings.DATABASES["default"].get("OPTIONS", {}).get("init_command", "")
    if "journal_mode=WAL" not in init:
        pytest.skip("not on SQLite")
    database = sqlite3.connect(tmp_path / "probe.sqlite3")
    for statement in filter(None, init.split(";")):
        database.execute(statement)
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
