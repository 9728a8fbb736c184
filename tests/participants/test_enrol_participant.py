"""Story: the owner's shop enrols its customers as referrers and hands them their links."""

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, assert_problem
from tular.participants.codes import ALPHABET
from tular.participants.models import Participant

CONTRACT_FIELDS = {"id", "program", "external_id", "email", "name", "code", "referral_url"}


@pytest.fixture
def public_url(settings):
    settings.TULAR_PUBLIC_URL = "https://ajak.toko.example"
    return settings.TULAR_PUBLIC_URL


def test_enrolling_a_customer_returns_their_code_and_referral_link(api, program, public_url):
    # when
    response = api.post("/api/v1/participants", PARTICIPANT_BODY)
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body.keys() >= CONTRACT_FIELDS
    assert body["program"] == "pelanggan"
    assert body["external_id"] == "cust_42"
    assert body["email"] == "andi@example.com"
    assert body["name"] == "Andi"
    assert body["referral_url"] == f"{public_url}/r/{body['code']}"
    assert set(body["code"]) <= set(ALPHABET)
    assert Participant.objects.filter(pk=body["id"]).exists()


def test_without_a_public_url_the_link_uses_the_requests_host(api, program, settings):
    settings.TULAR_PUBLIC_URL = None
    body = api.post("/api/v1/participants", PARTICIPANT_BODY).json()
    assert body["referral_url"] == f"http://testserver/r/{body['code']}"


def test_the_same_customer_again_is_a_200_with_the_same_participant_and_no_new_row(
    api, participant
):
    # when the shop enrols cust_42 a second time (even with other details)
    again = api.post(
        "/api/v1/participants", {**PARTICIPANT_BODY, "name": "Andi Baru", "email": "baru@x.example"}
    )
    # then the existing participant comes back unchanged
    assert again.status_code == 200, again.content
    assert again.json()["id"] == participant["id"]
    assert again.json()["code"] == participant["code"]
    assert again.json()["name"] == "Andi"
    assert Participant.objects.count() == 1


def test_the_same_external_id_in_another_program_is_another_participant(api, participant):
    api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "mitra", "kind": "reseller"})
    response = api.post("/api/v1/participants", {**PARTICIPANT_BODY, "program": "mitra"})
    assert response.status_code == 201, response.content
    assert response.json()["id"] != participant["id"]
    assert response.json()["code"] != participant["code"]


def test_participants_without_external_id_are_each_new(api, program):
    body = {"program": "pelanggan", "email": "tanpa.id@example.com"}
    first = api.post("/api/v1/participants", body)
    second = api.post("/api/v1/participants", body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["external_id"] is None


def test_the_participant_kind_defaults_from_the_program_kind(api, program):
    api.post(
        "/api/v1/programs",
        {**PROGRAM_BODY, "slug": "mitra-teknologi", "kind": "technology_partner"},
    )
    body = api.post(
        "/api/v1/participants", {"program": "mitra-teknologi", "email": "it@example.com"}
    ).json()
    assert body["kind"] == "partner"


@pytest.mark.parametrize(
    "email",
    [
        "andi",
        "andi@",
        "@example.com",
        "andi@@example.com",
        "andi@example",
        "an di@example.com",
        "andi@example..com",
    ],
)
def test_a_bad_email_is_a_422_problem_about_the_email(api, program, email):
    before = Participant.objects.count()
    problem = assert_problem(
        api.post("/api/v1/participants", {**PARTICIPANT_BODY, "email": email}), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "email"]
    assert Participant.objects.count() == before


def test_an_unknown_program_is_a_422_problem_naming_the_program_field(api, program):
    # The program is part of the request body, not the URL, so a missing one is invalid input
    # (422 at body.program), like any other reference in a body; 404 is kept for URL paths.
    problem = assert_problem(
        api.post("/api/v1/participants", {**PARTICIPANT_BODY, "program": "tidak-ada"}), 422
    )
    assert problem["errors"] == [
        {"loc": ["body", "program"], "msg": "no program 'tidak-ada' in this workspace"}
    ]
    assert "tidak-ada" in problem["detail"]
    assert Participant.objects.count() == 0


def test_an_outsider_cannot_enrol_into_the_owners_program(outsider_api, program):
    # The outsider gets exactly the answer of a program that does not exist.
    problem = assert_problem(outsider_api.post("/api/v1/participants", PARTICIPANT_BODY), 422)
    assert problem["errors"][0]["loc"] == ["body", "program"]
    assert Participant.objects.count() == 0


def test_a_chosen_code_is_kept_upper_case(api, program, public_url):
    body = api.post("/api/v1/participants", {**PARTICIPANT_BODY, "code": "andi10"}).json()
    assert body["code"] == "ANDI10"
    assert body["referral_url"] == f"{public_url}/r/ANDI10"


def test_a_chosen_code_that_is_taken_is_a_409(api, program):
    api.post("/api/v1/participants", {**PARTICIPANT_BODY, "code": "ANDI10"})
    response = api.post(
        "/api/v1/participants", {**PARTICIPANT_BODY, "external_id": "cust_43", "code": "andi10"}
    )
    assert_problem(response, 409)
    assert Participant.objects.count() == 1


@pytest.mark.parametrize("code", ["ab", "a b c", "ÄNDI", "-ANDI", "x" * 33])
def test_a_chosen_code_that_is_not_a_code_is_a_422(api, program, code):
    assert_problem(api.post("/api/v1/participants", {**PARTICIPANT_BODY, "code": code}), 422)
    assert Participant.objects.count() == 0
