"""POST /api/v1/nps, GET/PUT /api/v1/participants/{id}/readiness, GET /api/v1/ask-list."""

import pytest

from tests.helpers import assert_problem
from tular.analytics.models import NpsAnswer, Readiness


def test_an_answer_is_201_then_200_on_a_repeat(api, participant):
    body = {"email": "ANDI@example.com", "score": 10, "comment": "Mantap", "id": "resp-1"}
    response = api.post("/api/v1/nps", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["participant_id"] == participant["id"]
    assert (answer["score"], answer["promoter"], answer["external_id"]) == (10, True, "resp-1")
    again = api.post("/api/v1/nps", {**body, "score": 2})
    assert again.status_code == 200 and again.json() == answer
    assert NpsAnswer.objects.count() == 1


def test_an_answer_by_participant_id_with_its_time(api, participant):
    response = api.post(
        "/api/v1/nps",
        {"participant_id": participant["id"], "score": 6, "answered_at": "2026-03-01T08:00:00Z"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["answered_at"].startswith("2026-03-01T08:00:00")
    assert response.json()["promoter"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"email": "andi@example.com", "score": 11},
        {"email": "andi@example.com", "score": -1},
        {"email": "andi@example.com", "score": "9"},
        {"email": "andi@example.com", "score": 8.5},
        {"email": "andi@example.com"},
        {"score": 9},
        {"email": "not an address", "score": 9},
        {"participant_id": "0190f000-0000-7000-8000-000000000000", "score": 9},
        {"email": "andi@example.com", "score": 9, "answered_at": "2026-03-01T08:00:00"},
        {"email": "andi@example.com", "score": 9, "colour": "red"},
    ],
)
def test_a_bad_answer_is_a_422_problem_and_nothing_is_stored(api, participant, body):
    assert_problem(api.post("/api/v1/nps", body), 422)
    assert NpsAnswer.objects.count() == 0


def test_readiness_put_and_get(api, participant):
    url = f"/api/v1/participants/{participant['id']}/readiness"
    assert_problem(api.get(url), 404)
    response = api.request("PUT", url, {"satisfaction": 5, "relationship": 4, "reach": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["priority"], body["source"]) == (12, True, "api")
    assert api.get(url).json() == body
    for bad in ({"satisfaction": 6, "relationship": 4, "reach": 3}, {"satisfaction": 5}):
        assert_problem(api.request("PUT", url, bad), 422)
    assert Readiness.objects.get().total == 12


def test_readiness_of_another_workspace_is_404(api, outsider_api, participant):
    url = f"/api/v1/participants/{participant['id']}/readiness"
    assert_problem(
        outsider_api.request("PUT", url, {"satisfaction": 5, "relationship": 4, "reach": 3}), 404
    )
    assert_problem(outsider_api.get(url), 404)
    assert not Readiness.objects.exists()


def test_the_ask_lists(api, program, participant):
    url = f"/api/v1/participants/{participant['id']}/readiness"
    api.request("PUT", url, {"satisfaction": 5, "relationship": 5, "reach": 5})
    response = api.get("/api/v1/ask-list")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(i["participant_id"], i["total"], i["priority"]) for i in items] == [
        (participant["id"], 15, True)
    ]
    intent = api.get("/api/v1/ask-list?kind=intent&program=pelanggan").json()
    assert intent["kind"] == "intent" and len(intent["items"]) == 1
    assert_problem(api.get("/api/v1/ask-list?program=nope"), 404)
    assert_problem(api.get("/api/v1/ask-list?kind=other"), 422)
