"""A manager invites a participant to the portal from the console: the participant receives,
through a real SMTP server, their link, their code, a WhatsApp button whose text carries the
link tagged ch=whatsapp, and a sign-in link that opens their program in the portal."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client

from tests.messaging.conftest import smtp, smtp_down, tasks_run_at_once  # noqa: F401
from tests.rewards.books import make_participant, make_program
from tular.messaging.models import OutboundEmail
from tular.workspaces.models import AuditEntry

LINK = re.compile(r"https?://[^\s\"<>]+/portal/link/[A-Za-z0-9_-]+")


@pytest.fixture
def program(console_workspace):
    return make_program(console_workspace, slug="ajak")


@pytest.fixture
def sinta(program):
    return make_participant(program, name="Sinta Dewi", email="sinta@contoh.id")


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Press "Undang ke portal"; the e-mail task runs when the request's transaction commits."""

    def press(client, participant):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/console/participants/{participant.pk}/invite/")

    return press


def test_the_invited_participant_shares_from_the_real_e_mail(
    smtp,  # noqa: F811
    manager_client,
    sinta,
    invite,
):
    # when the manager presses "Undang ke portal" on Sinta's page
    answer = invite(manager_client, sinta)
    # then the page says so
    assert answer.status_code == 302
    page = manager_client.get(answer["Location"]).content.decode()
    assert "Undangan sudah dikirim ke sinta@contoh.id" in page
    # and Sinta's inbox has the invitation, in Indonesian
    [mail] = smtp.received
    assert mail.rcpt_tos == ["sinta@contoh.id"]
    assert "Bagikan Hadiah Teman" in mail.subject
    text = mail.text
    link = f"http://testserver/r/{sinta.code}"
    assert link in text and sinta.code in text
    # what she earns, said to her (not the friend's side)
    assert "Anda mendapat" in text and "Teman Anda mendapat" not in text
    # the WhatsApp button's text carries her link, tagged with its channel
    whatsapp = re.search(r"https://wa\.me/\?\S+", text)[0]
    message = parse_qs(urlsplit(whatsapp).query)["text"][0]
    assert f"{link}?ch=whatsapp" in unquote(message)
    # and the portal link signs her in to this program
    sign_in = LINK.search(text)[0]
    browser = Client()
    path = urlsplit(sign_in).path
    assert browser.get(path).status_code == 200
    opened = browser.post(path)
    assert opened.status_code == 302
    assert opened["Location"] == "/portal/p/ajak/"
    assert browser.get("/portal/p/ajak/").status_code == 200
    # recorded in the audit log, by the manager
    entry = AuditEntry.objects.get(action="participant.portal_invite")
    assert "manager@toko.example" in entry.actor


def test_an_english_participant_gets_it_in_english(smtp, manager_client, program, invite):  # noqa: F811
    daniel = make_participant(program, name="Daniel", email="daniel@example.com")
    daniel.locale = "en"
    daniel.save()
    invite(manager_client, daniel)
    [mail] = smtp.received
    assert "Share Hadiah Teman with your friends" in mail.subject
    assert "Your referral link:" in mail.text


def test_three_invitations_a_day_at_most(smtp, manager_client, sinta, invite):  # noqa: F811
    for _ in range(3):
        invite(manager_client, sinta)
    answer = invite(manager_client, sinta)
    page = manager_client.get(answer["Location"]).content.decode()
    assert "sudah diundang 3 kali hari ini" in page
    assert OutboundEmail.objects.filter(kind="portal_invitation").count() == 3


def test_a_viewer_cannot_invite(viewer_client, sinta, invite):
    answer = invite(viewer_client, sinta)
    assert answer.status_code == 403
    assert not OutboundEmail.objects.exists()


def test_another_workspace_cannot_invite(outsider_client, sinta, invite):
    assert invite(outsider_client, sinta).status_code == 404
    assert not OutboundEmail.objects.exists()


def test_get_changes_nothing(manager_client, sinta, db):
    assert manager_client.get(f"/console/participants/{sinta.pk}/invite/").status_code == 405
    assert not OutboundEmail.objects.exists()
