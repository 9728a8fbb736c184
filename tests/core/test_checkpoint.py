"""The WAL checkpoint thread of `tular serve` on SQLite (tular.core.checkpoint)."""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection

from tests.processes import wait_for
from tular.core import checkpoint


def _database(path) -> sqlite3.Connection:
    """A writer as Tular's: WAL, synchronous NORMAL, its own autocheckpoint off, so pages stay
    in the WAL unless someone else checkpoints them."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA synchronous=NORMAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the empty table in the file
    return writer


def _write(writer: sqlite3.Connection, rows: int) -> None:
    for i in range(rows):
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}",))
        writer.execute("COMMIT")


def _in_database_file(path) -> int:
    """Rows in the database file itself, the WAL ignored (immutable=1): what checkpoints
    copied."""
    reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return reader.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        reader.close()


def test_the_thread_copies_committed_pages_into_the_database_file(tmp_path):
    path = tmp_path / "db.sqlite3"
    writer = _database(path)
    _write(writer, 50)
    assert _in_database_file(path) == 0  # all still in the WAL: nobody checkpoints

    thread = checkpoint.start(path=str(path), interval=0.01)
    try:
        assert thread is not None and thread.is_alive()
        assert checkpoint.start(path=str(path)) is None  # once per process
        assert wait_for(lambda: _in_database_file(path) == 50, 5, step=0.02)
        _write(writer, 25)  # later commits too, while the writer keeps its connection
        assert wait_for(lambda: _in_database_file(path) == 75, 5, step=0.02)
    finally:
        checkpoint.stop(thread)
        writer.close()
    assert not thread.is_alive()


def test_without_the_thread_the_pages_stay_in_the_wal(tmp_path):
    """The control of the test above: the copy is the thread's doing."""
    path = tmp_path / "db.sqlite3"
    writer = _database(path)
    _write(writer, 50)
    time.sleep(0.2)
    assert _in_database_file(path) == 0
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 50
    writer.close()


def test_a_database_not_in_wal_mode_ends_the_thread(tmp_path):
    path = tmp_path / "db.sqlite3"
    plain = sqlite3.connect(path, isolation_level=None)
    plain.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    thread = checkpoint.start(path=str(path), interval=0.01)
    try:
        thread.join(2)
        assert not thread.is_alive()
    finally:
        checkpoint.stop(thread)
        plain.close()


@pytest.mark.django_db
def test_connections_of_the_process_leave_checkpoints_to_the_thread():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        before = cursor.fetchone()[0]
        try:
            checkpoint._backstop(None, connection=connection)
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == checkpoint.BACKSTOP_PAGES
        finally:
            cursor.execute(f"PRAGMA wal_autocheckpoint={before}")
