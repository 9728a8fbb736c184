"""Story: a shop's server retries a POST after a timeout, with the same Idempotency-Key, and
nothing happens twice."""

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, assert_problem
from tular.api import idempotency
from tular.api import programs as programs_api
from tular.api.models import IdempotencyRecord
from tular.core import clock
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.tracking.models import Click

KEY = {"Idempotency-Key": "order-2026-0001"}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock_start():
    return NOW


def fingerprint(path, body) -> str:
    request = SimpleNamespace(path=path, body=json.dumps(body).encode())
    return idempotency._fingerprint(request)


def test_a_retry_replays_the_first_response_with_200_and_writes_nothing_more(api):
    # given a program created with a key
    first = api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    # when the very same request is sent again
    again = api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY)
    # then the first answer comes back, marked as a replay, and there is still one program
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"].startswith("application/json")
    assert again.json() == first.json()
    assert Program.objects.count() == 1


def test_a_retried_enrolment_replays_the_same_participant(api, program):
    body = {"program": "pelanggan", "email": "tanpa.id@example.com"}  # no external_id
    first = api.post("/api/v1/participants", body, headers=KEY)
    again = api.post("/api/v1/participants", body, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Participant.objects.count() == 1


def test_a_retried_click_is_one_click(publishable_api, participant):
    body = {"code": participant["code"]}
    first = publishable_api.post("/api/v1/track/click", body, headers=KEY)
    again = publishable_api.post("/api/v1/track/click", body, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Click.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(api, program):
    api.post("/api/v1/participants", PARTICIPANT_BODY, headers=KEY)
    other = {**PARTICIPANT_BODY, "external_id": "cust_43", "email": "budi@example.com"}
    response = api.post("/api/v1/participants", other, headers=KEY)
    problem = assert_problem(response, 422)
    assert "Idempotency-Key" in problem["detail"]
    assert problem["type"].endswith("idempotency-key-reused")
    assert Participant.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_a_422(api, program):
    api.post("/api/v1/participants", PARTICIPANT_BODY, headers=KEY)
    response = api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "baru"}, headers=KEY)
    assert_problem(response, 422)
    assert Program.objects.count() == 1


def test_a_key_still_running_is_a_409_with_retry_after(api, workspace, program):
    # given another request with this key is in flight
    IdempotencyRecord.objects.create(
        workspace=workspace,
        key=KEY["Idempotency-Key"],
        fingerprint=fingerprint("/api/v1/participants", PARTICIPANT_BODY),
        state=IdempotencyRecord.State.running,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    # when the retry arrives
    response = api.post("/api/v1/participants", PARTICIPANT_BODY, headers=KEY)
    # then
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("idempotency-in-progress")
    assert response["Retry-After"]
    assert Participant.objects.count() == 0


def test_a_stale_running_key_is_taken_over_by_the_retry(api, workspace, program, frozen_clock):
    # given a request that claimed the key and then died, longer ago than STALE_AFTER
    long_ago = NOW - idempotency.STALE_AFTER - timedelta(seconds=1)
    IdempotencyRecord.objects.create(
        workspace=workspace,
        key=KEY["Idempotency-Key"],
        fingerprint=fingerprint("/api/v1/participants", PARTICIPANT_BODY),
        state=IdempotencyRecord.State.running,
        created_at=long_ago,
        updated_at=long_ago,
    )
    # when the retry arrives, it runs
    response = api.post("/api/v1/participants", PARTICIPANT_BODY, headers=KEY)
    assert response.status_code == 201, response.content
    assert Participant.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.state == IdempotencyRecord.State.done
    # and a further retry is a replay of it
    again = api.post("/api/v1/participants", PARTICIPANT_BODY, headers=KEY)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"


def test_keys_belong_to_a_workspace_so_an_outsider_may_use_the_same_one(api, outsider_api):
    mine = api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY)
    theirs = outsider_api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["id"] != mine.json()["id"]
    assert "Idempotent-Replayed" not in theirs
    assert Program.objects.count() == 2


def test_a_request_that_failed_with_500_is_not_remembered(api, monkeypatch):
    # given the first attempt crashes
    def explode(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(programs_api, "program_create", explode)
    api.client.raise_request_exception = False
    assert_problem(api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY), 500)
    assert IdempotencyRecord.objects.count() == 0
    # when the service is back and the client retries with the same key
    monkeypatch.undo()
    response = api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY)
    # then it really runs
    assert response.status_code == 201
    assert Program.objects.count() == 1


def test_a_refused_request_is_not_remembered_so_the_fixed_retry_runs(api, program):
    # given a first attempt with a bad e-mail under a key
    bad = {**PARTICIPANT_BODY, "email": "andi"}
    assert_problem(api.post("/api/v1/participants", bad, headers=KEY), 422)
    # when the client fixes the body and retries with the same key
    response = api.post("/api/v1/participants", PARTICIPANT_BODY, headers=KEY)
    # then it is judged afresh
    assert response.status_code == 201, response.content


def test_a_conflict_is_not_replayed_as_a_200(api, program):
    # A 409 (slug taken) must not come back later as "200 OK" with a problem body.
    assert_problem(api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY), 409)
    assert_problem(api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY), 409)


def test_records_older_than_24_hours_are_ignored(api, program, frozen_clock):
    body = {"program": "pelanggan", "email": "tanpa.id@example.com"}  # each POST enrols anew
    first = api.post("/api/v1/participants", body, headers=KEY)
    # when the same key comes back a day and a bit later
    frozen_clock.set(NOW + idempotency.KEEP_FOR + timedelta(minutes=1))
    later = api.post("/api/v1/participants", body, headers=KEY)
    # then it is a new request, not a replay
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]
    assert Participant.objects.count() == 2


def test_records_are_kept_for_24_hours(api, program, frozen_clock):
    body = {"program": "pelanggan", "email": "tanpa.id@example.com"}
    first = api.post("/api/v1/participants", body, headers=KEY)
    frozen_clock.set(NOW + idempotency.KEEP_FOR - timedelta(minutes=1))
    again = api.post("/api/v1/participants", body, headers=KEY)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_prune_expired_deletes_only_records_past_24_hours(api, workspace, frozen_clock):
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=23))):
        IdempotencyRecord.objects.create(
            workspace=workspace,
            key=key,
            fingerprint="f",
            state=IdempotencyRecord.State.done,
            created_at=NOW - age,
            updated_at=NOW - age,
        )
    assert idempotency.prune_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "tab\there"])
def test_a_malformed_key_is_a_422(api, key):
    response = api.post("/api/v1/programs", PROGRAM_BODY, headers={"Idempotency-Key": key})
    assert_problem(response, 422)
    assert Program.objects.count() == 0


def test_a_key_on_a_get_is_ignored(api, program):
    for _ in range(2):
        response = api.get("/api/v1/programs/pelanggan", headers=KEY)
        assert response.status_code == 200
        assert "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.count() == 0


def test_without_a_valid_api_key_the_key_is_not_claimed(anonymous_api, db):
    assert_problem(anonymous_api.post("/api/v1/programs", PROGRAM_BODY, headers=KEY), 401)
    assert IdempotencyRecord.objects.count() == 0


def test_a_throttled_request_is_not_remembered_as_a_success(api, settings, program):
    # A 429 kept under the key would be replayed as "200 OK" for a day.
    from django.core.cache import cache

    cache.clear()
    settings.TULAR_API_RATE_LIMIT = "1/min"
    api.get("/api/v1/programs")
    body = {"program": "pelanggan", "email": "tanpa.id@example.com"}
    assert_problem(api.post("/api/v1/participants", body, headers=KEY), 429)
    settings.TULAR_API_RATE_LIMIT = "100/min"
    cache.clear()
    response = api.post("/api/v1/participants", body, headers=KEY)
    assert response.status_code == 201
    assert Participant.objects.count() == 1
