"""Public account pages: a forgotten password reset by e-mail (through a real SMTP server), and
an invitation accepted by a new person and by someone who already has an account."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.console.conftest import PASSWORD, client_for, make_member
from tests.messaging.conftest import smtp, smtp_down, tasks_run_at_once  # noqa: F401 - fixtures
from tular.messaging.models import OutboundEmail
from tular.workspaces.audit import Actor
from tular.workspaces.models import Invitation, Membership, Role
from tular.workspaces.team import invitation_create, invitation_revoke

NEW_PASSWORD = "kopi tubruk pagi hari"


def reset_link(text: str) -> str:
    return re.search(r"http://testserver(/console/password/reset/\S+/)", text).group(1)


def test_a_forgotten_password_is_reset_through_a_real_smtp_server(
    smtp,  # noqa: F811 - the fixture
    anonymous_client,
    manager,
    django_capture_on_commit_callbacks,
):
    # given the sign-in page offers the reset
    login_page = anonymous_client.get("/console/login/").content.decode()
    assert 'href="/console/password/reset/"' in login_page
    # when the manager asks for a link (the address typed in another case)
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous_client.post(
            "/console/password/reset/", {"email": "MANAGER@toko.example"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/console/password/reset/sent/"
    # then the e-mail arrives through SMTP, in Indonesian (the workspace's language)
    [received] = smtp.received
    assert received.rcpt_tos == ["manager@toko.example"]
    assert "Tular" in received.subject
    assert "kata sandi" in received.text
    link = reset_link(received.text)
    # when the manager follows the link and sets a new password
    response = anonymous_client.get(link)
    assert response.status_code == 302  # Django moves the token out of the URL
    form_url = response["Location"]
    page = anonymous_client.get(form_url)
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()
    response = anonymous_client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    # then the sign-in page says so, and the new password signs in (the old one no longer)
    assert "Kata sandi baru Anda sudah disimpan" in response.content.decode()
    assert not anonymous_client.login(username="manager@toko.example", password=PASSWORD)
    response = anonymous_client.post(
        "/console/login/", {"username": "manager@toko.example", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    # and the link works once
    anonymous_client.post("/console/logout/")
    used = anonymous_client.get(link, follow=True).content.decode()
    assert "tidak berlaku lagi" in used
    assert OutboundEmail.objects.get().status == "sent"


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(anonymous_client, manager):
    response = anonymous_client.post("/console/password/reset/", {"email": "siapa@toko.example"})
    assert response.status_code == 302
    assert response["Location"] == "/console/password/reset/sent/"
    assert not OutboundEmail.objects.exists()


def test_at_most_five_reset_e_mails_an_hour_per_address(anonymous_client, manager, frozen_clock):
    for _attempt in range(7):
        response = anonymous_client.post(
            "/console/password/reset/", {"email": "manager@toko.example"}
        )
        assert response["Location"] == "/console/password/reset/sent/"
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 5
    # an hour later the address may ask again
    frozen_clock.advance(hours=1, seconds=1)
    anonymous_client.post("/console/password/reset/", {"email": "manager@toko.example"})
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 6


def test_the_reset_e_mail_is_in_the_users_own_language(anonymous_client, manager):
    from tular.workspaces.accounts import preference_update

    preference_update(user=manager, language="en")
    anonymous_client.post("/console/password/reset/", {"email": "manager@toko.example"})
    email = OutboundEmail.objects.get()
    assert email.language == "en" and "Reset your Tular password" in email.subject


def test_a_weak_new_password_is_refused_beside_the_field(anonymous_client, manager):
    anonymous_client.post("/console/password/reset/", {"email": "manager@toko.example"})
    link = reset_link(OutboundEmail.objects.get().body_text)
    form_url = anonymous_client.get(link)["Location"]
    response = anonymous_client.post(
        form_url, {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="new_password2-error"' in page or 'id="new_password1-error"' in page


# ---------------------------------------------------------------- invitations


def invitation_link(email: OutboundEmail) -> str:
    return urlsplit(
        re.search(r"(http://testserver/console/invitations/\S+/)", email.body_text).group(1)
    ).path


def invite(workspace, owner, email: str, role: str = "viewer"):
    """The owner invites `email`: the invitation and the link in its e-mail."""
    invitation = invitation_create(
        workspace=workspace,
        email=email,
        role=role,
        base_url="http://testserver",
        actor=Actor.for_user(owner),
    )
    return invitation, invitation_link(OutboundEmail.objects.get(to=invitation.email))


def test_an_invitation_end_to_end_for_a_new_person(owner_client, anonymous_client, owner):
    # given the owner invites Sari as a manager from the team page
    form = owner_client.get("/console/settings/team/").content.decode()
    once = re.search(r'name="once" value="([^"]+)"', form).group(1)
    response = owner_client.post(
        "/console/settings/team/invite/",
        {"email": "Sari@Toko.example", "role": "manager", "once": once},
    )
    assert response.status_code == 302
    # then an e-mail with the link is queued, in the workspace's language
    email = OutboundEmail.objects.get(kind="invitation")
    assert email.to == "sari@toko.example" and email.language == "id"
    assert "Toko Maju" in email.subject and "pengelola" in email.body_text
    link = invitation_link(email)
    # and the invitation is pending on the team page; the same form again sends nothing more
    assert "sari@toko.example" in owner_client.get("/console/settings/team/").content.decode()
    owner_client.post(
        "/console/settings/team/invite/",
        {"email": "sari@toko.example", "role": "manager", "once": once},
    )
    assert OutboundEmail.objects.filter(kind="invitation").count() == 1
    # when Sari opens the link, sees the workspace and role, and creates her account
    page = anonymous_client.get(link).content.decode()
    assert "Toko Maju" in page and "Pengelola" in page
    response = anonymous_client.post(
        link, {"name": "Sari Dewi", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    # then she is signed in, a manager of the workspace
    assert response.status_code == 302 and response["Location"] == "/console/"
    overview = anonymous_client.get("/console/", follow=True)
    assert overview.status_code == 200
    sari = get_user_model().objects.get(username="sari@toko.example")
    assert sari.first_name == "Sari Dewi" and sari.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=sari).role == Role.MANAGER
    # and the link cannot be used again
    again = anonymous_client.get(link)
    assert again.status_code == 410
    assert "sudah diterima" in again.content.decode()


def test_a_weak_password_on_the_invitation_page_is_refused_beside_the_field(
    anonymous_client, console_workspace, owner
):
    _invitation, link = invite(console_workspace, owner, "budi@toko.example")
    response = anonymous_client.post(
        link, {"name": "Budi", "password1": "password", "password2": "password"}
    )
    assert response.status_code == 422
    assert 'id="password1-error"' in response.content.decode()
    assert not get_user_model().objects.filter(username="budi@toko.example").exists()


def test_an_existing_user_signs_in_and_accepts(console_workspace, other_workspace, owner):
    # given the outsider-to-be already has an account in another workspace
    andi = make_member(other_workspace, "andi@lain.example", Role.OWNER)
    _invitation, link = invite(console_workspace, owner, "andi@lain.example")
    visitor = Client(headers={"Accept-Language": "id"})
    page = visitor.get(link).content.decode()
    assert "Masuk untuk menerima" in page and 'name="password1"' not in page
    # when he signs in and accepts
    client = client_for(andi)
    assert "Terima undangan" in client.get(link).content.decode()
    response = client.post(link)
    # then
    assert response.status_code == 302
    assert Membership.objects.get(user=andi, workspace=console_workspace).role == Role.VIEWER


def test_someone_signed_in_with_another_address_cannot_accept(
    console_workspace, owner, outsider_client, outsider
):
    _invitation, link = invite(console_workspace, owner, "budi@toko.example", role="owner")
    outsider_client.post(link)
    assert not Membership.objects.filter(user=outsider, workspace=console_workspace).exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_an_expired_or_revoked_invitation_shows_a_clear_page(
    state, console_workspace, owner, anonymous_client, frozen_clock
):
    invitation, link = invite(console_workspace, owner, "budi@toko.example")
    if state == "expired":
        frozen_clock.advance(days=7, seconds=1)
    else:
        invitation_revoke(workspace=console_workspace, invitation_id=invitation.pk)
    response = anonymous_client.get(link)
    assert response.status_code == 410
    assert {"expired": "kedaluwarsa", "revoked": "dibatalkan"}[state] in response.content.decode()
    response = anonymous_client.post(
        link, {"name": "Budi", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="budi@toko.example").exists()


def test_an_unknown_invitation_link_is_a_404_page(anonymous_client):
    response = anonymous_client.get(reverse("console:invitation-accept", args=["tidak-ada"]))
    assert response.status_code == 404
    assert "tidak valid" in response.content.decode()


def test_resending_gives_a_new_link_and_the_old_one_stops_working(
    owner_client, console_workspace, owner, anonymous_client
):
    invitation, old = invite(console_workspace, owner, "budi@toko.example")
    owner_client.post(reverse("console:settings-team-resend", args=[invitation.pk]))
    new = invitation_link(OutboundEmail.objects.order_by("-created_at", "-pk")[0])
    assert new != old
    assert anonymous_client.get(old).status_code == 404
    assert anonymous_client.get(new).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at > invitation.created_at + timedelta(days=6)


def test_a_member_changes_their_password_and_is_told_so(manager_client):
    # when the manager changes their password (signed in)
    response = manager_client.post(
        "/console/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    # then the overview says so, once, and the new password signs in
    assert response.redirect_chain == [("/console/", 302)]
    assert response.content.decode().count("Kata sandi Anda telah diubah.") == 1
    assert Client().login(username="manager@toko.example", password=NEW_PASSWORD)
