"""Periodic jobs of the rewards context, run by `tular worker`."""

from tular.core.schedule import every
from tular.rewards.services import rewards_release_due


@every(seconds=60)
def release_rewards_whose_hold_ended() -> None:
    rewards_release_due()
