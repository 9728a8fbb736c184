"""POST /api/v1/programs/{slug}/backtest and GET /api/v1/participants/{id}/tree, through the
real API on the hand-built history of tests/analytics/test_backtest.py."""

import pytest

from tests.analytics.test_backtest import ACTUAL, DRAFT, history
from tests.helpers import assert_problem
from tular.analytics.models import SavedBacktest
from tular.participants.models import Participant

URL = "/api/v1/programs/uji/backtest"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def program(api):
    return history(api, ACTUAL)


def test_the_draft_beside_what_was_paid(api, program):
    response = api.post(URL, {"rules": DRAFT, **MARCH})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["program"], body["from"], body["to"]) == ("uji", "2026-03-01", "2026-03-31")
    assert body["totals"] == [
        {"currency": "IDR", "would_pay": 39_600, "paid": 22_000, "difference": 17_600},
        {"currency": "USD", "would_pay": 400, "paid": 100, "difference": 300},
    ]
    assert body["perks"] == {"would_give": 1, "given": 0, "difference": 1}
    assert body["participants"][0]["name"] == "Andi"  # the largest difference first
    assert body["id"] is None
    assert SavedBacktest.objects.count() == 0


def test_save_keeps_the_run(api, program):
    body = api.post(URL, {"rules": DRAFT, **MARCH, "save": True}).json()
    saved = SavedBacktest.objects.get(pk=body["id"])
    assert saved.result["totals"] == body["totals"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {"rules": [{"trigger": "sale", "recipient": "referrer", "kind": "fixed"}], **MARCH},
            ["body", "rules", 0],
        ),
        ({"rules": DRAFT, "from": "2025-01-01", "to": "2026-01-02"}, ["body", "to"]),
        ({"rules": DRAFT, "from": "2026-03-31", "to": "2026-03-01"}, ["body", "to"]),
        ({"rules": DRAFT, "from": "2026-03-01"}, ["body", "to"]),
        ({"rules": DRAFT, "from": "1 March", "to": "2026-03-31"}, ["body", "from"]),
    ],
)
def test_bad_input_is_a_422_and_saves_nothing(api, program, body, loc):
    problem = assert_problem(api.post(URL, {**body, "save": True}), 422)
    assert problem["errors"][0]["loc"][: len(loc)] == loc, problem
    assert SavedBacktest.objects.count() == 0


def test_another_workspaces_program_is_404(outsider_api, program):
    assert_problem(outsider_api.post(URL, {"rules": DRAFT, **MARCH}), 404)


def test_the_tree(api, program):
    andi = Participant.objects.get(external_id="andi", program=program)
    response = api.get(f"/api/v1/participants/{andi.pk}/tree")
    assert response.status_code == 200, response.content
    body = response.json()
    names = [(node["name"], [c["name"] for c in node["children"]]) for node in body["referrals"]]
    assert names == [("budi", ["dewi"]), ("cici", []), ("Eko", [])]
    assert body["depth"] == 5 and body["truncated"] is False
    shallow = api.get(f"/api/v1/participants/{andi.pk}/tree?depth=1").json()
    assert shallow["truncated"] is True
    assert_problem(api.get(f"/api/v1/participants/{andi.pk}/tree?depth=11"), 422)


def test_the_tree_of_an_unknown_participant_is_404(api, outsider_api, program):
    andi = Participant.objects.get(external_id="andi", program=program)
    assert_problem(outsider_api.get(f"/api/v1/participants/{andi.pk}/tree"), 404)
    assert_problem(api.get("/api/v1/participants/nope/tree"), 404)


@pytest.mark.parametrize("save", ["yes", "true", 1, 0, None, [True]])
def test_save_must_be_a_boolean(api, program, save):
    # tests/api/test_fuzz.py once found "save" of another type answered 200
    problem = assert_problem(api.post(URL, {"rules": DRAFT, **MARCH, "save": save}), 422)
    assert problem["errors"][0]["loc"][-1] == "save", problem
    assert SavedBacktest.objects.count() == 0
