"""Periodic jobs of participants, run by `tular worker`: imports whose task was lost."""

from tular.core.schedule import every
from tular.participants.imports import import_participants, imports_lost


@every(seconds=60)
def resume_lost_imports() -> None:
    """Enqueue again every import no worker is running (its task lost, or its worker dead).
    Safe to run twice: the task's claim lets one worker through per import."""
    for job_id in imports_lost():
        import_participants.enqueue(str(job_id))
