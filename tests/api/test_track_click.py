"""Story: the shop's own page records a click through its link with the publishable key."""

import uuid

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, assert_problem
from tular.tracking.models import Click


def test_a_publishable_key_records_a_click(publishable_api, participant):
    # when the snippet reports a visit
    response = publishable_api.post(
        "/api/v1/track/click",
        {
            "code": participant["code"],
            "landing_url": "https://toko.example/promo",
            "referrer": "https://wa.me/",
        },
        headers={"User-Agent": "Mozilla/5.0 (Tular test)"},
    )
    # then
    assert response.status_code == 201, response.content
    click_id = uuid.UUID(response.json()["click_id"])
    click = Click.objects.get(pk=click_id)
    assert str(click.participant_id) == participant["id"]
    assert click.source == "api"
    assert click.landing_url == "https://toko.example/promo"
    assert click.referrer == "https://wa.me/"
    assert click.user_agent == "Mozilla/5.0 (Tular test)"


def test_a_secret_key_may_record_a_click_too(api, participant):
    response = api.post("/api/v1/track/click", {"code": participant["code"]})
    assert response.status_code == 201, response.content
    assert Click.objects.count() == 1


def test_the_code_is_matched_whatever_its_case(publishable_api, participant):
    response = publishable_api.post("/api/v1/track/click", {"code": participant["code"].lower()})
    assert response.status_code == 201
    assert Click.objects.count() == 1


def test_each_call_is_a_new_click(publishable_api, participant):
    ids = {
        publishable_api.post("/api/v1/track/click", {"code": participant["code"]}).json()[
            "click_id"
        ]
        for _ in range(3)
    }
    assert len(ids) == 3
    assert Click.objects.count() == 3


@pytest.mark.parametrize("code", ["ZZZZZZZ", "NOPE", "!!!", "a b", "X" * 32])
def test_an_unknown_code_is_a_404_problem_and_no_click(publishable_api, participant, code):
    assert_problem(publishable_api.post("/api/v1/track/click", {"code": code}), 404)
    assert Click.objects.count() == 0


def test_a_code_from_another_workspace_is_a_404_and_records_nothing_there(
    outsider_api, participant
):
    # given Andi's code belongs to the owner's workspace; when the outsider reports a click on it
    response = outsider_api.post("/api/v1/track/click", {"code": participant["code"]})
    # then the outsider learns nothing and the owner's stats are unchanged
    assert_problem(response, 404)
    assert Click.objects.count() == 0


def test_an_outsiders_publishable_key_cannot_record_a_click_either(workspace, participant):
    from tests.helpers import Api
    from tular.workspaces.services import api_key_create, workspace_get_or_create

    other = workspace_get_or_create(slug="lain")[0]
    outsider_publishable = Api(api_key_create(workspace=other, publishable=True)[1])
    assert_problem(
        outsider_publishable.post("/api/v1/track/click", {"code": participant["code"]}), 404
    )
    assert Click.objects.count() == 0


def test_a_second_programs_participant_is_credited_to_its_own_program(
    api, publishable_api, program
):
    api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "mitra"})
    budi = api.post(
        "/api/v1/participants", {**PARTICIPANT_BODY, "program": "mitra", "external_id": "b"}
    ).json()
    publishable_api.post("/api/v1/track/click", {"code": budi["code"]})
    click = Click.objects.get()
    assert str(click.participant_id) == budi["id"]
    assert click.program.slug == "mitra"


# -- event_id: "every track/* call carries event_id; the same again → the first result, 200" --


def test_a_repeated_event_id_returns_the_first_click_with_200_and_no_second_click(
    publishable_api, participant
):
    body = {"code": participant["code"], "event_id": "evt_click_1"}
    first = publishable_api.post("/api/v1/track/click", body)
    again = publishable_api.post("/api/v1/track/click", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Click.objects.count() == 1


def test_an_event_is_the_same_event_whatever_else_the_repeat_says(publishable_api, participant):
    first = publishable_api.post(
        "/api/v1/track/click", {"code": participant["code"], "event_id": "evt_2"}
    )
    again = publishable_api.post(
        "/api/v1/track/click",
        {"code": participant["code"], "event_id": "evt_2", "landing_url": "https://toko.example/x"},
    )
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Click.objects.count() == 1


def test_distinct_event_ids_are_distinct_clicks(publishable_api, participant):
    for event_id in ("evt_a", "evt_b"):
        response = publishable_api.post(
            "/api/v1/track/click", {"code": participant["code"], "event_id": event_id}
        )
        assert response.status_code == 201
    assert Click.objects.count() == 2


def test_event_ids_are_per_workspace(api, outsider_api, participant):
    outsider_api.post("/api/v1/programs", PROGRAM_BODY)
    theirs = outsider_api.post("/api/v1/participants", PARTICIPANT_BODY).json()
    mine = api.post("/api/v1/track/click", {"code": participant["code"], "event_id": "evt_x"})
    other = outsider_api.post("/api/v1/track/click", {"code": theirs["code"], "event_id": "evt_x"})
    assert (mine.status_code, other.status_code) == (201, 201)
    assert Click.objects.count() == 2


def test_an_unknown_code_with_an_event_id_is_still_a_404_and_remembers_nothing(
    publishable_api, participant
):
    body = {"code": "ZZZZZZZ", "event_id": "evt_404"}
    assert_problem(publishable_api.post("/api/v1/track/click", body), 404)
    response = publishable_api.post(
        "/api/v1/track/click", {"code": participant["code"], "event_id": "evt_404"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize("event_id", ["", 42, "x" * 201, "a\x00b"])
def test_a_malformed_event_id_is_a_422(publishable_api, participant, event_id):
    body = {"code": participant["code"], "event_id": event_id}
    assert_problem(publishable_api.post("/api/v1/track/click", body), 422)
    assert Click.objects.count() == 0
