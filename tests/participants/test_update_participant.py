"""Story: the owner corrects a participant with PATCH /api/v1/participants/{id}: name, e-mail,
language, kind, external id, or a chosen code. Validated as on enrolment; a refused change
changes nothing."""

import pytest

from tests.helpers import PARTICIPANT_BODY, assert_problem
from tular.participants.models import Participant


def patch(api, participant, body):
    return api.request("PATCH", f"/api/v1/participants/{participant['id']}", body)


def stored(participant) -> dict:
    return Participant.objects.filter(pk=participant["id"]).values().get()


def test_a_partial_body_changes_only_what_it_names(api, participant):
    response = patch(api, participant, {"name": "Andi W.", "locale": "en"})
    assert response.status_code == 200, response.content
    assert response.json() == {**participant, "name": "Andi W.", "locale": "en"}
    detail = api.get(f"/api/v1/participants/{participant['id']}").json()
    assert (detail["name"], detail["locale"]) == ("Andi W.", "en")


def test_the_email_is_validated_and_kept_normalised(api, participant):
    response = patch(api, participant, {"email": "Andi.Baru@Example.COM"})
    assert response.status_code == 200, response.content
    assert response.json()["email"] == "Andi.Baru@Example.COM"
    assert stored(participant)["email_normalised"] == "andi.baru@example.com"
    found = api.get("/api/v1/participants?email=andi.baru@example.com").json()["items"]
    assert [item["id"] for item in found] == [participant["id"]]


def test_the_kind_and_external_id_change(api, participant):
    response = patch(api, participant, {"kind": "affiliate", "external_id": "cust_42b"})
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["external_id"]) == ("affiliate", "cust_42b")
    # enrolling the new external id again finds the same participant
    again = api.post("/api/v1/participants", {**PARTICIPANT_BODY, "external_id": "cust_42b"})
    assert again.status_code == 200 and again.json()["id"] == participant["id"]


def test_a_null_external_id_clears_it(api, participant):
    response = patch(api, participant, {"external_id": None})
    assert response.status_code == 200
    assert response.json()["external_id"] is None


def test_a_chosen_code_replaces_the_old_one(api, client, participant):
    old = participant["code"]
    response = patch(api, participant, {"code": "andi-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == "ANDI-10" and body["referral_url"].endswith("/r/ANDI-10")
    assert client.get("/r/ANDI-10").status_code == 302
    assert client.get(f"/r/{old}").status_code == 404


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"email": "bukan-email"}, "email"),
        ({"email": None}, "email"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"locale": "fr"}, "locale"),
        ({"kind": "raja"}, "kind"),
        ({"code": "a"}, "code"),
        ({"code": "-ANDI"}, "code"),
        ({"code": "AN DI"}, "code"),
        ({"code": None}, "code"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "a\x00b"}, "external_id"),
        ({"program": "mitra"}, "program"),
        ({"id": "00000000-0000-7000-8000-000000000000"}, "id"),
    ],
)
def test_an_invalid_change_is_a_422_naming_the_field_and_changes_nothing(
    api, participant, body, loc
):
    before = stored(participant)
    problem = assert_problem(patch(api, participant, {"name": "Diubah", **body}), 422)
    assert problem["errors"][0]["loc"][:2] == ["body", loc], problem
    assert stored(participant) == before


def test_an_external_id_taken_in_the_program_is_a_409(api, participant):
    api.post(
        "/api/v1/participants", {**PARTICIPANT_BODY, "external_id": "cust_43", "email": "b@x.id"}
    )
    before = stored(participant)
    assert_problem(patch(api, participant, {"external_id": "cust_43", "name": "X"}), 409)
    assert stored(participant) == before


def test_the_same_external_id_in_another_program_is_fine(api, participant):
    from tests.helpers import PROGRAM_BODY

    api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "mitra"})
    api.post("/api/v1/participants", {**PARTICIPANT_BODY, "program": "mitra", "external_id": "m1"})
    assert patch(api, participant, {"external_id": "m1"}).status_code == 200


def test_a_code_taken_by_anyone_is_a_409(api, outsider_api, participant):
    from tests.helpers import PROGRAM_BODY

    outsider_api.post("/api/v1/programs", PROGRAM_BODY)
    outsider_api.post("/api/v1/participants", {**PARTICIPANT_BODY, "code": "PROMO10"})
    before = stored(participant)
    assert_problem(patch(api, participant, {"code": "promo10"}), 409)
    assert stored(participant) == before


def test_keeping_the_own_code_is_no_conflict(api, participant):
    response = patch(api, participant, {"code": participant["code"].lower()})
    assert response.status_code == 200 and response.json()["code"] == participant["code"]


def test_unknown_or_foreign_participants_are_a_404(api, outsider_api, participant):
    for participant_id in ("00000000-0000-7000-8000-000000000000", "bukan-id", "%00"):
        response = api.request("PATCH", f"/api/v1/participants/{participant_id}", {"name": "x"})
        assert_problem(response, 404)
    assert_problem(patch(outsider_api, participant, {"name": "Diambil"}), 404)
    assert stored(participant)["name"] == "Andi"


def test_a_publishable_key_may_not_change_a_participant(publishable_api, participant):
    assert_problem(patch(publishable_api, participant, {"name": "x"}), 403)
