"""Periodic jobs of insight, run by `tular worker` (tular.core.worker loads every app's jobs
module). Each is safe to run twice: see the function each one calls."""

from tular.analytics import survey
from tular.core.schedule import every


@every(seconds=900)
def send_satisfaction_surveys() -> None:
    """R45: the one-question survey after a reward is paid, at most one per referrer in 90
    days (analytics.survey.surveys_send)."""
    survey.surveys_send()


@every(seconds=300)
def award_badges() -> None:
    """R40: milestone badges (analytics.recognition.badges_award; BadgeAward is unique, so a
    second run or a second worker awards nothing twice)."""
    from tular.analytics import recognition

    recognition.badges_award()


@every(seconds=30)
def rollups_refresh() -> None:
    """The daily rollups: recompute the marked (program, day) buckets and their referrers'
    stats, then count the new clicks (analytics.rollups.rollups_refresh; several workers may
    run it at once)."""
    from tular.analytics import rollups

    rollups.rollups_refresh()
