"""The rewards app's events arrive at a real receiver: reward.created when a sale earns a
reward, reward.status_changed when it is approved, reversed or paid, payout.paid."""

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(api, receiver, private_allowed, tasks_run_at_once, frozen_clock):
    """A program without a hold, Andi enrolled and Budi referred by him, and an endpoint that
    receives every event."""
    assert api.post("/api/v1/programs", {**PROGRAM_BODY, "hold_days": 0}).status_code == 201
    andi = api.post("/api/v1/participants", PARTICIPANT_BODY).json()
    endpoint = api.post("/api/v1/webhook-endpoints", {"url": receiver.url(), "events": ["*"]})
    signup = {
        "event_id": "signup-budi",
        "code": andi["code"],
        "customer": {"external_id": "budi", "email": "budi@example.com", "name": "Budi"},
    }
    return {"andi": andi, "endpoint": endpoint.json(), "signup": signup}


def events_of(receiver, secret, type=None):
    payloads = [received.verified(secret) for received in receiver.received]
    return [p for p in payloads if type is None or p["type"] == type]


def test_a_sale_that_earns_a_reward_sends_reward_created(
    api, hooked, receiver, django_capture_on_commit_callbacks
):
    secret = hooked["endpoint"]["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/track/signup", hooked["signup"]).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        sale = api.post(
            "/api/v1/track/sale",
            {
                "event_id": "sale-1",
                "customer_external_id": "budi",
                "amount": 100_000_000,
                "currency": "IDR",
                "invoice_id": "inv-1",
            },
        )
    assert sale.status_code == 201, sale.content
    [earned] = [r for r in sale.json()["rewards"] if r["recipient"] == "referrer"]
    created = events_of(receiver, secret, "reward.created")
    # the friend's sign-up reward, then Andi's 20 % of the sale
    assert [p["data"]["recipient"] for p in created] == ["friend", "referrer"]
    data = created[-1]["data"]
    assert data["id"] == earned["id"]
    assert data["participant_id"] == hooked["andi"]["id"]
    assert (data["program"], data["kind"], data["trigger"]) == ("pelanggan", "percent", "sale")
    assert (data["amount"], data["currency"], data["status"]) == (20_000_000, "IDR", "approved")
    assert data["previous_status"] is None and data["perk"] is None

    # the payout of it: reward.status_changed approved → paid, and payout.paid
    receiver.received.clear()
    payout = api.post("/api/v1/payouts", {"program": "pelanggan", "currency": "IDR"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/payouts/{payout['id']}/mark-paid")
    assert response.status_code == 200, response.content
    changed = events_of(receiver, secret, "reward.status_changed")
    assert {
        (p["data"]["id"], p["data"]["previous_status"], p["data"]["status"]) for p in changed
    } >= {(earned["id"], "approved", "paid")}
    [paid] = events_of(receiver, secret, "payout.paid")
    assert paid["data"]["id"] == payout["id"]
    assert (paid["data"]["program"], paid["data"]["currency"]) == ("pelanggan", "IDR")
    assert paid["data"]["total"] == sum(item["amount"] for item in paid["data"]["items"]) > 0
    assert hooked["andi"]["id"] in {item["participant_id"] for item in paid["data"]["items"]}

    # a refund reverses the paid reward in part: its status stays paid, no status event
    receiver.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refund = api.post(
            "/api/v1/track/refund",
            {
                "event_id": "refund-1",
                "customer_external_id": "budi",
                "invoice_id": "inv-1",
                "amount": 50_000_000,
                "currency": "IDR",
            },
        )
    assert refund.status_code in (200, 201), refund.content
    assert events_of(receiver, secret, "reward.status_changed") == []


def test_approving_and_reversing_send_status_changes(
    api, hooked, receiver, django_capture_on_commit_callbacks
):
    secret = hooked["endpoint"]["secret"]
    # a big sale: its reward is above the auto-approve limit, so it waits for review
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/track/signup", hooked["signup"])
        sale = api.post(
            "/api/v1/track/sale",
            {
                "event_id": "sale-big",
                "customer_external_id": "budi",
                "amount": 5_000_000_000,
                "currency": "IDR",
                "invoice_id": "inv-big",
            },
        ).json()
    [earned] = [r for r in sale["rewards"] if r["recipient"] == "referrer"]
    assert earned["status"] == "needs_review"
    receiver.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/rewards/{earned['id']}/approve").status_code == 200
    [approved] = events_of(receiver, secret, "reward.status_changed")
    assert (approved["data"]["previous_status"], approved["data"]["status"]) == (
        "needs_review",
        "approved",
    )
    receiver.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            "/api/v1/track/refund",
            {
                "event_id": "refund-all",
                "customer_external_id": "budi",
                "invoice_id": "inv-big",
                "amount": 5_000_000_000,
                "currency": "IDR",
            },
        )
    [reversed_] = events_of(receiver, secret, "reward.status_changed")
    assert reversed_["data"]["id"] == earned["id"]
    assert (reversed_["data"]["previous_status"], reversed_["data"]["status"]) == (
        "approved",
        "reversed",
    )
    assert reversed_["data"]["reversed_amount"] == reversed_["data"]["amount"]


def test_a_rejected_request_sends_nothing(
    api, hooked, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/track/sale",
            {
                "event_id": "sale-x",
                "customer_external_id": "nobody",
                "amount": 0,
                "currency": "IDR",
            },
        )
    assert response.status_code == 422
    assert receiver.received == []
