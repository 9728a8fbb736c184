"""GET /api/v1/leaderboard, GET/POST /api/v1/contests, POST …/settle and …/cancel,
GET /api/v1/participants/{id}/badges: the recognition services through the API, problems on
bad input, nothing changed by a refused request, another workspace's data out of reach."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.rewards.books import assert_ledger_balances
from tular.analytics import recognition
from tular.analytics.models import Contest
from tular.participants.models import Participant
from tular.referrals.models import Referral
from tular.rewards.models import Reward

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock_start():
    return NOW


@pytest.fixture
def board(frozen_clock, api, program, participant):
    """Andi (the API's participant, 2 referrals, consented) and Budi (3, not consented)."""
    andi = Participant.objects.get(pk=participant["id"])
    Participant.objects.filter(pk=andi.pk).update(leaderboard_consent=True)
    response = api.post(
        "/api/v1/participants",
        {"program": "pelanggan", "email": "budi@example.com", "name": "Budi Santoso"},
    )
    assert response.status_code == 201, response.content
    budi = Participant.objects.get(pk=response.json()["id"])
    for person, count in ((andi, 2), (budi, 3)):
        for index in range(count):
            Referral.objects.create(
                workspace=person.workspace,
                program=person.program,
                participant=person,
                status="active",
                created_at=NOW - timedelta(days=2, minutes=index),
            )
    return {"andi": andi, "budi": budi}


def test_the_leaderboard(api, board):
    response = api.get("/api/v1/leaderboard?program=pelanggan&period=month")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == "month" and body["from"].startswith("2026-05-01")
    assert [(i["rank"], i["name"], i["label"], i["value"]) for i in body["items"]] == [
        (1, None, "Referrer #1", 3),
        (2, "Andi", "Andi", 2),
    ]
    assert body["items"][0]["participant_id"] == str(board["budi"].pk)


@pytest.mark.parametrize(
    "query",
    ["program=nope", "program=pelanggan&period=week", "program=pelanggan&measure=clicks", ""],
)
def test_a_bad_leaderboard_query_is_a_problem(api, board, query):
    response = api.get(f"/api/v1/leaderboard?{query}")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")


CONTEST = {
    "program": "pelanggan",
    "name": "Kontes Mei",
    "starts_on": "2026-05-01",
    "ends_on": "2026-05-31",
    "measure": "referrals",
    "winners": 1,
    "bonus_amount": 25000000,
    "bonus_currency": "IDR",
}


def test_a_contest_from_creation_to_settlement(api, board, frozen_clock):
    created = api.post("/api/v1/contests", CONTEST)
    assert created.status_code == 201, created.content
    contest = created.json()
    assert contest["status"] == "open" and contest["results"] == []
    listed = api.get("/api/v1/contests?program=pelanggan").json()
    assert [item["id"] for item in listed["items"]] == [contest["id"]]
    detail = api.get(f"/api/v1/contests/{contest['id']}").json()
    assert [row["value"] for row in detail["standings"]] == [3, 2]
    early = api.post(f"/api/v1/contests/{contest['id']}/settle")
    assert early.status_code == 409
    frozen_clock.set(datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    settled = api.post(f"/api/v1/contests/{contest['id']}/settle")
    assert settled.status_code == 200, settled.content
    results = settled.json()["results"]
    assert [(r["rank"], r["participant_id"]) for r in results] == [(1, str(board["budi"].pk))]
    reward = Reward.objects.get(pk=results[0]["reward_id"])
    assert reward.amount == 25000000 and reward.trigger == "bonus"
    again = api.post(f"/api/v1/contests/{contest['id']}/settle")
    assert again.status_code == 200 and again.json()["results"] == results
    assert Reward.objects.filter(trigger="bonus").count() == 1
    assert_ledger_balances()
    assert api.post(f"/api/v1/contests/{contest['id']}/cancel").status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2026-04-01"}, "ends_on"),
        ({"winners": 21}, "winners"),
        ({"bonus_currency": "USD"}, "bonus_currency"),
        ({"bonus_amount": None}, "bonus_amount"),
        ({"bonus_perk": "Kaos"}, "bonus_perk"),
        ({"program": "nope"}, "program"),
    ],
)
def test_a_bad_contest_is_refused_and_nothing_is_made(api, board, change, field):
    response = api.post("/api/v1/contests", {**CONTEST, **change})
    assert response.status_code == 422, response.content
    locs = [error["loc"] for error in response.json()["errors"]]
    assert any(loc[-1] == field for loc in locs), locs
    assert not Contest.objects.exists()


def test_cancel_and_unknown_contests(api, board, outsider_api):
    contest = api.post("/api/v1/contests", CONTEST).json()
    assert outsider_api.get(f"/api/v1/contests/{contest['id']}").status_code == 404
    assert outsider_api.post(f"/api/v1/contests/{contest['id']}/settle").status_code == 404
    assert api.get("/api/v1/contests/not-an-id").status_code == 404
    cancelled = api.post(f"/api/v1/contests/{contest['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.get("/api/v1/contests?status=open").json()["items"] == []


def test_a_participants_badges(api, board, outsider_api):
    recognition.badges_award()
    andi = board["andi"]
    response = api.get(f"/api/v1/participants/{andi.pk}/badges", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert [(b["badge"], b["name"]) for b in response.json()] == [
        ("first_referral", "First referral")
    ]
    assert outsider_api.get(f"/api/v1/participants/{andi.pk}/badges").status_code == 404
