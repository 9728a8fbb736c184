"""The periodic jobs of the foundation. Other contexts register theirs in their own jobs.py."""

from tular.api.idempotency import prune_expired
from tular.core.schedule import every


@every(seconds=3600)
def prune_idempotency_records() -> None:
    prune_expired()
