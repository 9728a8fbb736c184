"""The console's overview figures (analytics.overview) read the daily rollups: UTC days,
calendar months, the clicks the worker has not counted yet added through the watermark, the
median time to reward in SQL, and the same figures as analytics.measures for the same days.

The shop is in Jakarta (UTC+7): a referral at 28 February 20:00 UTC is 1 March 03:00 there,
and the overview counts it on its UTC day, in February."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.analytics.test_rollups import History, run_job
from tests.rewards.books import make_participant, make_program
from tular.analytics.measures import measures
from tular.analytics.metrics import Period
from tular.analytics.overview import (
    daily_series,
    month_against_last,
    month_periods,
    overview_figures,
    top_referrers,
    workspace_todo,
)
from tular.core import clock
from tular.rewards.models import Reward

NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def shop(workspace, frozen_clock):
    """Andi refers Budi just before midnight in Jakarta's February... in UTC (28 Feb 20:00),
    and Citra on 1 March; Citra buys, her reward is paid 81 hours after her referral. Two
    clicks: one the job has counted, one it has not."""
    assert workspace.time_zone == "Asia/Jakarta"
    program = make_program(workspace, auto_approve_below=0, hold_days=0)
    andi = make_participant(program, "Andi")
    history = History(workspace, program)
    budi = history.signup(andi, utc(2026, 2, 28, 20, 0))  # 1 March 03:00 in Jakarta
    citra = history.signup(andi, utc(2026, 3, 1, 1, 0))
    history.sale(citra, utc(2026, 3, 2, 9, 0), 50000000)
    history.sale(budi, utc(2026, 3, 1, 2, 0), 20000000)
    history.approve_all(utc(2026, 3, 3, 9, 0))
    history.pay("IDR", utc(2026, 3, 4, 10, 0))
    history.click(andi, utc(2026, 3, 5, 12, 0))
    clock.freeze(NOW)
    run_job()
    history.click(andi, utc(2026, 3, 31, 9, 0))  # after the job: above the watermark
    clock.freeze(NOW)
    return workspace, program, andi


def test_month_periods_are_calendar_months_in_utc_days():
    this, last = month_periods(date(2026, 3, 31))
    assert (this.first, this.last) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (last.first, last.last) == (date(2026, 2, 1), date(2026, 2, 28))  # all of February
    this, last = month_periods(date(2027, 1, 15))
    assert (last.first, last.last) == (date(2026, 12, 1), date(2026, 12, 15))


def test_the_month_counts_utc_days_and_the_clicks_not_yet_rolled_up(shop):
    workspace, program, _andi = shop
    # when
    month = month_against_last(workspace=workspace)
    # then
    figures = {(f.key, f.currency): f for f in month["figures"]}
    assert (month["this_month"], month["last_month"]) == (date(2026, 3, 1), date(2026, 2, 1))
    assert month["last_month_until"] == date(2026, 2, 28)
    assert (figures[("clicks", None)].this, figures[("clicks", None)].last) == (2, 0)
    # Budi was referred on 28 February UTC (1 March in Jakarta): last month here
    assert (figures[("signups", None)].this, figures[("signups", None)].last) == (1, 1)
    assert figures[("sales", None)].this == 2
    assert figures[("revenue", "IDR")].this == 70000000
    paid = Reward.objects.filter(program=program, paid_at__isnull=False)
    assert paid.exists()
    assert figures[("rewards_paid", "IDR")].this == sum(r.amount for r in paid)
    earned = Reward.objects.filter(program=program, amount__isnull=False)
    assert (figures[("rewards_earned", "IDR")].this, figures[("rewards_earned", "IDR")].last) == (
        sum(r.amount for r in earned.filter(created_at__gte=utc(2026, 3, 1))),
        sum(r.amount for r in earned.filter(created_at__lt=utc(2026, 3, 1))),
    )
    # the median time to reward: SQL over the rewards paid this month
    expected = sorted((r.paid_at - r.referred_at).total_seconds() / 3600 for r in paid)
    assert month["time_to_reward_count"] == len(expected)
    assert figures[("time_to_reward_hours", None)].this is not None
    if len(expected) == 1:
        assert figures[("time_to_reward_hours", None)].this == Decimal("81.00")


def test_the_month_agrees_with_the_measures_of_the_same_days(shop):
    workspace, _program, _andi = shop
    month = month_against_last(workspace=workspace)
    figures = {(f.key, f.currency): f.this for f in month["figures"]}
    m = measures(
        workspace=workspace,
        period=Period(date(2026, 3, 1), date(2026, 3, 31)),
        today=NOW.date(),
        with_satisfaction=False,
        with_tree=False,
    )
    assert figures[("clicks", None)] == m.clicks
    assert figures[("signups", None)] == m.signups
    assert figures[("sales", None)] == m.sales
    assert figures[("revenue", "IDR")] == m.revenue["IDR"]
    assert figures[("rewards_earned", "IDR")] == m.rewards["IDR"]
    assert figures[("time_to_reward_hours", None)] == m.time_to_reward.hours


def test_the_chart_puts_each_thing_on_its_utc_day(shop):
    workspace, _program, _andi = shop
    # when
    series = daily_series(workspace=workspace)
    # then
    day = dict(zip(series["dates"], zip(series["clicks"], series["signups"], series["sales"])))
    assert len(series["dates"]) == 90 and series["dates"][-1] == date(2026, 3, 31)
    assert day[date(2026, 2, 28)] == (0, 1, 0)
    assert day[date(2026, 3, 1)] == (0, 1, 1)
    assert day[date(2026, 3, 2)] == (0, 0, 1)
    assert day[date(2026, 3, 5)] == (1, 0, 0)
    assert day[date(2026, 3, 31)] == (1, 0, 0)  # not yet rolled up, counted all the same
    assert sum(series["clicks"]) == 2


def test_a_referral_not_yet_rolled_up_shows_once_the_job_has_run(shop):
    workspace, program, andi = shop
    later = History(workspace, program)
    later.n = 100  # event ids of its own
    later.signup(andi, utc(2026, 3, 30, 8, 0))
    clock.freeze(NOW)
    before = daily_series(workspace=workspace)["signups"][-2]
    run_job()
    after = daily_series(workspace=workspace)["signups"][-2]
    assert (before, after) == (0, 1)


def test_the_figures_take_a_few_queries_and_no_source_table_scan(shop):
    workspace, _program, _andi = shop
    overview_figures(workspace=workspace)  # the medians are computed once, then kept
    with CaptureQueriesContext(connection) as queries:
        overview_figures(workspace=workspace)
    sql = [q["sql"] for q in queries]
    assert len(sql) <= 16, sql
    assert not any("referrals_referral" in s or "referrals_conversion" in s for s in sql), sql
    # the clicks are read only from the watermark up, by the primary key
    clicks = [s for s in sql if '"tracking_click"' in s]
    assert len(clicks) == 1 and '"tracking_click"."id" >=' in clicks[0], clicks


def test_top_referrers_and_the_to_do_list(shop):
    workspace, _program, andi = shop
    top = top_referrers(workspace=workspace, days=60)
    assert [(p.pk, p.recent) for p in top] == [(andi.pk, 2)]
    assert top[0].program.slug == "hadiah"
    assert {t.key: t.count for t in workspace_todo(workspace=workspace)} == {
        "rewards_to_review": 0,
        "flagged_referrals": 0,
        "draft_payouts": 0,
        "pending_rewards": 0,
    }
