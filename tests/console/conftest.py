"""Console personas: an owner, a manager and a viewer of one workspace, and an outsider who
owns another workspace. Each `*_client` is a Django test client signed in as that person.
And the money pages' books: a program of the workspace, sales that earn rewards (`sold`), and a
reward of the other workspace."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.rewards.books import make_participant, make_program, make_referral, make_sale
from tular.core import clock
from tular.workspaces.models import Membership, Role
from tular.workspaces.services import workspace_get_or_create

PASSWORD = "correct horse battery"


def make_member(workspace, email: str, role: str):
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    Membership.objects.create(workspace=workspace, user=user, role=role, created_at=clock.now())
    return user


@pytest.fixture
def console_workspace(db):
    workspace, _ = workspace_get_or_create(slug="toko", name="Toko Maju")
    return workspace


@pytest.fixture
def other_workspace(db):
    workspace, _ = workspace_get_or_create(slug="lain", name="Usaha Lain")
    return workspace


@pytest.fixture
def owner(console_workspace):
    return make_member(console_workspace, "owner@toko.example", Role.OWNER)


@pytest.fixture
def manager(console_workspace):
    return make_member(console_workspace, "manager@toko.example", Role.MANAGER)


@pytest.fixture
def viewer(console_workspace):
    return make_member(console_workspace, "viewer@toko.example", Role.VIEWER)


@pytest.fixture
def outsider(other_workspace):
    return make_member(other_workspace, "owner@lain.example", Role.OWNER)


def client_for(user) -> Client:
    client = Client(headers={"Accept-Language": "id"})
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return client_for(owner)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


@pytest.fixture
def viewer_client(viewer):
    return client_for(viewer)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


@pytest.fixture
def anonymous_client(db):
    return Client(headers={"Accept-Language": "id"})


@pytest.fixture
def program(console_workspace):
    """The workspace's program "Ajak Teman" (IDR)."""
    return make_program(console_workspace, name="Ajak Teman")


def sold(program, sales) -> list:
    """For each (name, amount): a participant who referred a customer who paid that amount; the
    rewards it earned (pending, in their hold)."""
    rewards = []
    for name, amount in sales:
        rewards += make_sale(make_referral(program, make_participant(program, name)), amount)[1]
    return rewards


@pytest.fixture
def foreign_reward(other_workspace):
    """A pending reward of "Orang Lain", in the other workspace's program "lain"."""
    program = make_program(other_workspace, slug="lain")
    return sold(program, [("Orang Lain", 100000)])[0]
