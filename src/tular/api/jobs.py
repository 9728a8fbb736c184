"""The API's periodic jobs, run by `tular worker` (which imports every app's `jobs` module)."""

from tular.api.idempotency import prune_expired
from tular.core.schedule import every


@every(seconds=3600)
def prune_idempotency_records() -> None:
    prune_expired()
