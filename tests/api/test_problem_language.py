"""Problem titles speak the caller's language: English by default for integrators,
Indonesian when asked."""

from tests.helpers import assert_problem


def test_problem_title_is_english_without_accept_language(anonymous_api):
    body = assert_problem(anonymous_api.get("/api/v1/programs/pelanggan"), 401)
    assert body["title"] == "Authentication required"


def test_problem_title_is_indonesian_when_asked(anonymous_api):
    response = anonymous_api.get("/api/v1/programs/pelanggan", headers={"Accept-Language": "id"})
    assert assert_problem(response, 401)["title"] == "Autentikasi diperlukan"
