"""Sign-in, roles and workspaces: who gets into the console and what they see."""

import pytest
from django.urls import reverse

from tests.console.conftest import PASSWORD
from tular.console.nav import MAIN


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(anonymous_client):
    # when
    response = anonymous_client.get("/console/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/"


def test_a_manager_signs_in_with_e_mail_and_password(anonymous_client, manager):
    # when
    response = anonymous_client.post(
        "/console/login/", {"username": "MANAGER@toko.example", "password": PASSWORD}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    page = anonymous_client.get("/console/").content.decode()
    assert "Toko Maju" in page


def test_a_wrong_password_says_so_beside_the_form_in_indonesian(anonymous_client, manager):
    # when
    response = anonymous_client.post(
        "/console/login/", {"username": "manager@toko.example", "password": "nope"}
    )
    # then
    assert response.status_code == 200
    assert "tidak cocok" in response.content.decode()


def test_signing_out_ends_the_session(manager_client):
    # when
    manager_client.post("/console/logout/")
    # then
    assert manager_client.get("/console/").status_code == 302


def test_a_user_without_a_workspace_gets_the_403_page(db, anonymous_client):
    # given
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(
        username="x@x.example", email="x@x.example", password=PASSWORD
    )
    anonymous_client.login(username="x@x.example", password=PASSWORD)
    # when
    response = anonymous_client.get("/console/")
    # then
    assert response.status_code == 403
    assert "bukan anggota" in response.content.decode() or "belum menjadi anggota" in (
        response.content.decode()
    )


def test_the_outsider_sees_only_their_own_workspace(outsider_client, owner):
    page = outsider_client.get("/console/").content.decode()
    assert "Usaha Lain" in page
    assert "Toko Maju" not in page


def test_switching_to_a_workspace_one_is_not_a_member_of_is_refused(outsider_client, owner):
    # when
    outsider_client.post("/console/workspace/", {"workspace": "toko"})
    # then
    page = outsider_client.get("/console/").content.decode()
    assert "Toko Maju" not in page


def test_the_language_is_kept_per_user(manager_client):
    # when
    manager_client.post("/console/language/", {"language": "en", "next": "/console/"})
    # then
    page = manager_client.get("/console/", headers={"Accept-Language": "id"}).content.decode()
    assert '<html lang="en">' in page
    assert "Overview" in page


@pytest.mark.parametrize("item", MAIN, ids=lambda item: item.url_name)
def test_every_menu_entry_resolves(item):
    assert reverse(item.url_name).startswith("/console/")
