"""The referrals app's events arrive at a real receiver, signed: referral.created for a
tracked sign-up and for a submitted lead, referral.status_changed for every pipeline move and
for a manager's review of a flagged sign-up."""

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY
from tests.webhooks.test_reward_events import events_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(api, receiver, private_allowed, tasks_run_at_once, frozen_clock):
    assert api.post("/api/v1/programs", PROGRAM_BODY).status_code == 201
    andi = api.post("/api/v1/participants", PARTICIPANT_BODY).json()
    endpoint = api.post(
        "/api/v1/webhook-endpoints",
        {"url": receiver.url(), "events": ["referral.created", "referral.status_changed"]},
    ).json()
    return {"andi": andi, "secret": endpoint["secret"]}


def test_a_lead_walked_through_the_pipeline(
    api, hooked, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead = api.post(
            "/api/v1/referrals",
            {
                "program": "pelanggan",
                "referrer_external_id": "cust_42",
                "lead": {"name": "Citra", "email": "citra@ptmaju.co.id", "company": "PT Maju"},
            },
        ).json()
    [created] = events_of(receiver, hooked["secret"], "referral.created")
    data = created["data"]
    assert (data["id"], data["status"], data["intake"]) == (lead["id"], "submitted", "api")
    assert data["referrer"] == {"id": hooked["andi"]["id"], "external_id": "cust_42"}
    assert data["lead"]["company"] == "PT Maju"

    for status in ("contacted", "qualified", "won"):
        with django_capture_on_commit_callbacks(execute=True):
            body = (
                {"status": status, "deal_value": 900_000_000}
                if status == "won"
                else {"status": status}
            )
            assert api.request("PATCH", f"/api/v1/referrals/{lead['id']}", body).status_code == 200
    moves = [
        (p["data"]["previous_status"], p["data"]["status"])
        for p in events_of(receiver, hooked["secret"], "referral.status_changed")
    ]
    assert moves == [("submitted", "contacted"), ("contacted", "qualified"), ("qualified", "won")]
    won = events_of(receiver, hooked["secret"], "referral.status_changed")[-1]["data"]
    assert (won["deal_value"], won["currency"]) == (900_000_000, "IDR")

    # A refused move sends nothing.
    receiver.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.request("PATCH", f"/api/v1/referrals/{lead['id']}", {"status": "lost"})
    assert response.status_code in (409, 422)
    assert receiver.received == []


def test_tracked_sign_ups_and_reviews(api, hooked, receiver, django_capture_on_commit_callbacks):
    signup = {
        "event_id": "signup-self",
        "code": hooked["andi"]["code"],
        "customer": {"external_id": "andi-2", "email": "andi@example.com", "name": "Andi"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        referral_id = api.post("/api/v1/track/signup", signup).json()["referral_id"]
    [created] = events_of(receiver, hooked["secret"], "referral.created")
    assert (created["data"]["id"], created["data"]["status"]) == (referral_id, "flagged")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/referrals/{referral_id}/reject", {"reason": "Akun sama"})
    assert response.status_code == 200
    [changed] = events_of(receiver, hooked["secret"], "referral.status_changed")
    assert (changed["data"]["previous_status"], changed["data"]["status"]) == (
        "flagged",
        "rejected",
    )
    assert changed["data"]["reason"] == "Akun sama"
