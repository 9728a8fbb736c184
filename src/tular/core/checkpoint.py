"""SQLite's WAL checkpoints in a thread of their own, off the requests' path.

In WAL mode a commit appends its pages to the `-wal` file; a *checkpoint* copies them back into
the database file and syncs it. SQLite runs one itself in whichever connection's commit finds the
WAL past 1,000 pages (`wal_autocheckpoint`): that request then waits for the copy and the fsync,
and on one writer every request behind it waits too (bench/track_micro.py: about 0.2 ms per
track/sale on average, milliseconds for the unlucky one).

`start()` (tular serve, once per process, SQLite only) starts a daemon thread with its own
connection that runs a PASSIVE checkpoint every `interval` seconds while there is something to
copy. PASSIVE never waits for a reader or a writer; sqlite3 releases the GIL while it works, so
the copy and the fsync run on another core beside the requests. The WAL then stays small and is
restarted by the next writer, and the commits' own autocheckpoint is left on as the backstop
(another process, or a checkpoint that could not finish). Nothing is deferred that a commit
needs: a committed transaction is durable in the WAL before its answer leaves, with or without
this thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

logger = logging.getLogger(__name__)

BACKSTOP_PAGES = 10_000  # this process's commits checkpoint themselves past this WAL size
INTERVAL = 0.05  # seconds between checkpoints while the WAL has pages to copy
IDLE_INTERVAL = 0.25  # seconds between looks while nothing new was written

_lock = threading.Lock()
_threads: dict[threading.Thread, threading.Event] = {}  # started threads, their stop events


def start(*, path: str, interval: float = INTERVAL) -> threading.Thread | None:
    """Start the checkpoint thread for the database at `path` (once per process); None when
    it already runs."""
    with _lock:
        if any(thread.is_alive() for thread in _threads):
            return None
        stop = threading.Event()
        thread = threading.Thread(
            target=_run,
            kwargs={"path": path, "interval": interval, "stop": stop},
            name="tular-checkpoint",
            daemon=True,
        )
        thread.start()
        from django.db.backends.signals import connection_created

        connection_created.connect(_backstop, dispatch_uid="tular-checkpoint-backstop")
        _threads[thread] = stop
        return thread


def stop(thread: threading.Thread, *, timeout: float = 5.0) -> None:
    """Stop a thread of start() and wait for it (tests)."""
    _threads.pop(thread).set()
    thread.join(timeout)


def _backstop(sender, connection, **kwargs) -> None:
    """A new connection of this process leaves the checkpoints to the thread up to
    BACKSTOP_PAGES of WAL (SQLite's default: 1,000 pages, about 4 MB)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")


def checkpoint(connection: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, pages in the WAL, pages copied into the database)."""
    return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def _run(*, path: str, interval: float, stop: threading.Event) -> None:
    try:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        logger.warning("SQLite checkpoints stay with the commits: cannot open %s", path)
        return
    wait, seen = interval, 0
    try:
        while not stop.wait(wait):
            try:
                busy, frames, copied = checkpoint(connection)
            except sqlite3.Error as error:  # e.g. the database file went away
                logger.debug("checkpoint skipped: %s", error)
                wait = IDLE_INTERVAL
                continue
            if frames < 0 and not busy:  # not in WAL mode: nothing to do here
                return
            # Pages left to copy, a checkpoint in the way, or new pages since the last look:
            # come back soon; else look less often.
            wait = interval if busy or copied < frames or frames != seen else IDLE_INTERVAL
            seen = frames
    finally:
        connection.close()
