"""Periodic jobs of partners, run by `tular worker`: the tier rules."""

from tular.core.schedule import every
from tular.partners.tiers import tiers_review


@every(seconds=3600)
def review_partner_tiers() -> None:
    """Move every partner to the tier its performance earns (hourly: a win moves a partner
    up the same hour). Safe to run twice: a partner already in its tier is not moved."""
    tiers_review()
