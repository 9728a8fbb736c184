"""analytics.kept: a period's figure computed once and kept, exact: a change waiting for the
job means computing afresh; the job's pass makes every kept figure of the program stale."""

from datetime import date

import pytest

from tests.rewards.books import make_program
from tular.analytics import kept
from tular.analytics.models import KeptFigure, ProgramVersion, RollupMark
from tular.analytics.rollups import rollups_catch_up
from tular.core import clock

pytestmark = pytest.mark.django_db

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


class Counter:
    def __init__(self, *values):
        self.values = list(values)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.values[min(self.calls, len(self.values)) - 1]


def ask(program, compute, *, first=MARCH[0], last=MARCH[1], **kwargs):
    return kept.kept(
        "test", programs=[program.pk], first=first, last=last, compute=compute, **kwargs
    )


@pytest.fixture
def program(workspace):
    return make_program(workspace)


@pytest.fixture
def quiet(program):
    rollups_catch_up(click_lag_seconds=0)  # the fixtures' own marks
    assert not RollupMark.objects.exists()
    return program


def test_a_figure_is_computed_once_then_kept(quiet):
    compute = Counter(7, 8)
    assert [ask(quiet, compute) for _ in range(3)] == [7, 7, 7]
    assert compute.calls == 1
    assert KeptFigure.objects.count() == 1


def test_another_period_or_program_is_another_figure(quiet, workspace):
    compute = Counter(1, 2, 3)
    assert ask(quiet, compute) == 1
    assert ask(quiet, compute, first=date(2026, 3, 2)) == 2
    assert ask(quiet, compute, extra="as of today") == 3
    assert compute.calls == 3


def test_a_change_waiting_for_the_job_is_computed_afresh_then_kept_after_the_job(quiet):
    compute = Counter(1, 2, 3)
    assert ask(quiet, compute) == 1
    RollupMark.objects.create(program_id=quiet.pk, day=date(2026, 3, 10))
    assert ask(quiet, compute) == 2  # a change in March: the source rows, not the kept 1
    assert ask(quiet, compute) == 3  # still waiting: nothing is kept meanwhile
    rollups_catch_up(click_lag_seconds=0)
    assert ask(quiet, Counter(4)) == 4  # the job moved the version on
    assert ask(quiet, Counter(5)) == 4  # and now it is kept


def test_a_change_outside_the_days_keeps_the_figure_unless_open_ended(quiet):
    compute = Counter(1, 2)
    assert ask(quiet, compute) == 1
    assert ask(quiet, compute, open_ended=True, extra="open") == 2
    RollupMark.objects.create(program_id=quiet.pk, day=date(2026, 4, 10))
    assert ask(quiet, Counter(9)) == 1
    assert ask(quiet, Counter(9), open_ended=True, extra="open") == 9


def test_a_figure_computed_before_the_job_took_a_change_is_never_used_after(quiet):
    """The race: the figure is computed while a change commits; the job then takes the change
    and bumps the version before the figure is written. Its stamp is the old version."""
    computed = []

    def compute():
        # the change and the job's pass happen while we compute
        RollupMark.objects.create(program_id=quiet.pk, day=date(2026, 3, 10))
        rollups_catch_up(click_lag_seconds=0)
        computed.append(1)
        return "before the change"

    assert ask(quiet, compute) == "before the change"
    assert ask(quiet, Counter("after the change")) == "after the change"


def test_the_job_bumps_only_the_changed_programs(quiet, workspace):
    other = make_program(workspace, slug="lain")
    rollups_catch_up(click_lag_seconds=0)
    assert ask(quiet, Counter(1)) == 1
    assert ask(other, Counter(2)) == 2
    RollupMark.objects.create(program_id=other.pk, day=date(2026, 3, 10))
    rollups_catch_up(click_lag_seconds=0)
    assert ask(quiet, Counter(3)) == 1
    assert ask(other, Counter(4)) == 4
    assert ProgramVersion.objects.get(program_id=other.pk, month=date(2026, 3, 1)).version >= 1


def test_a_change_in_another_month_keeps_the_figure(quiet):
    assert ask(quiet, Counter(1)) == 1
    assert ask(quiet, Counter(2), open_ended=True, extra="open") == 2
    RollupMark.objects.create(program_id=quiet.pk, day=date(2026, 4, 10))
    rollups_catch_up(click_lag_seconds=0)
    assert ask(quiet, Counter(3)) == 1  # March's figure: April changed
    assert ask(quiet, Counter(4), open_ended=True, extra="open") == 4  # from March on
    RollupMark.objects.create(program_id=quiet.pk, day=date(2026, 3, 31))
    rollups_catch_up(click_lag_seconds=0)
    assert ask(quiet, Counter(5)) == 5


def test_a_rebuild_forgets_every_kept_figure(quiet):
    from tular.analytics.rollups import rollup_rebuild

    assert ask(quiet, Counter(1)) == 1
    rollup_rebuild(click_lag_seconds=0)
    assert ask(quiet, Counter(2)) == 2


def test_figures_not_asked_for_two_weeks_are_dropped(quiet):
    ask(quiet, Counter(1))
    clock.freeze(clock.now().replace(year=clock.now().year + 1))
    try:
        assert kept.forget_old() == 1
    finally:
        clock.freeze(None)
    assert not KeptFigure.objects.exists()
