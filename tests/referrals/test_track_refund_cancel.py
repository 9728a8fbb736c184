"""POST /api/v1/track/refund and /cancel through the API: proportional reversals, clawback
inside the window, recurring rewards stop, bad input changes nothing."""

from datetime import timedelta

import pytest

from tests.helpers import assert_problem
from tests.referrals.conftest import sale_body
from tular.core import clock
from tular.referrals.models import Conversion, TrackedEvent
from tular.rewards.models import LedgerEntry, Reward


def refund_body(
    *,
    event_id="refund-1",
    amount=50_000_000,
    invoice_id="inv-1",
    currency="IDR",
    external_id="cust_budi",
):
    return {
        "event_id": event_id,
        "customer_external_id": external_id,
        "invoice_id": invoice_id,
        "amount": amount,
        "currency": currency,
    }


@pytest.fixture
def budi_bought(api, budi_signed_up):
    response = api.post("/api/v1/track/sale", sale_body(amount=100_000_000))  # 20 % = 20_000_000
    assert response.status_code == 201
    return response.json()


def referrer_reward():
    return Reward.objects.get(recipient="referrer")


def test_half_refund_reverses_half_of_the_reward(api, participant, budi_bought):
    response = api.post("/api/v1/track/refund", refund_body(amount=50_000_000))
    assert response.status_code == 201
    [reversal] = [
        r for r in response.json()["reversals"] if r["participant_id"] == participant["id"]
    ]
    assert (reversal["amount"], reversal["currency"]) == (10_000_000, "IDR")
    assert referrer_reward().reversed_amount == 10_000_000
    balances = api.get(f"/api/v1/participants/{participant['id']}").json()["balances"]
    assert balances[0]["pending"] == 10_000_000


def test_refunds_up_to_the_invoice_then_no_more(api, participant, budi_bought):
    api.post("/api/v1/track/refund", refund_body(event_id="r1", amount=60_000_000))
    api.post("/api/v1/track/refund", refund_body(event_id="r2", amount=40_000_000))
    assert referrer_reward().reversed_amount == 20_000_000
    problem = assert_problem(
        api.post("/api/v1/track/refund", refund_body(event_id="r3", amount=1)), 422
    )
    assert "left" in problem["detail"]


def test_repeated_refund_event_reverses_once(api, participant, budi_bought):
    first = api.post("/api/v1/track/refund", refund_body())
    again = api.post("/api/v1/track/refund", refund_body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert referrer_reward().reversed_amount == 10_000_000


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"currency": "USD"}, 422),  # the sale was in IDR
        ({"amount": 100_000_001}, 422),  # above the invoice
        ({"amount": 0}, 422),
        ({"amount": -1}, 422),
        ({"amount": 1.5}, 422),
        ({"external_id": "stranger"}, 422),
        ({"invoice_id": "nope"}, 404),
    ],
)
def test_bad_refund_changes_nothing(api, participant, budi_bought, change, status):
    before = (Conversion.objects.count(), LedgerEntry.objects.count(), TrackedEvent.objects.count())
    assert_problem(api.post("/api/v1/track/refund", refund_body(**change)), status)
    assert before == (
        Conversion.objects.count(),
        LedgerEntry.objects.count(),
        TrackedEvent.objects.count(),
    )


def test_cancel_claws_back_young_rewards_and_stops_recurring(api, participant, budi_bought):
    response = api.post(
        "/api/v1/track/cancel", {"event_id": "c1", "customer_external_id": "cust_budi"}
    )
    assert response.status_code == 201
    reversed_ids = {r["reward_id"] for r in response.json()["reversals"]}
    assert str(referrer_reward().id) in reversed_ids  # younger than clawback_days (60)
    later = api.post("/api/v1/track/sale", sale_body(event_id="s-after", invoice_id="after"))
    assert [r for r in later.json()["rewards"] if r["recipient"] == "referrer"] == []


def test_cancel_keeps_rewards_older_than_the_clawback_window(api, participant, budi_bought):
    with clock.frozen(clock.now() + timedelta(days=61)):
        response = api.post(
            "/api/v1/track/cancel", {"event_id": "c1", "customer_external_id": "cust_budi"}
        )
    assert str(referrer_reward().id) not in {r["reward_id"] for r in response.json()["reversals"]}
    assert referrer_reward().reversed_amount == 0


def test_cancel_for_an_unknown_customer_is_422(api, participant):
    assert_problem(
        api.post("/api/v1/track/cancel", {"event_id": "c1", "customer_external_id": "nobody"}), 422
    )
