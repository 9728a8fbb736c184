"""Portal personas: a workspace with a program, a referrer (Andi) enrolled in it, and a
Django test client signed in to the portal as that referrer (the session a used magic link
opens). `portal_client_for(participant)` signs in anyone else."""

import pytest
from django.test import Client

from tests.rewards.books import make_participant, make_program
from tular.portal.access import SESSION_KEY
from tular.workspaces.services import workspace_get_or_create


@pytest.fixture
def portal_workspace(db):
    workspace, _ = workspace_get_or_create(slug="toko", name="Toko Maju")
    return workspace


@pytest.fixture
def portal_program(portal_workspace):
    return make_program(portal_workspace, slug="hadiah")


@pytest.fixture
def referrer(portal_program):
    return make_participant(portal_program, name="Andi", email="andi@example.com")


def portal_client_for(participant, language: str = "id") -> Client:
    client = Client(headers={"Accept-Language": language})
    session = client.session
    session[SESSION_KEY] = {
        "workspace": participant.workspace_id,
        "email": participant.email_normalised,
    }
    session.save()
    return client


@pytest.fixture
def portal_client(referrer):
    return portal_client_for(referrer)


@pytest.fixture
def anonymous_portal_client(db):
    return Client(headers={"Accept-Language": "id"})
