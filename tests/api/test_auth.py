"""Story: only the owner's keys open the owner's workspace; a publishable key only counts clicks.

Choice (documented here and in the 403's detail): a *valid* publishable key on an endpoint it may
not call is a 403 problem, not a 401, because the caller is known and only lacks the right; a
missing, malformed, unknown or revoked key is a 401 with `WWW-Authenticate: Bearer`.
"""

import pytest
from django.test import Client

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, Api, assert_problem
from tular.programs.models import Program
from tular.workspaces.services import api_key_create, api_key_revoke

ENDPOINTS = [
    ("post", "/api/v1/programs", PROGRAM_BODY),
    ("get", "/api/v1/programs/pelanggan", None),
    ("get", "/api/v1/programs", None),
    ("post", "/api/v1/participants", PARTICIPANT_BODY),
    ("get", "/api/v1/participants/01a21ab2-c577-7739-838f-b976c4192d2d", None),
    ("post", "/api/v1/track/click", {"code": "ABCDEFG"}),
]


def call(client: Client, method, path, body, authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    if method == "get":
        return client.get(path, headers=headers)
    return client.post(path, data=body, content_type="application/json", headers=headers)


def assert_unauthorized(response):
    problem = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    return problem


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_no_key_is_a_401_problem(anonymous_api, method, path, body):
    assert_unauthorized(call(anonymous_api.client, method, path, body))


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token tular_sk_abc",
        "tular_sk_abc",
        "Bearer tular_sk_" + "x" * 300,
        "Bearer not-a-tular-key",
        "Bearer tular_sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer tular_pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
    ids=[
        "empty",
        "bearer-without-key",
        "bearer-blank",
        "basic-auth",
        "other-scheme",
        "no-scheme",
        "oversize",
        "not-a-tular-key",
        "unknown-secret",
        "unknown-publishable",
    ],
)
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_malformed_or_unknown_key_is_a_401_problem(db, method, path, body, authorization):
    assert_unauthorized(call(Client(), method, path, body, authorization))


def test_a_revoked_key_is_a_401_problem(workspace, program):
    # given a key that worked and was then revoked
    key, raw = api_key_create(workspace=workspace)
    assert Api(raw).get("/api/v1/programs/pelanggan").status_code == 200
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    # then
    assert_unauthorized(Api(raw).get("/api/v1/programs/pelanggan"))
    assert_unauthorized(Api(raw).post("/api/v1/programs", {**PROGRAM_BODY, "slug": "baru"}))
    assert not Program.objects.filter(slug="baru").exists()


def test_a_revoked_publishable_key_no_longer_records_clicks(workspace, participant):
    key, raw = api_key_create(workspace=workspace, publishable=True)
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    assert_unauthorized(Api(raw).post("/api/v1/track/click", {"code": participant["code"]}))


def test_publishable_key_on_create_program_is_403_forbidden_not_401(publishable_api, db):
    problem = assert_problem(publishable_api.post("/api/v1/programs", PROGRAM_BODY), 403)
    assert "track/click" in problem["detail"]
    assert Program.objects.count() == 0


def test_publishable_key_on_get_participant_is_403_forbidden_not_401(publishable_api, participant):
    response = publishable_api.get(f"/api/v1/participants/{participant['id']}")
    problem = assert_problem(response, 403)
    assert participant["email"] not in response.content.decode()
    assert "track/click" in problem["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"), [e for e in ENDPOINTS if e[1] != "/api/v1/track/click"]
)
def test_publishable_key_is_403_on_every_endpoint_but_track_click(
    publishable_api, method, path, body
):
    assert_problem(
        call(publishable_api.client, method, path, body, f"Bearer {publishable_api.key}"), 403
    )


def test_the_bearer_scheme_is_case_insensitive_and_spaces_around_the_key_are_ignored(api, program):
    response = api.client.get(
        "/api/v1/programs/pelanggan", headers={"Authorization": f"bearer   {api.key} "}
    )
    assert response.status_code == 200
