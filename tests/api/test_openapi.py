"""Story: an integrator reads the API's description and generates a client from it."""

import json
import re

import pytest
from openapi_spec_validator import validate

from tular.programs.rules import PERCENT_PATTERN

CONTRACT_PATHS = {
    "/api/v1/programs": {"post"},
    "/api/v1/programs/{slug}": {"get"},
    "/api/v1/participants": {"post"},
    "/api/v1/participants/{participant_id}": {"get"},
    "/api/v1/track/click": {"post"},
}


@pytest.fixture
def spec(anonymous_api):
    response = anonymous_api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_openapi_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_the_openapi_document_lists_the_contracts_paths(spec):
    for path, methods in CONTRACT_PATHS.items():
        assert path in spec["paths"], path
        assert methods <= spec["paths"][path].keys(), (path, spec["paths"][path].keys())


def test_the_api_declares_bearer_authentication(spec):
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"].lower() == "bearer" for s in schemes.values())


def test_percentages_are_described_as_the_decimal_strings_the_api_accepts(spec):
    percent = spec["components"]["schemas"]["Rule"]["properties"]["percent"]
    string = next(s for s in percent.get("anyOf", [percent]) if s.get("type") == "string")
    assert string["pattern"] == PERCENT_PATTERN


def test_the_docs_page_renders_without_a_cdn(anonymous_api):
    # when
    response = anonymous_api.get("/api/v1/docs")
    # then a page whose scripts and styles are all served by Tular itself
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    assert all(a.startswith("/static/") for a in assets), assets
    assert "cdn" not in html.lower()
    assert "/api/v1/openapi.json" in html


def test_the_docs_assets_are_served_locally(anonymous_api):
    html = anonymous_api.get("/api/v1/docs").content.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = anonymous_api.client.get(asset)
        assert response.status_code == 200, asset


def _no_repeated_keys(pairs: list[tuple]) -> dict:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen.add(key)
    return dict(pairs)


def test_the_served_document_has_no_repeated_keys(anonymous_api):
    # A repeated key is valid to json.loads (the last one wins) but not to Swagger UI, which
    # then refuses to render /api/v1/docs: read the served text as a strict parser would.
    text = anonymous_api.get("/api/v1/openapi.json").content.decode()
    json.loads(text, object_pairs_hook=_no_repeated_keys)


def _operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_as_problems(spec):
    assert spec["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        expected = {"401", "404", "429"} | ({"400", "413", "422"} if method == "post" else set())
        assert expected <= responses.keys(), (method, path, sorted(responses))
        for status in expected:
            content = responses[status]["content"]
            assert content == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)
        assert "WWW-Authenticate" in responses["401"]["headers"]
        assert "Retry-After" in responses["429"]["headers"]


def test_only_endpoints_for_secret_keys_document_a_403(spec):
    assert "403" not in spec["paths"]["/api/v1/track/click"]["post"]["responses"]
    assert "403" in spec["paths"]["/api/v1/track/sale"]["post"]["responses"]
    assert "403" in spec["paths"]["/api/v1/programs"]["post"]["responses"]


def test_posts_other_than_tracking_document_idempotency_key_and_its_replay(spec):
    for path, method, operation in _operations(spec):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if method != "post" or "/track/" in path:
            assert "Idempotency-Key" not in headers, (method, path)
            continue
        assert "Idempotency-Key" in headers, (method, path)
        if "Refused here" not in headers["Idempotency-Key"].get("description", ""):
            # the replay answers 200 with the first response, even where the first was a 201
            assert "200" in operation["responses"], (method, path)


def test_every_status_is_one_key(spec):
    for path, method, operation in _operations(spec):
        assert all(isinstance(status, str) for status in operation["responses"]), (method, path)
