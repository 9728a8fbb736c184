"""Managers sign in to Django's admin and see programs, participants and clicks."""

import pytest
from django.test import Client

from tular.workspaces.bootstrap import bootstrap


@pytest.fixture(scope="module")
def _manager(demo_workspace):
    # The demo once for the module; the manager as `tular up` creates it.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TULAR_ADMIN_EMAIL", "manajer@toko.example")
        env.setenv("TULAR_ADMIN_PASSWORD", "rahasia-yang-panjang-42")
        bootstrap()


@pytest.fixture
def manager_client(_manager, db):
    client = Client()
    assert client.login(username="manajer@toko.example", password="rahasia-yang-panjang-42")
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/programs/program/",
        "/admin/participants/participant/",
        "/admin/tracking/click/",
        "/admin/workspaces/apikey/",
    ],
)
def test_manager_sees_the_admin_pages(manager_client, path):
    assert manager_client.get(path).status_code == 200


def test_clicks_are_read_only(manager_client):
    from tular.tracking.models import Click

    click = Click.objects.first()
    assert manager_client.get("/admin/tracking/click/add/").status_code == 403
    page = manager_client.get(f"/admin/tracking/click/{click.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_strangers_are_sent_to_sign_in(db):
    response = Client().get("/admin/programs/program/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
