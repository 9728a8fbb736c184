"""One-click unsubscribe (RFC 8058) over a real SMTP server: the referrer's mail carries
List-Unsubscribe and List-Unsubscribe-Post, sign-in links do not; a POST to the link
unsubscribes without a sign-in, a GET changes nothing; afterwards asks are recorded as
suppressed and not sent, pipeline news still goes unless the program says otherwise, and
transactional mail always goes."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from tular.messaging.models import OutboundEmail, Suppression
from tular.messaging.services import email_send
from tular.messaging.unsubscribe import unsubscribe_url
from tular.participants.models import Participant
from tular.participants.signin import magic_link_request
from tular.programs.models import Program
from tular.referrals.notify import ask_send
from tular.workspaces.audit import Actor

LEAD = {"name": "Citra", "email": "citra@ptmaju.co.id", "company": "PT Maju"}
SARI = Actor(label="sari@toko.example")


@pytest.fixture
def andi(participant):
    return Participant.objects.select_related("program", "workspace").get(pk=participant["id"])


def submit(api, name="Citra", email="citra@ptmaju.co.id"):
    body = {
        "program": "pelanggan",
        "referrer_external_id": "cust_42",
        "lead": {**LEAD, "name": name, "email": email},
    }
    response = api.post("/api/v1/referrals", body)
    assert response.status_code == 201, response.content
    return response.json()


def path_of(url: str) -> str:
    return urlsplit(url).path


def one_click(url: str):
    """What a mail client does (RFC 8058 §3.2): a POST of exactly this body, no cookies."""
    return Client().post(
        path_of(url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


def test_referrer_mail_carries_the_one_click_headers_and_sign_in_links_do_not(
    api, andi, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(api)
    with django_capture_on_commit_callbacks(execute=True):
        magic_link_request(email="andi@example.com", ip="127.0.0.1", base_url="http://testserver")

    thanks, sign_in = smtp.received
    assert thanks.rcpt_tos == ["andi@example.com"]
    assert thanks.subject == "Terima kasih, referral Anda untuk Citra sudah kami terima"
    assert thanks.message["Content-Language"] == "id"
    header = thanks.message["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    assert "/portal/unsubscribe/" in header
    assert thanks.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Kami akan meninjau referral ini dalam 24 jam" in thanks.text
    assert "Berhenti berlangganan e-mail ini" in thanks.html

    assert sign_in.message["List-Unsubscribe"] is None
    assert sign_in.message["List-Unsubscribe-Post"] is None


def test_a_get_shows_a_button_and_changes_nothing(andi):
    url = unsubscribe_url(workspace=andi.workspace, email=andi.email, language="id")
    response = Client().get(path_of(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="id"' in page
    assert "Berhenti berlangganan" in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert not Suppression.objects.exists()


def test_the_one_click_post_unsubscribes_without_a_sign_in_and_twice_is_once(andi):
    url = unsubscribe_url(workspace=andi.workspace, email="Andi@Example.com", language="en")
    response = one_click(url)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert one_click(url).status_code == 200
    [row] = Suppression.objects.all()
    assert (row.workspace_id, row.email, row.source) == (
        andi.workspace_id,
        "andi@example.com",
        "one-click",
    )


def test_the_page_offers_to_subscribe_again(andi):
    url = unsubscribe_url(workspace=andi.workspace, email=andi.email, language="id")
    client = Client()
    unsubscribed = client.post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert "Berlangganan lagi" in unsubscribed.content.decode()
    again = client.post(path_of(url), {"action": "resubscribe"})
    assert again.status_code == 200
    assert "Anda berlangganan lagi" in again.content.decode()
    assert not Suppression.objects.exists()


def test_a_forged_or_broken_token_unsubscribes_nobody(andi):
    url = unsubscribe_url(workspace=andi.workspace, email=andi.email, language="id")
    assert one_click(url[:-3] + "abc").status_code == 404
    assert Client().get("/portal/unsubscribe/nonsense").status_code == 404
    assert not Suppression.objects.exists()


def test_after_unsubscribing_an_ask_is_suppressed_but_pipeline_news_still_goes(
    api, andi, smtp, frozen_clock, django_capture_on_commit_callbacks
):
    one_click(unsubscribe_url(workspace=andi.workspace, email=andi.email, language="id"))

    with django_capture_on_commit_callbacks(execute=True):
        ask = ask_send(participant=andi, key="ask.current_customer", actor=SARI)
    assert ask.status == "suppressed"
    assert (ask.category, ask.template_key) == ("marketing", "ask.current_customer")
    assert smtp.received == []

    with django_capture_on_commit_callbacks(execute=True):
        submit(api)
    [thanks] = smtp.received
    assert thanks.subject.startswith("Terima kasih")
    assert OutboundEmail.objects.get(kind="pipeline.submitted").status == "sent"


def test_a_program_that_honours_unsubscribes_keeps_its_pipeline_news_too(
    api, andi, smtp, django_capture_on_commit_callbacks
):
    Program.objects.filter(pk=andi.program_id).update(pipeline_mail_despite_unsubscribe=False)
    one_click(unsubscribe_url(workspace=andi.workspace, email=andi.email, language="id"))
    with django_capture_on_commit_callbacks(execute=True):
        lead = submit(api)
    assert smtp.received == []
    email = OutboundEmail.objects.get(referral_id=lead["id"])
    assert (email.status, email.kind) == ("suppressed", "pipeline.submitted")
    assert email.last_error == "the address unsubscribed"


def test_transactional_mail_is_never_suppressed(
    workspace, smtp, django_capture_on_commit_callbacks
):
    one_click(unsubscribe_url(workspace=workspace, email="budi@example.com", language="id"))
    with django_capture_on_commit_callbacks(execute=True):
        email_send(
            to="budi@example.com",
            kind="invitation",
            template="invitation",
            language="id",
            workspace=workspace,
            context={
                "workspace_name": "Toko Andalan",
                "inviter": "Sari",
                "role_label": "manajer",
                "accept_url": "https://ref.example.com/console/invitations/abc",
                "valid_days": 7,
            },
        )
    [invitation] = smtp.received
    assert invitation.message["List-Unsubscribe"] is None


def test_an_ask_reaches_a_subscribed_referrer_once_a_day(
    andi, smtp, frozen_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask_send(participant=andi, key="ask.promo_code", actor=SARI, sender_name="Sari")
    [received] = smtp.received
    assert received.subject == f"Kode untuk teman dan kolega Anda: {andi.code}"
    assert f"mereka cukup memasukkan kode ini: {andi.code}" in received.text
    assert "Terima kasih,\r\nSari\r\n\r\n-- \r\n" in received.text
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    from tular.core.errors import Conflict, Invalid

    with pytest.raises(Conflict):
        ask_send(participant=andi, key="ask.current_customer", actor=SARI)
    frozen_clock.advance(days=1, minutes=1)
    with pytest.raises(Invalid, match="placeholder"):  # the manager fills [the clients] first
        ask_send(participant=andi, key="script.specific_ask", actor=SARI)
    with pytest.raises(Invalid):
        ask_send(participant=andi, key="pipeline.won", actor=SARI)
