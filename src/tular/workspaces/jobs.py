"""Periodic jobs of the workspaces context, run by `tular worker`."""

from tular.core.schedule import every
from tular.workspaces.auth import sign_in_failures_prune


@every(seconds=3600)
def prune_sign_in_failures() -> None:
    sign_in_failures_prune()
