"""A task for the Redis queue's test: writes a file the test waits for."""

from pathlib import Path

from django.tasks import task


@task
def touch(path: str) -> str:
    Path(path).write_text("ran")
    return path
