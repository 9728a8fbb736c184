"""attribution_compare: the period's real sales, each customer's journey, every model side by side
(tular.analytics.attribution). The journey of the worked example (issue 13): touches 14, 7, 3 and
0 days before a sale of Rp1.000.000 (100,000,000 minor units: IDR has 2 in Tular)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.helpers import PARTICIPANT_BODY
from tular.analytics.attribution import attribution_compare
from tular.analytics.metrics import Period
from tular.programs.models import Program
from tular.tracking import redirect
from tular.tracking.credit import MODELS, Model
from tular.tracking.touchpoints import touchpoint_record

SALE_AT = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
MAY = Period(first=date(2026, 5, 1), last=date(2026, 5, 31))


def enrol(api, external_id, email, name, kind="customer"):
    body = {**PARTICIPANT_BODY, "external_id": external_id, "email": email, "name": name}
    response = api.post("/api/v1/participants", {**body, "kind": kind})
    assert response.status_code == 201, response.content
    return response.json()


def sale(api, customer, amount, at, event):
    response = api.post(
        "/api/v1/track/sale",
        {
            "event_id": event,
            "customer_external_id": customer,
            "amount": amount,
            "currency": "IDR",
            "invoice_id": event,
            "occurred_at": at.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def journey(api, program, participant, workspace, frozen_clock):
    """Andi's click 14 days before the sale signs Budi up; partner Mitra touches him 7 days
    before, the Ramadan campaign 3 days before, the direct team on the day of the sale."""
    mitra = enrol(api, "mitra_1", "mitra@example.com", "Mitra", kind="reseller")
    target = redirect.lookup(participant["code"])
    click_id = redirect.record_click(target, source="api", at=SALE_AT - timedelta(days=14))
    signup = api.post(
        "/api/v1/track/signup",
        {
            "event_id": "signup-budi",
            "click_id": str(click_id),
            "customer": {"external_id": "budi", "email": "budi@example.com"},
            "occurred_at": (SALE_AT - timedelta(days=14, hours=-1)).isoformat(),
        },
    )
    assert signup.status_code == 201 and signup.json()["attributed"], signup.content
    prog = Program.objects.get(pk=program["id"])
    for kind, extra, days in (
        ("partner", {"partner_external_id": "mitra_1"}, 7),
        ("campaign", {"campaign": "ramadan"}, 3),
        ("direct", {}, 0),
    ):
        touchpoint_record(
            workspace=workspace,
            program=prog,
            customer_external_id="budi",
            kind=kind,
            occurred_at=SALE_AT - timedelta(days=days),
            **extra,
        )
    # Reported again by the customer's backend: the referral's click is counted once.
    touchpoint_record(
        workspace=workspace,
        program=prog,
        customer_external_id="budi",
        kind="click",
        click_id=str(click_id),
    )
    sold = sale(api, "budi", 100_000_000, SALE_AT, "inv-1")
    commission = sum(r["amount"] for r in sold["rewards"] if r["recipient"] == "referrer")
    assert commission == 20_000_000  # the program's 20 % rule
    return {"program": prog, "andi": participant, "mitra": mitra}


def by_name(found):
    return {
        (row.participant.name if row.participant else row.campaign or row.kind): row
        for row in found.rows
    }


def test_every_model_side_by_side(journey):
    found = attribution_compare(program=journey["program"], period=MAY)
    assert found.sales == 1
    assert found.current_model == Model.last_touch
    assert (found.window_days, found.half_life_days) == (30, 7)
    rows = by_name(found)
    assert set(rows) == {"Andi", "Mitra", "ramadan", "direct"}
    revenue = {
        model: [rows[name].by_model[model].revenue.get("IDR", 0) for name in rows]
        for model in MODELS
    }
    order = list(rows)
    expected = {
        "Andi": {
            Model.first_touch: 100_000_000,
            Model.last_touch: 0,
            Model.linear: 25_000_000,
            Model.time_decay: 10_028_090,
            Model.position_based: 40_000_000,
        },
        "Mitra": {
            Model.first_touch: 0,
            Model.last_touch: 0,
            Model.linear: 25_000_000,
            Model.time_decay: 20_056_180,
            Model.position_based: 10_000_000,
        },
        "ramadan": {
            Model.first_touch: 0,
            Model.last_touch: 0,
            Model.linear: 25_000_000,
            Model.time_decay: 29_803_369,
            Model.position_based: 10_000_000,
        },
        "direct": {
            Model.first_touch: 0,
            Model.last_touch: 100_000_000,
            Model.linear: 25_000_000,
            Model.time_decay: 40_112_361,
            Model.position_based: 40_000_000,
        },
    }
    for model in MODELS:
        assert revenue[model] == [expected[name][model] for name in order], model
        assert sum(revenue[model]) == found.totals[model].revenue["IDR"] == 100_000_000


def test_commission_is_the_granted_reward_split_by_the_model(journey):
    """The 20 % reward (Rp200.000 = 20,000,000 minor units) split by time decay: 2,005,618.02 /
    4,011,236.04 / 5,960,673.85 / 8,022,472.08 → the one unit left goes to the .85."""
    found = attribution_compare(program=journey["program"], period=MAY)
    rows = by_name(found)
    decay = [
        rows[name].by_model[Model.time_decay].commission["IDR"]
        for name in ("Andi", "Mitra", "ramadan", "direct")
    ]
    assert decay == [2_005_618, 4_011_236, 5_960_674, 8_022_472]
    for model in MODELS:
        assert found.totals[model].commission == {"IDR": 20_000_000}
        assert sum(row.by_model[model].commission.get("IDR", 0) for row in found.rows) == (
            20_000_000
        )
    assert rows["Andi"].by_model[Model.first_touch].commission == {"IDR": 20_000_000}
    assert rows["Andi"].by_model[Model.last_touch].commission == {}


def test_half_life_and_window_are_the_programs(journey):
    """A 1-day half-life moves credit to the newest touch; a 5-day window drops the touches
    older than 5 days (Andi's click and Mitra)."""
    program = journey["program"]
    program.attribution = {"model": "linear", "window_days": 5, "half_life_days": 1}
    program.save(update_fields=["attribution"])
    found = attribution_compare(program=program, period=MAY)
    assert found.current_model == Model.linear
    rows = by_name(found)
    assert set(rows) == {"ramadan", "direct"}
    assert rows["ramadan"].by_model[Model.linear].revenue == {"IDR": 50_000_000}
    decay = rows["direct"].by_model[Model.time_decay].revenue["IDR"]
    assert decay == round(100_000_000 / (1 + 2**-3))  # weights 2^-3 and 1


def test_a_sale_outside_every_window_is_credited_to_nobody(journey, api, frozen_clock):
    """A repeat sale 40 days after the last touch: every model leaves it to `nobody`, and the
    totals still hold every sale."""
    frozen_clock.set(SALE_AT + timedelta(days=41))
    sale(api, "budi", 10_000_000, SALE_AT + timedelta(days=40), "inv-2")
    period = Period(first=date(2026, 5, 1), last=date(2026, 6, 30))
    found = attribution_compare(program=journey["program"], period=period)
    assert found.sales == 2
    nobody = by_name(found)["nobody"]
    for model in MODELS:
        assert nobody.by_model[model].revenue == {"IDR": 10_000_000}
        assert found.totals[model].revenue == {"IDR": 110_000_000}


def test_the_period_bounds_the_sales(journey):
    found = attribution_compare(
        program=journey["program"], period=Period(first=date(2026, 5, 11), last=date(2026, 5, 31))
    )
    assert found.sales == 0
    assert found.rows == []


def test_the_queries_do_not_grow_with_the_sales(journey, api, django_assert_max_num_queries):
    """The sales, their touchpoints, their rewards and the participants: one query each
    (per 500 customers), however many sales."""
    for index in range(5):
        sale(api, "budi", 1_000_000, SALE_AT + timedelta(hours=index + 1), f"inv-more-{index}")
    with django_assert_max_num_queries(4):
        found = attribution_compare(program=journey["program"], period=MAY)
    assert found.sales == 6
