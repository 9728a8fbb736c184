"""Shared personas: an owner workspace with its keys, and an outsider workspace."""

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY, Api
from tular.tracking import redirect
from tular.workspaces.services import api_key_create, workspace_get_or_create

# Fixtures for tests that start real processes (isolated_env).
pytest_plugins = ["tests.processes"]


@pytest.fixture(autouse=True)
def _fresh_redirect_cache(settings):
    # Code lookups are cached per process; tests change data between requests.
    settings.TULAR_REDIRECT_CACHE_SECONDS = 0
    redirect._cache.clear()


@pytest.fixture
def workspace(db):
    return workspace_get_or_create(slug="toko-andalan", name="Toko Andalan")[0]


@pytest.fixture
def api(workspace):
    return Api(api_key_create(workspace=workspace)[1])


@pytest.fixture
def publishable_api(workspace):
    return Api(api_key_create(workspace=workspace, publishable=True)[1])


@pytest.fixture
def outsider_api(db):
    other = workspace_get_or_create(slug="pesaing", name="Pesaing")[0]
    return Api(api_key_create(workspace=other)[1])


@pytest.fixture
def anonymous_api(db):
    return Api(None)


@pytest.fixture
def program(api):
    response = api.post("/api/v1/programs", PROGRAM_BODY)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def participant(api, program):
    response = api.post("/api/v1/participants", PARTICIPANT_BODY)
    assert response.status_code == 201, response.content
    return response.json()
