"""Periodic jobs of deal registration, run by `tular worker`."""

from tular.core.schedule import every
from tular.deals.services import deals_expire


@every(seconds=300)
def expire_deals() -> None:
    """Deals past their protection window expire, freeing the accounts they held (each by a
    conditional update: several workers expire a deal once)."""
    deals_expire()
