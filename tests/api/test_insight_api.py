"""Story: an integrator enters what the events cannot tell (costs, outside figures) through the
API, reads them back, and gets a problem on bad input, with nothing changed."""

from datetime import timedelta

import pytest

from tests.helpers import assert_problem
from tular.analytics.models import CostEntry, Goal, InsightSettings, MonthFigure
from tular.core import clock
from tular.workspaces.models import AuditEntry

COST = {
    "program": "pelanggan",
    "month": "2026-11",
    "kind": "technology",
    "amount": 150000000,
    "currency": "IDR",
    "note": "Langganan alat",
}


@pytest.fixture
def cost(api, program):
    response = api.post("/api/v1/costs", COST)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_cost_is_entered_listed_and_deleted(api, cost):
    assert cost["month"] == "2026-11-01"
    assert (cost["program"], cost["kind"], cost["amount"], cost["currency"]) == (
        "pelanggan",
        "technology",
        150000000,
        "IDR",
    )
    listed = api.get("/api/v1/costs?program=pelanggan&from=2026-11&to=2026-11").json()
    assert [item["id"] for item in listed["items"]] == [cost["id"]]
    assert api.get("/api/v1/costs?from=2026-12").json()["items"] == []
    assert AuditEntry.objects.filter(action="cost.create", target_id=cost["id"]).exists()

    deleted = api.request("DELETE", f"/api/v1/costs/{cost['id']}")
    assert deleted.status_code == 204
    assert not CostEntry.objects.exists()
    assert AuditEntry.objects.filter(action="cost.delete", target_id=cost["id"]).exists()
    assert_problem(api.request("DELETE", f"/api/v1/costs/{cost['id']}"), 404)


def test_a_workspace_cost_has_no_program(api, program):
    response = api.post("/api/v1/costs", {**COST, "program": None, "month": "2026-10-17"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["program"] is None and body["month"] == "2026-10-01"
    only = api.get("/api/v1/costs?workspace_only=true").json()["items"]
    assert [item["id"] for item in only] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"amount": -1}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "idr "}, "currency"),
        ({"month": "2026-13"}, "month"),
        ({"month": "November"}, "month"),
        ({"month": "1999-12"}, "month"),
        ({"kind": "rewards"}, "kind"),
        ({"program": "nope"}, "program"),
        ({"note": "x" * 301}, "note"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_cost_is_a_problem_and_nothing_is_stored(api, program, change, where):
    body = assert_problem(api.post("/api/v1/costs", {**COST, **change}), 422)
    assert any(where in error["loc"] for error in body["errors"]), body
    assert not CostEntry.objects.exists()


def test_another_workspace_never_sees_nor_deletes_a_cost(api, outsider_api, cost):
    assert outsider_api.get("/api/v1/costs").json()["items"] == []
    assert_problem(outsider_api.request("DELETE", f"/api/v1/costs/{cost['id']}"), 404)
    assert CostEntry.objects.count() == 1


def test_a_month_figure_is_replaced_not_added(api, program):
    body = {"program": "pelanggan", "month": "2026-11", "key": "other_leads", "value": 40}
    first = api.request("PUT", "/api/v1/month-figures", body)
    assert first.status_code == 200, first.content
    second = api.request("PUT", "/api/v1/month-figures", {**body, "value": 55})
    assert second.json()["id"] == first.json()["id"]
    assert MonthFigure.objects.get().value == 55
    listed = api.get("/api/v1/month-figures?program=pelanggan").json()["items"]
    assert [(item["key"], item["value"], item["currency"]) for item in listed] == [
        ("other_leads", 55, "")
    ]
    removed = api.request("PUT", "/api/v1/month-figures", {**body, "value": None})
    assert removed.status_code == 204
    assert not MonthFigure.objects.exists()


def test_new_revenue_needs_a_currency_and_a_count_none(api, program):
    revenue = {"month": "2026-11", "key": "all_new_revenue", "value": 900000000}
    assert_problem(api.request("PUT", "/api/v1/month-figures", revenue), 422)
    ok = api.request("PUT", "/api/v1/month-figures", {**revenue, "currency": "IDR"})
    assert ok.status_code == 200 and ok.json()["program"] is None
    count = {"month": "2026-11", "key": "other_won", "value": 3, "currency": "IDR"}
    assert_problem(api.request("PUT", "/api/v1/month-figures", count), 422)
    negative = {"month": "2026-11", "key": "other_won", "value": -3}
    assert_problem(api.request("PUT", "/api/v1/month-figures", negative), 422)
    assert MonthFigure.objects.count() == 1


def test_a_bad_filter_is_a_problem(api, program):
    body = assert_problem(api.get("/api/v1/costs?program=nope"), 422)
    assert body["errors"][0]["loc"][0] == "query"
    assert_problem(api.get("/api/v1/costs?from=2026-11&to=2026-10"), 422)
    assert_problem(api.get("/api/v1/month-figures?from=yesterday"), 422)


def test_a_goal_is_set_listed_with_its_progress_and_deleted(api, program):
    today = clock.now().date()
    body = {
        "program": "pelanggan",
        "metric": "revenue",
        "from": today.replace(day=1).isoformat(),
        "to": (today.replace(day=1) + timedelta(days=89)).isoformat(),
        "target": 5000000000,
        "currency": "IDR",
        "note": "Kuartal ini",
    }
    created = api.post("/api/v1/goals", body)
    assert created.status_code == 201, created.content
    goal = created.json()
    assert (goal["metric"], goal["target"], goal["currency"], goal["from"]) == (
        "revenue",
        "5000000000",
        "IDR",
        body["from"],
    )
    assert goal["actual"] == "0" and goal["on_track"] is False and goal["total_days"] == 90
    listed = api.get("/api/v1/goals?program=pelanggan").json()["items"]
    assert [item["id"] for item in listed] == [goal["id"]]
    assert AuditEntry.objects.filter(action="goal.create", target_id=goal["id"]).exists()
    assert api.request("DELETE", f"/api/v1/goals/{goal['id']}").status_code == 204
    assert not Goal.objects.exists()
    assert_problem(api.request("DELETE", f"/api/v1/goals/{goal['id']}"), 404)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"target": 0}, "target"),
        ({"target": "lots"}, "target"),
        ({"metric": "conversion_rate", "target": "120"}, "target"),
        ({"metric": "revenue"}, "currency"),
        ({"to": "2020-01-01"}, "ends_on"),
        ({"metric": "happiness"}, "metric"),
        ({"program": "nope"}, "program"),
    ],
)
def test_a_bad_goal_is_a_problem_and_nothing_is_stored(api, program, change, where):
    body = {
        "program": "pelanggan",
        "metric": "qualified_referrals",
        "from": "2026-10-01",
        "to": "2026-12-31",
        "target": 30,
        **change,
    }
    problem = assert_problem(api.post("/api/v1/goals", body), 422)
    assert any(where in error["loc"] for error in problem["errors"]), problem
    assert not Goal.objects.exists()


def test_bands_are_read_and_replaced(api, program):
    default = api.get("/api/v1/insight-settings?program=pelanggan").json()
    assert default["inherited"] is True and default["sector"] == "b2b_saas"
    assert default["bands"]["referral_rate"]["low"] == "15"
    body = {
        "program": "pelanggan",
        "sector": "services",
        "bands": {"payback_months": {"low": None, "high": 4}},
        "paid_ads_cost_per_customer": 150000000,
        "paid_ads_currency": "IDR",
    }
    saved = api.request("PUT", "/api/v1/insight-settings", body)
    assert saved.status_code == 200, saved.content
    after = saved.json()
    assert after["inherited"] is False and after["sector"] == "services"
    assert after["bands"]["referral_rate"]["low"] == "30"  # the services default
    assert after["bands"]["payback_months"] == {
        **after["bands"]["payback_months"],
        "high": "4",
        "changed": True,
        "default_high": "6",
    }
    assert after["paid_ads_cost_per_customer"] == 150000000
    # the workspace's own settings are untouched
    assert api.get("/api/v1/insight-settings").json()["sector"] == "b2b_saas"


@pytest.mark.parametrize(
    "change",
    [
        {"sector": "farming"},
        {"bands": {"referral_rate": {"low": 30, "high": 10}}},
        {"bands": {"referral_rate": {"low": -1}}},
        {"bands": {"happiness": {"low": 1}}},
        {"bands": {"referral_rate": {}}},
        {"paid_ads_cost_per_customer": 100, "paid_ads_currency": "XYZ"},
        {"paid_ads_cost_per_customer": -100, "paid_ads_currency": "IDR"},
    ],
)
def test_bad_bands_are_a_problem_and_nothing_changes(api, program, change):
    body = {"sector": "ecommerce", "bands": {}, **change}
    assert_problem(api.request("PUT", "/api/v1/insight-settings", body), 422)
    assert not InsightSettings.objects.exists()
