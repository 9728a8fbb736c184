"""Periodic jobs of the portal, run by `tular worker`."""

from tular.core.schedule import every
from tular.portal.signin import sign_in_records_prune


@every(seconds=3600)
def prune_sign_in_records() -> None:
    """Sign-in requests (the throttle's memory) and magic links older than a day go. Safe to
    run twice: a delete of what is already gone deletes nothing."""
    sign_in_records_prune()
