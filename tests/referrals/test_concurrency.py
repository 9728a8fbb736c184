"""Exactly-once under concurrent retries: the unique constraint decides, on PostgreSQL with
real parallel connections (SQLite serialises writers, so the race cannot happen there)."""

import json

import pytest

from tests.helpers import (
    PARTICIPANT_BODY,
    PROGRAM_BODY,
    Api,
    in_parallel,
    needs_parallel_connections,
)
from tests.referrals.conftest import sale_body, signup_body
from tular.referrals.models import Conversion, Referral, TrackedEvent
from tular.rewards.models import Reward
from tular.workspaces.services import api_key_create, workspace_get_or_create

pytestmark = needs_parallel_connections


@pytest.fixture
def owner():
    workspace = workspace_get_or_create(slug="toko-paralel")[0]
    api = Api(api_key_create(workspace=workspace)[1])
    assert api.post("/api/v1/programs", PROGRAM_BODY).status_code == 201
    participant = api.post("/api/v1/participants", PARTICIPANT_BODY).json()
    return api, participant


def test_concurrent_retries_of_one_signup_event_create_one_referral(owner):
    api, participant = owner
    body = json.dumps(signup_body(participant))
    responses, errors = in_parallel(8, lambda: Api(api.key).post("/api/v1/track/signup", raw=body))
    assert errors == [None] * 8
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201}
    assert len({r.content for r in responses}) == 1  # every retry sees the first answer
    assert TrackedEvent.objects.count() == 1
    assert Referral.objects.count() == 1
    assert Reward.objects.count() == 1


def test_one_customer_signed_up_by_several_events_at_once_is_one_referral_and_no_500(owner):
    # the friend is enrolled inside the event's transaction without a savepoint of its own:
    # the losers of the race on the customer answer 409 (or 201 with the first referral)
    api, participant = owner
    bodies = [json.dumps(signup_body(participant, event_id=f"evt-{n}")) for n in range(8)]
    responses, errors = in_parallel(
        8, lambda i: Api(api.key).post("/api/v1/track/signup", raw=bodies[i])
    )
    assert errors == [None] * 8
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    referral = Referral.objects.get()
    assert all(
        r.json()["referral_id"] == str(referral.pk) for r in responses if r.status_code == 201
    )
    assert Reward.objects.count() == 1
    assert referral.friend is not None


def test_concurrent_retries_of_one_sale_event_pay_once(owner):
    api, participant = owner
    assert api.post("/api/v1/track/signup", signup_body(participant)).status_code == 201
    body = json.dumps(sale_body())
    responses, errors = in_parallel(8, lambda: Api(api.key).post("/api/v1/track/sale", raw=body))
    assert errors == [None] * 8
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert Conversion.objects.filter(kind="sale").count() == 1
    assert Reward.objects.filter(recipient="referrer").count() == 1


def test_two_people_moving_one_lead_at_once_make_one_move(owner):
    api, _participant = owner
    lead = api.post(
        "/api/v1/referrals",
        {
            "program": "pelanggan",
            "referrer_external_id": "cust_42",
            "lead": {"name": "Citra", "email": "citra@ptmaju.co.id"},
        },
    ).json()
    for status in ("contacted", "qualified"):
        api.request("PATCH", f"/api/v1/referrals/{lead['id']}", {"status": status})
    # Eight people drag the card to "won" and "lost" at the same moment.
    bodies = [{"status": "won"}, {"status": "lost", "reason": "Anggaran dibekukan"}] * 4
    responses, errors = in_parallel(
        8,
        lambda i: Api(api.key).request("PATCH", f"/api/v1/referrals/{lead['id']}", bodies[i]),
    )
    assert errors == [None] * 8
    codes = sorted(response.status_code for response in responses)
    final = Referral.objects.get(pk=lead["id"])
    # One move wins; the same move repeated is a no-op (200); the other move is 409.
    assert final.status in ("won", "lost")
    assert codes.count(409) == 4
    assert final.changes.count() == 4  # submitted, contacted, qualified, one of won/lost
    assert Reward.objects.filter(referral=final, trigger="won").count() == (
        1 if final.status == "won" else 0
    )
