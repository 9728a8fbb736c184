"""What a referrer sees of recognition (R40) on their portal pages: their badges, their rank on
this month's and this quarter's leaderboard (when the program has one), and the program's open
contests with where they stand. Reads through tular.analytics.recognition and, for the ranks,
tular.portal.stats.leaderboard (the same ranks as the leaderboard page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tular.analytics import recognition
from tular.core.money import format_money
from tular.portal import stats


def quarter_start(moment: datetime | None = None) -> datetime:
    """The first instant of the current calendar quarter in the active time zone."""
    month = stats.month_start(moment)
    return month.replace(month=(month.month - 1) // 3 * 3 + 1)


@dataclass(frozen=True)
class ContestStanding:
    contest: object
    you: object  # analytics.recognition.Standing, or None: no result yet
    bonus: str  # the prize as words: money or the perk
    ended: bool


@dataclass(frozen=True)
class Recognition:
    badges: list  # analytics.recognition.EarnedBadge
    month: object  # portal.stats.Standing or None (None also when the program has no board)
    quarter: object
    contests: list[ContestStanding]
    has_board: bool

    @property
    def empty(self) -> bool:
        return not (self.badges or self.month or self.quarter or self.contests)


def recognition_for(participant, *, language: str = "id") -> Recognition:
    program = participant.program
    month = quarter = None
    if program.leaderboard:
        month = stats.leaderboard(
            program=program, participant=participant, since=stats.month_start()
        ).you
        quarter = stats.leaderboard(
            program=program, participant=participant, since=quarter_start()
        ).you
    contests = []
    for contest in recognition.open_contests(program=program):
        _rows, you = recognition.contest_standings(
            contest=contest, limit=contest.winners, viewer=participant
        )
        bonus = (
            format_money(contest.bonus_amount, contest.bonus_currency, language)
            if contest.bonus_amount is not None
            else contest.bonus_perk
        )
        contests.append(
            ContestStanding(
                contest=contest,
                you=you,
                bonus=bonus,
                ended=recognition.contest_has_ended(contest),
            )
        )
    return Recognition(
        badges=recognition.participant_badges(participant=participant),
        month=month,
        quarter=quarter,
        contests=contests,
        has_board=program.leaderboard,
    )
