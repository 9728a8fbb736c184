"""The overview: what needs doing, this month against last, the last 90 days."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import DEMO_TODAY
from tests.console.conftest import client_for, make_member
from tular.analytics.overview import month_against_last, month_bounds, workspace_todo
from tular.core import clock
from tular.referrals.models import Referral
from tular.rewards.models import Reward


@pytest.fixture
def demo(demo_workspace, db):
    with clock.frozen(DEMO_TODAY):
        yield demo_workspace[0]


@pytest.fixture
def demo_manager(demo):
    return client_for(make_member(demo, "rina@tokoandalan.example", "manager"))


def test_the_to_do_list_counts_what_waits_and_links_to_it(demo, demo_manager):
    # when
    page = demo_manager.get("/console/").content.decode()
    # then
    todo = {item.key: item.count for item in workspace_todo(workspace=demo)}
    assert todo["flagged_referrals"] == 3
    assert todo["draft_payouts"] == 1
    assert (
        todo["rewards_to_review"]
        == Reward.objects.filter(program__workspace=demo, status="needs_review").count()
        >= 2
    )
    assert 'href="/console/rewards/?status=needs_review"' in page
    assert 'href="/console/referrals/flagged/"' in page
    assert 'href="/console/payouts/?status=draft"' in page
    assert "Hadiah untuk ditinjau" in page


def test_the_month_figures_follow_the_books(demo, demo_manager):
    # when
    month = month_against_last(workspace=demo)
    page = demo_manager.get("/console/").content.decode()
    # then: November 2026 so far against October, in UTC days (the daily rollups' days; the
    # demo's loader rebuilt them)
    assert month["this_month"] == date(2026, 11, 1)
    assert month["last_month"] == date(2026, 10, 1)
    assert month["last_month_until"] == date(2026, 10, 27)
    figures = {(f.key, f.currency): f for f in month["figures"]}
    assert figures[("clicks", None)].this > 0
    assert (
        figures[("signups", None)].this
        == Referral.objects.filter(
            workspace=demo, created_at__gte=datetime(2026, 11, 1, tzinfo=UTC)
        ).count()
    )
    assert (
        figures[("signups", None)].last
        == Referral.objects.filter(
            workspace=demo,
            created_at__gte=datetime(2026, 10, 1, tzinfo=UTC),
            created_at__lt=datetime(2026, 10, 28, tzinfo=UTC),
        ).count()
    )
    assert figures[("revenue", "IDR")].this > 0
    assert "November 2026" in page  # 1 to 27 November so far, against 1 to 27 October
    assert "Rp" in page
    # the chart's data is a JSON block, not a script
    assert '<script id="chart-90" type="application/json">' in page


def test_the_overview_answers_in_a_bounded_number_of_queries(demo, demo_manager):
    with CaptureQueriesContext(connection) as queries:
        response = demo_manager.get("/console/")
    assert response.status_code == 200
    # 38: the figures, and one COUNT per nav badge (pipeline, deals, partners, support)
    assert len(queries) <= 38, "\n".join(q["sql"][:150] for q in queries)


def test_a_viewer_sees_the_overview_too(demo):
    viewer = client_for(make_member(demo, "lihat@tokoandalan.example", "viewer"))
    assert viewer.get("/console/").status_code == 200


def test_another_workspaces_owner_never_sees_these_numbers(demo, outsider_client):
    page = outsider_client.get("/console/").content.decode()
    assert "Toko Andalan" not in page
    assert "Tidak ada yang menunggu" in page  # their own, empty workspace


def test_month_bounds_cross_the_year():
    assert month_bounds(date(2027, 1, 15)) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    )


def test_an_empty_workspace_has_nothing_to_do(console_workspace, owner_client):
    assert all(item.count == 0 for item in workspace_todo(workspace=console_workspace))
    page = owner_client.get("/console/").content.decode()
    assert "Tidak ada yang menunggu" in page
