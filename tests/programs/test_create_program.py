"""Story: the owner sets up a referral program through the API and reads it back."""

import copy

import pytest

from tests.helpers import PROGRAM_BODY, assert_problem
from tular.programs.models import Program


def assert_same_shape(actual, expected):
    """Everything the caller sent comes back as sent; extra fields (defaults) are allowed."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), actual
        for key, value in expected.items():
            assert key in actual, f"missing {key!r} in {actual}"
            assert_same_shape(actual[key], value)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), actual
        for got, wanted in zip(actual, expected, strict=True):
            assert_same_shape(got, wanted)
    else:
        assert actual == expected


def test_owner_creates_a_program_and_gets_the_same_shape_back_with_an_id(api):
    # when the owner posts the contract's example program
    response = api.post("/api/v1/programs", PROGRAM_BODY)
    # then it is created and echoed as sent (defaults may be filled in), with an id
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["id"]
    assert_same_shape(body, PROGRAM_BODY)
    assert Program.objects.filter(slug="pelanggan").count() == 1


def test_owner_reads_a_program_by_slug_in_the_same_shape(api, program):
    # when
    response = api.get("/api/v1/programs/pelanggan")
    # then
    assert response.status_code == 200
    assert response.json() == program
    assert_same_shape(response.json(), PROGRAM_BODY)


def test_optional_settings_take_their_defaults(api):
    # given a program with only the required fields
    minimal = {
        "slug": "minimal",
        "name": "Minimal",
        "kind": "affiliate",
        "currency": "USD",
        "destination_url": "https://shop.example/",
    }
    # when
    response = api.post("/api/v1/programs", minimal)
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attribution"] == {"model": "last_touch", "window_days": 30}
    assert body["hold_days"] == 14
    assert body["clawback_days"] == 60
    assert body["auto_approve_below"] is None
    assert body["monetary_rewards_allowed"] is True
    assert body["rules"] == []
    assert body["allowed_hosts"] == []


def test_a_taken_slug_is_a_409_problem_and_the_first_program_is_untouched(api, program):
    # given a program "pelanggan"; when the owner creates another with the same slug
    response = api.post("/api/v1/programs", {**PROGRAM_BODY, "name": "Lain"})
    # then
    body = assert_problem(response, 409)
    assert "pelanggan" in body["detail"]
    assert Program.objects.filter(slug="pelanggan").count() == 1
    assert api.get("/api/v1/programs/pelanggan").json()["name"] == "Ajak Teman"


def test_slugs_are_per_workspace_so_an_outsider_may_use_the_same_one(api, outsider_api, program):
    # when another workspace creates its own "pelanggan"
    response = outsider_api.post("/api/v1/programs", {**PROGRAM_BODY, "name": "Milik Pesaing"})
    # then both exist, each seen only by its own workspace
    assert response.status_code == 201, response.content
    assert response.json()["id"] != program["id"]
    assert api.get("/api/v1/programs/pelanggan").json()["name"] == "Ajak Teman"
    assert outsider_api.get("/api/v1/programs/pelanggan").json()["name"] == "Milik Pesaing"


def test_outsider_cannot_read_the_owners_program(outsider_api, program):
    assert_problem(outsider_api.get("/api/v1/programs/pelanggan"), 404)


@pytest.mark.parametrize("slug", ["tidak-ada", "UPPER", "x" * 60, "%00", "..", "a%20b"])
def test_an_unknown_or_impossible_slug_is_a_404_problem(api, program, slug):
    assert_problem(api.get(f"/api/v1/programs/{slug}"), 404)


def test_the_program_list_shows_only_this_workspaces_programs(api, outsider_api, program):
    # given an outsider with a program of its own
    outsider_api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "rahasia"})
    # when the owner lists programs
    response = api.get("/api/v1/programs")
    # then
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["items"]] == ["pelanggan"]


def test_allowed_hosts_are_stored_lower_case_without_duplicates(api):
    body = {
        **copy.deepcopy(PROGRAM_BODY),
        "allowed_hosts": ["Toko.Example", "toko.example", "*.toko.example"],
    }
    response = api.post("/api/v1/programs", body)
    assert response.status_code == 201, response.content
    assert response.json()["allowed_hosts"] == ["*.toko.example", "toko.example"]


def test_percentages_are_echoed_as_decimal_strings(api):
    body = copy.deepcopy(PROGRAM_BODY)
    body["rules"][0]["percent"] = "12.5"
    body["rules"][0]["tiers"] = [{"min_conversions": 3, "percent": "15.25"}]
    response = api.post("/api/v1/programs", body)
    assert response.status_code == 201, response.content
    rule = response.json()["rules"][0]
    assert rule["percent"] == "12.5"
    assert_same_shape(rule["tiers"], [{"min_conversions": 3, "percent": "15.25"}])
