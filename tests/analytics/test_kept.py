"""analytics.kept: a period's figure computed once and kept, exact: a change waiting for the
job means computing afresh; the job's pass makes the kept figures of the changed months stale,
and computes again those looked at lately."""

from datetime import date, timedelta

import pytest

from tests.rewards.books import make_program
from tular.analytics import kept
from tular.analytics.metrics import Period
from tular.analytics.models import KeptFigure, ProgramVersion, RollupMark
from tular.analytics.rollups import rollup_rebuild, rollups_catch_up
from tular.core import clock

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


class Source:
    """What the test recipes compute: the next value each time, and how often they ran."""

    values: list = []
    calls = 0

    @classmethod
    def will_give(cls, *values):
        cls.values, cls.calls = list(values), 0

    @classmethod
    def compute(cls, *, programs, period, extra):
        cls.calls += 1
        return cls.values[min(cls.calls, len(cls.values)) - 1]


kept.recipe("test")(Source.compute)
kept.recipe("test-open", open_ended=True)(Source.compute)
kept.recipe("test-epoch", from_epoch=True)(Source.compute)


def ask(program, kind="test", period=MARCH, extra=""):
    return kept.kept(kind, programs=[program.pk], period=period, extra=extra)


@pytest.fixture
def program(workspace):
    return make_program(workspace)


@pytest.fixture
def quiet(program):
    rollups_catch_up(click_lag_seconds=0)  # the fixtures' own marks
    assert not RollupMark.objects.exists()
    return program


def not_looked_at_lately() -> None:
    """Not looked at for two days: the job does not compute them again (but keeps them)."""
    KeptFigure.objects.update(read_at=clock.now() - timedelta(days=2))


def change(program, day: date) -> None:
    RollupMark.objects.create(program_id=program.pk, day=day)


def test_a_figure_is_computed_once_then_kept(quiet):
    Source.will_give(7, 8)
    assert [ask(quiet) for _ in range(3)] == [7, 7, 7]
    assert Source.calls == 1
    row = KeptFigure.objects.get()
    assert (row.kind, row.programs, row.first, row.last) == (
        "test",
        str(quiet.pk),
        MARCH.first,
        MARCH.last,
    )


def test_another_period_or_extra_is_another_figure(quiet):
    Source.will_give(1, 2, 3)
    assert ask(quiet) == 1
    assert ask(quiet, period=Period(date(2026, 3, 2), date(2026, 3, 31))) == 2
    assert ask(quiet, extra="as of today") == 3
    assert Source.calls == 3


def test_a_change_waiting_for_the_job_is_computed_afresh_then_kept_after_the_job(quiet):
    Source.will_give(1, 2, 3)
    assert ask(quiet) == 1
    change(quiet, date(2026, 3, 10))
    assert ask(quiet) == 2  # a change in March: the source rows, not the kept 1
    assert ask(quiet) == 3  # still waiting: nothing is kept meanwhile
    not_looked_at_lately()
    rollups_catch_up(click_lag_seconds=0)
    Source.will_give(4, 5)
    assert ask(quiet) == 4  # the job moved March's version on
    assert ask(quiet) == 4  # and now it is kept


def test_the_job_computes_again_what_was_looked_at_lately(quiet):
    Source.will_give(1)
    assert ask(quiet) == 1
    change(quiet, date(2026, 3, 10))
    Source.will_give(2)
    rollups_catch_up(click_lag_seconds=0)
    assert Source.calls == 1  # the job did, after its pass
    Source.will_give(3)
    assert ask(quiet) == 2
    assert Source.calls == 0


def test_a_change_in_another_month_keeps_the_figure_unless_it_reads_those_days(quiet):
    Source.will_give(1, 2, 3)
    assert ask(quiet) == 1
    assert ask(quiet, "test-open") == 2
    assert ask(quiet, "test-epoch") == 3
    change(quiet, date(2026, 4, 10))  # after March
    Source.will_give(9)
    assert (ask(quiet), ask(quiet, "test-open"), ask(quiet, "test-epoch")) == (1, 9, 3)
    change(quiet, date(2026, 2, 10))  # before March
    assert (ask(quiet), ask(quiet, "test-open"), ask(quiet, "test-epoch")) == (1, 9, 9)
    not_looked_at_lately()
    rollups_catch_up(click_lag_seconds=0)
    Source.will_give(10)
    assert ask(quiet) == 1  # neither change was in March
    assert ask(quiet, "test-open") == 10
    assert ask(quiet, "test-epoch") == 10


def test_a_figure_computed_before_the_job_took_a_change_is_never_used_after(quiet):
    """The race: the figure is computed while a change commits; the job then takes the change
    and bumps the version before the figure is written. Its stamp is the old version."""

    def during():
        change(quiet, date(2026, 3, 10))
        rollups_catch_up(click_lag_seconds=0)
        return ["before the change"]

    Source.will_give("unused")
    kept.recipe("test-race")(lambda **kwargs: during())
    assert ask(quiet, "test-race") == ["before the change"]
    kept.recipe("test-race")(Source.compute)
    Source.will_give("after the change")
    assert ask(quiet, "test-race") == "after the change"


def test_the_job_bumps_only_the_changed_programs(quiet, workspace):
    other = make_program(workspace, slug="lain")
    rollups_catch_up(click_lag_seconds=0)
    Source.will_give(1, 2)
    assert (ask(quiet), ask(other)) == (1, 2)
    change(other, date(2026, 3, 10))
    not_looked_at_lately()
    rollups_catch_up(click_lag_seconds=0)
    Source.will_give(3)
    assert (ask(quiet), ask(other)) == (1, 3)
    assert ProgramVersion.objects.get(program_id=other.pk, month=date(2026, 3, 1)).version >= 1


def test_a_rebuild_forgets_every_kept_figure(quiet):
    Source.will_give(1, 2)
    assert ask(quiet) == 1
    rollup_rebuild(click_lag_seconds=0)
    assert ask(quiet) == 2


def test_figures_not_looked_at_for_two_weeks_are_dropped(quiet):
    Source.will_give(1)
    ask(quiet)
    clock.freeze(clock.now().replace(year=clock.now().year + 1))
    try:
        assert kept.forget_old() == 1
    finally:
        clock.freeze(None)
    assert not KeptFigure.objects.exists()


def test_the_dashboards_use_the_figure_kept_at_the_last_pass_while_a_change_waits(quiet):
    Source.will_give(1, 2, 3)
    assert ask(quiet) == 1
    change(quiet, date(2026, 3, 10))
    with kept.as_of_last_pass():
        assert ask(quiet) == 1  # as the rollups: not yet the waiting change
    assert ask(quiet) == 2  # the API: exact
    with kept.as_of_last_pass():
        assert ask(quiet, period=Period(date(2026, 3, 2), date(2026, 3, 31))) == 3  # new: kept
    Source.will_give(4)
    rollups_catch_up(click_lag_seconds=0)  # the pass: computed again (looked at lately)
    assert Source.calls >= 1
    with kept.as_of_last_pass():
        assert ask(quiet) == 4
    assert ask(quiet) == 4  # nothing waits now: the API finds it kept too
