"""analytics.goals (R7): actual so far, the straight-line forecast, on track, and the checks on
a new goal."""

from datetime import date
from decimal import Decimal

import pytest

from tests.analytics.test_measures import idr, put  # noqa: F401 - the fixture
from tular.analytics.goals import goal_create, goal_delete, goal_get, goal_progress, goals_filter
from tular.analytics.models import Goal, MonthFigure
from tular.core.errors import Invalid, NotFound
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry

Q2 = (date(2026, 4, 1), date(2026, 6, 30))  # 91 days
ME = Actor(label="manajer@toko.example")


def new(workspace, program, metric, target, currency="", **kwargs):
    return goal_create(
        workspace=workspace,
        program=program,
        metric=metric,
        starts_on=kwargs.pop("starts_on", Q2[0]),
        ends_on=kwargs.pop("ends_on", Q2[1]),
        target=target,
        currency=currency,
        note=kwargs.pop("note", ""),
        actor=ME,
    )


def test_a_count_goal_forecast_on_a_straight_line(workspace, idr):  # noqa: F811
    goal = new(workspace, idr, "qualified_referrals", 100)
    put(idr, date(2026, 4, 3), qualified=20)
    put(idr, date(2026, 4, 20), qualified=10)
    put(idr, date(2026, 7, 1), qualified=500)  # after the period
    # 30 days of 91 gone, 30 qualified: 30 / 30 * 91 = 91 forecast, under 100.
    progress = goal_progress(goal=goal, today=date(2026, 4, 30))
    assert (progress.actual, progress.elapsed_days, progress.total_days) == (30, 30, 91)
    assert progress.forecast == Decimal("91.00")
    assert progress.progress == Decimal("30.00")
    assert progress.on_track is False
    put(idr, date(2026, 4, 30), qualified=5)  # 35 / 30 * 91 = 106.17
    progress = goal_progress(goal=goal, today=date(2026, 4, 30))
    assert (progress.forecast, progress.on_track) == (Decimal("106.17"), True)
    # After the end: the forecast is the actual.
    done = goal_progress(goal=goal, today=date(2026, 8, 1))
    assert (done.actual, done.forecast, done.elapsed_days) == (35, Decimal("35.00"), 91)
    assert done.as_dict()["on_track"] is False


def test_before_the_start_there_is_nothing_to_tell(workspace, idr):  # noqa: F811
    goal = new(workspace, idr, "referrals", 10)
    progress = goal_progress(goal=goal, today=date(2026, 3, 31))
    assert (progress.actual, progress.forecast, progress.on_track) == (None, None, None)
    assert progress.elapsed_days == 0


def test_a_revenue_goal_counts_its_currency_only(workspace, idr):  # noqa: F811
    goal = new(workspace, idr, "revenue", 91_000_000, "IDR")
    put(idr, date(2026, 4, 1), revenue=(10_000_000, "IDR"))
    put(idr, date(2026, 4, 2), revenue=(5_000, "USD"))
    progress = goal_progress(goal=goal, today=date(2026, 4, 10))
    assert progress.actual == 10_000_000
    assert progress.forecast == Decimal("91000000.00")  # 10 million / 10 days * 91
    assert progress.on_track is True


def test_a_rate_goal_forecasts_the_rate_so_far(workspace, idr):  # noqa: F811
    goal = new(workspace, idr, "conversion_rate", "25")
    put(idr, date(2026, 4, 2), referrals=40, cohort_customers=8)
    progress = goal_progress(goal=goal, today=date(2026, 4, 10))
    assert (progress.actual, progress.forecast, progress.on_track) == (20, 20, False)
    # With pipeline leads, the won ones count.
    put(idr, date(2026, 4, 3), leads=10, cohort_won=4)
    assert goal_progress(goal=goal, today=date(2026, 4, 10)).actual == Decimal("10")


def test_a_share_goal_needs_the_new_revenue_entered(workspace, idr):  # noqa: F811
    goal = new(workspace, idr, "revenue_share", "30", "IDR")
    put(idr, date(2026, 4, 2), revenue=(15_000_000, "IDR"))
    progress = goal_progress(goal=goal, today=date(2026, 4, 30))
    assert (progress.actual, progress.on_track) == (None, None)
    assert progress.why
    MonthFigure.objects.create(
        workspace=workspace,
        program=idr,
        month=date(2026, 4, 1),
        key="all_new_revenue",
        value=50_000_000,
        currency="IDR",
    )
    progress = goal_progress(goal=goal, today=date(2026, 4, 30))
    assert (progress.actual, progress.on_track) == (Decimal("30"), True)


def test_create_list_get_delete_audited(workspace, idr):  # noqa: F811
    goal = new(workspace, idr, "referrals", "120", note="  Q2  ")
    assert (goal.target, goal.note, goal.currency, goal.created_by) == (120, "Q2", "", ME.label)
    assert list(goals_filter(workspace=workspace, program=idr)) == [goal]
    assert goal_get(workspace=workspace, goal_id=str(goal.pk)) == goal
    goal_delete(goal=goal, actor=ME)
    assert not Goal.objects.exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="goal.")
        .values_list("action", flat=True)
        .order_by("at")
    ) == [
        "goal.create",
        "goal.delete",
    ]
    with pytest.raises(NotFound):
        goal_get(workspace=workspace, goal_id=str(goal.pk))
    with pytest.raises(NotFound):
        goal_get(workspace=workspace, goal_id="not-a-uuid")


@pytest.mark.parametrize(
    ("metric", "target", "currency", "dates", "field"),
    [
        ("nope", 10, "", Q2, "metric"),
        ("referrals", 0, "", Q2, "target"),
        ("referrals", -3, "", Q2, "target"),
        ("referrals", "abc", "", Q2, "target"),
        ("referrals", "10.5", "", Q2, "target"),
        ("referrals", True, "", Q2, "target"),
        ("conversion_rate", "100.5", "", Q2, "target"),
        ("conversion_rate", "10.123", "", Q2, "target"),
        ("revenue", 1000, "", Q2, "currency"),
        ("revenue", 1000, "RUPIAH", Q2, "currency"),
        ("referrals", 10, "", (date(2026, 6, 30), date(2026, 4, 1)), "ends_on"),
        ("referrals", 10, "", (date(2026, 1, 1), date(2030, 1, 1)), "ends_on"),
        ("referrals", 10, "", ("2026-13-01", date(2026, 6, 30)), "starts_on"),
    ],
)
def test_a_bad_goal_is_refused_and_nothing_is_written(
    workspace,
    idr,  # noqa: F811
    metric,
    target,
    currency,
    dates,
    field,
):
    with pytest.raises(Invalid) as raised:
        new(workspace, idr, metric, target, currency, starts_on=dates[0], ends_on=dates[1])
    assert raised.value.extra["errors"][0]["loc"] == ["body", field]
    assert not Goal.objects.exists()


def test_another_workspaces_program_is_refused(workspace, idr):  # noqa: F811
    from tular.workspaces.services import workspace_get_or_create

    other = workspace_get_or_create(slug="pesaing", name="Pesaing")[0]
    with pytest.raises(Invalid):
        new(other, idr, "referrals", 10)
