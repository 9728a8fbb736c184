"""Periodic jobs of the console, run by `tular worker`."""

from tular.console.forms import prune_tokens
from tular.core.schedule import every


@every(seconds=3600)
def prune_used_form_tokens() -> None:
    prune_tokens()
