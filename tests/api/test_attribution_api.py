"""POST /api/v1/touchpoints and GET /api/v1/attribution/compare (docs/attribution.md)."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import assert_problem
from tular.tracking import redirect
from tular.tracking.models import Touchpoint

SALE_AT = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def budi(api, participant, frozen_clock):
    """Budi signed up through Andi's code 10 days before buying Rp1.000.000."""
    signup = api.post(
        "/api/v1/track/signup",
        {
            "event_id": "signup-budi",
            "code": participant["code"],
            "customer": {"external_id": "budi", "email": "budi@example.com"},
            "occurred_at": (SALE_AT - timedelta(days=10)).isoformat(),
        },
    )
    assert signup.status_code == 201, signup.content
    return signup.json()


def test_a_touchpoint_is_recorded_with_201(api, program, participant, frozen_clock):
    at = frozen_clock.now - timedelta(days=1)
    response = api.post(
        "/api/v1/touchpoints",
        {
            "program": "pelanggan",
            "customer_external_id": "budi",
            "kind": "partner",
            "partner_external_id": "cust_42",
            "occurred_at": at.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "partner"
    assert body["participant_id"] == participant["id"]
    assert body["program"] == "pelanggan"
    assert body["click_id"] is None
    assert body["campaign"] == ""
    assert datetime.fromisoformat(body["occurred_at"]) == at


def test_an_idempotency_key_records_once(api, program):
    body = {"program": "pelanggan", "customer_external_id": "budi", "kind": "direct"}
    headers = {"Idempotency-Key": "touch-1"}
    first = api.post("/api/v1/touchpoints", body, headers=headers)
    again = api.post("/api/v1/touchpoints", body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Touchpoint.objects.count() == 1
    other = api.post("/api/v1/touchpoints", {**body, "kind": "campaign"}, headers=headers)
    assert_problem(other, 422)


def test_a_click_reported_twice_answers_the_first(api, program, participant):
    click_id = redirect.record_click(redirect.lookup(participant["code"]), source="api")
    body = {
        "program": "pelanggan",
        "customer_external_id": "budi",
        "kind": "click",
        "click_id": str(click_id),
    }
    first = api.post("/api/v1/touchpoints", body)
    again = api.post("/api/v1/touchpoints", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["click_id"] == str(click_id)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "partner", "partner_external_id": "nobody"}, 404),
        ({"kind": "click", "click_id": "01900000-0000-7000-8000-000000000000"}, 404),
        ({"kind": "partner"}, 422),
        ({"kind": "campaign"}, 422),
        ({"kind": "billboard"}, 422),
        ({"kind": "direct", "occurred_at": "2999-01-01T00:00:00Z"}, 422),
        ({"kind": "direct", "occurred_at": "yesterday"}, 422),
        ({"kind": "direct", "program": "nope"}, 422),
        ({"kind": "direct", "customer_external_id": ""}, 422),
        ({"kind": "direct", "extra": 1}, 422),
    ],
)
def test_bad_input_is_a_problem_and_records_nothing(api, program, body, status):
    full = {"program": "pelanggan", "customer_external_id": "budi", **body}
    assert_problem(api.post("/api/v1/touchpoints", full), status)
    assert not Touchpoint.objects.exists()


def test_keys_and_workspaces(api, program, publishable_api, outsider_api, anonymous_api):
    body = {"program": "pelanggan", "customer_external_id": "budi", "kind": "direct"}
    assert_problem(anonymous_api.post("/api/v1/touchpoints", body), 401)
    assert_problem(publishable_api.post("/api/v1/touchpoints", body), 403)
    assert_problem(outsider_api.post("/api/v1/touchpoints", body), 422)  # no such program there
    assert_problem(outsider_api.get("/api/v1/attribution/compare?program=pelanggan"), 404)


def test_compare_shows_every_model_side_by_side(api, program, participant, budi, frozen_clock):
    """Andi's referral 10 days before the sale and a campaign 2 days before: first touch gives
    Andi all, last touch the campaign, linear and position-based half each."""
    touch = api.post(
        "/api/v1/touchpoints",
        {
            "program": "pelanggan",
            "customer_external_id": "budi",
            "kind": "campaign",
            "campaign": "ramadan",
            "occurred_at": (SALE_AT - timedelta(days=2)).isoformat(),
        },
    )
    assert touch.status_code == 201, touch.content
    sale = api.post(
        "/api/v1/track/sale",
        {
            "event_id": "sale-1",
            "customer_external_id": "budi",
            "amount": 100_000_000,
            "currency": "IDR",
            "occurred_at": SALE_AT.isoformat(),
        },
    )
    assert sale.status_code == 201, sale.content
    response = api.get(
        "/api/v1/attribution/compare?program=pelanggan&from=2026-05-01&to=2026-05-31"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["model"], body["sales"]) == (
        "2026-05-01",
        "2026-05-31",
        "last_touch",
        1,
    )
    assert (body["window_days"], body["half_life_days"]) == (30, 7)
    rows = {row["name"]: row for row in body["rows"]}
    assert set(rows) == {"Andi", "ramadan"}
    andi, ramadan = rows["Andi"], rows["ramadan"]
    assert andi["participant_id"] == participant["id"] and andi["kind"] == "participant"
    assert ramadan["participant_id"] is None and ramadan["kind"] == "campaign"

    def revenue(row, model):
        return [a["amount"] for a in row["models"][model]["revenue"]] or [0]

    assert revenue(andi, "first_touch") == [100_000_000]
    assert revenue(ramadan, "first_touch") == [0]
    assert revenue(ramadan, "last_touch") == [100_000_000]
    for model in ("linear", "position_based"):
        assert revenue(andi, model) == revenue(ramadan, model) == [50_000_000]
        assert andi["models"][model]["conversions"] == "0.50"
    # ages 10 and 2 days, half-life 7: weights 2^(-10/7) and 2^(-2/7)
    weights = (2 ** (-10 / 7), 2 ** (-2 / 7))
    assert revenue(andi, "time_decay") == [round(100_000_000 * weights[0] / sum(weights))]
    for model in body["totals"].values():
        assert model["revenue"] == [{"currency": "IDR", "amount": 100_000_000}]
        assert model["commission"] == [{"currency": "IDR", "amount": 20_000_000}]
        assert model["conversions"] == "1.00"


def test_the_half_life_is_a_program_setting(api, program):
    patch = api.request(
        "PATCH",
        "/api/v1/programs/pelanggan",
        {"attribution": {"model": "time_decay", "window_days": 30, "half_life_days": 3}},
    )
    assert patch.status_code == 200, patch.content
    assert patch.json()["attribution"]["half_life_days"] == 3
    body = api.get("/api/v1/attribution/compare?program=pelanggan").json()
    assert (body["model"], body["half_life_days"], body["sales"]) == ("time_decay", 3, 0)
    bad = api.request(
        "PATCH",
        "/api/v1/programs/pelanggan",
        {"attribution": {"model": "time_decay", "window_days": 30, "half_life_days": 0}},
    )
    assert_problem(bad, 422)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("program=nope", 404),
        ("", 422),
        ("program=pelanggan&from=2026-05-10&to=2026-05-01", 422),
        ("program=pelanggan&from=10-05-2026", 422),
        ("program=pelanggan&from=2000-01-01&to=2026-01-01", 422),
    ],
)
def test_compare_bad_query(api, program, query, status):
    assert_problem(api.get(f"/api/v1/attribution/compare?{query}"), status)
