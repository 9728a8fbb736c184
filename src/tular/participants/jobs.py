"""Periodic jobs of participants, run by `tular worker`: imports whose task was lost, and the
portal's sign-in records past their day."""

from tular.core.schedule import every
from tular.participants.imports import import_participants, imports_lost
from tular.participants.signin import sign_in_records_prune


@every(seconds=60)
def resume_lost_imports() -> None:
    """Enqueue again every import no worker is running (its task lost, or its worker dead).
    Safe to run twice: the task's claim lets one worker through per import."""
    for job_id in imports_lost():
        import_participants.enqueue(str(job_id))


@every(seconds=3600)
def prune_sign_in_records() -> None:
    """Sign-in requests (the throttle's memory) and magic links older than a day go. Safe to
    run twice: a delete of what is already gone deletes nothing."""
    sign_in_records_prune()
