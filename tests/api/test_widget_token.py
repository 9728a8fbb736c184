"""Story: the customer's backend asks for a token to open the "Invite friends" panel of the
user signed in to its app (R11): POST /api/v1/participants/{id}/widget-token."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import assert_problem
from tular.participants.widget import widget_participant


def url(participant) -> str:
    return f"/api/v1/participants/{participant['id']}/widget-token"


def test_a_secret_key_gets_a_ten_minute_token_and_the_panels_url(api, participant, frozen_clock):
    # when
    response = api.post(url(participant))
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at", "widget_url"}
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires - frozen_clock.now == timedelta(minutes=10)
    # the token names this participant
    assert str(widget_participant(token=body["token"]).pk) == participant["id"]
    # the panel's URL carries it
    parts = urlsplit(body["widget_url"])
    assert parts.path == "/portal/widget"
    assert parse_qs(parts.query)["token"] == [body["token"]]
    assert parts.scheme in {"http", "https"} and parts.netloc


def test_the_panels_url_starts_with_the_public_url(api, participant, settings):
    settings.TULAR_PUBLIC_URL = "https://ajak.toko.example"
    body = api.post(url(participant)).json()
    assert body["widget_url"].startswith("https://ajak.toko.example/portal/widget?token=")


def test_each_request_gives_a_token_that_works(api, participant, frozen_clock):
    first = api.post(url(participant)).json()["token"]
    frozen_clock.advance(seconds=1)
    second = api.post(url(participant)).json()["token"]
    assert first != second
    assert widget_participant(token=first) == widget_participant(token=second)


def test_a_publishable_key_is_refused_with_403(publishable_api, participant):
    assert_problem(publishable_api.post(url(participant)), 403)


def test_no_key_is_a_401(anonymous_api, participant):
    response = anonymous_api.post(url(participant))
    assert_problem(response, 401)


def test_another_workspaces_participant_is_a_404(outsider_api, participant):
    assert_problem(outsider_api.post(url(participant)), 404)


@pytest.mark.parametrize("participant_id", ["0193a6f0-0000-7000-8000-000000000000", "nope"])
def test_an_unknown_participant_is_a_404(api, participant_id):
    assert_problem(api.post(f"/api/v1/participants/{participant_id}/widget-token"), 404)


def test_the_endpoint_is_in_the_openapi_document(api):
    document = api.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/participants/{participant_id}/widget-token"]["post"]
    assert "201" in operation["responses"]
    assert {"401", "403", "404"} <= set(operation["responses"])
    schema_ref = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"token", "expires_at", "widget_url"}
