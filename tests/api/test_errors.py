"""Story: whatever goes wrong under /api/, the integrator gets an RFC 9457 problem, never an HTML
page or a stack trace."""

import pytest
from django.core.cache import cache

from tests.helpers import PROGRAM_BODY, assert_problem
from tular.api import programs as programs_api
from tular.programs.models import Program


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/programs/pelanggan/extra", "/api/v2/programs", "/api/"]
)
def test_an_unknown_path_is_a_404_problem(api, path):
    problem = assert_problem(api.get(path), 404)
    assert "/api/v1/docs" in problem["detail"]


def test_an_unknown_path_is_a_404_problem_even_without_a_key(anonymous_api):
    assert_problem(anonymous_api.get("/api/v1/nope"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/programs", {"GET", "POST"}),
        ("PUT", "/api/v1/programs", {"GET", "POST"}),
        ("PUT", "/api/v1/programs/pelanggan", {"GET", "PATCH"}),
        ("GET", "/api/v1/track/click", {"POST"}),
        ("DELETE", "/api/v1/track/click", {"POST"}),
    ],
)
def test_a_wrong_method_is_a_405_problem_with_allow(api, method, path, allowed):
    response = api.request(method, path)
    problem = assert_problem(response, 405)
    assert method in problem["detail"]
    assert {m.strip() for m in response["Allow"].split(",")} >= allowed


@pytest.fixture
def crashing_create(monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("password=hunter2 at /srv/tular/secret.py line 42")

    monkeypatch.setattr(programs_api, "program_create", explode)


def test_an_unhandled_error_is_a_500_problem_that_hides_internals(api, crashing_create):
    # given a service that crashes; when the owner calls it
    api.client.raise_request_exception = False
    response = api.post("/api/v1/programs", PROGRAM_BODY)
    # then a 500 problem that says nothing of what went wrong inside
    problem = assert_problem(response, 500)
    text = response.content.decode()
    for secret in ("hunter2", "secret.py", "RuntimeError", "Traceback", "line 42"):
        assert secret not in text
    assert problem["detail"] == "Something went wrong on our side; it has been logged."


def test_an_unhandled_error_is_logged_for_the_operators(api, crashing_create, caplog):
    api.client.raise_request_exception = False
    api.post("/api/v1/programs", PROGRAM_BODY)
    assert any("hunter2" in (record.exc_text or "") or record.exc_info for record in caplog.records)


@pytest.fixture
def low_rate_limit(settings):
    settings.TULAR_API_RATE_LIMIT = "3/min"
    cache.clear()
    yield
    cache.clear()


def test_over_the_rate_limit_is_a_429_problem_with_retry_after(api, program, low_rate_limit):
    # given a limit of 3 requests a minute; when the owner makes a fourth
    for _ in range(3):
        assert api.get("/api/v1/programs/pelanggan").status_code == 200
    response = api.get("/api/v1/programs/pelanggan")
    # then
    assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1


def test_the_rate_limit_is_per_key(api, outsider_api, program, low_rate_limit):
    for _ in range(4):
        api.get("/api/v1/programs/pelanggan")
    assert api.get("/api/v1/programs").status_code == 429
    assert outsider_api.get("/api/v1/programs").status_code == 200


def test_a_throttled_create_writes_nothing(api, low_rate_limit, db):
    for _ in range(3):
        api.get("/api/v1/programs")
    assert_problem(api.post("/api/v1/programs", PROGRAM_BODY), 429)
    assert Program.objects.count() == 0


def test_a_raised_rate_limit_applies_without_a_restart(api, settings, low_rate_limit, db):
    for _ in range(3):
        api.get("/api/v1/programs")
    assert api.get("/api/v1/programs").status_code == 429
    settings.TULAR_API_RATE_LIMIT = "100/min"
    assert api.get("/api/v1/programs").status_code == 200
