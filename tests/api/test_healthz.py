"""Story: the operator's load balancer asks whether this Tular can serve."""

import pytest

from tular.core import health


def test_healthy_when_the_database_and_the_queue_answer(anonymous_api):
    response = anonymous_api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("check", ["check_database", "check_task_queue"])
def test_unavailable_with_503_and_no_stack_trace_when_a_dependency_fails(
    anonymous_api, monkeypatch, check
):
    # given a dependency that fails
    def broken():
        raise RuntimeError("could not connect to server at 10.0.0.5: secret-password")

    monkeypatch.setattr(health, check, broken)
    # when
    response = anonymous_api.client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    text = response.content.decode()
    for leak in ("Traceback", "RuntimeError", "10.0.0.5", "secret-password"):
        assert leak not in text


def test_healthz_needs_no_key_and_refuses_writes(anonymous_api):
    assert anonymous_api.client.post("/healthz").status_code == 405
