"""Signing in to the portal by e-mailed link: Andi asks for a link, reads it in his real inbox,
opens it and lands in his program. Nobody learns from the form whether an address takes part;
a link works once, for 15 minutes, and only its hash is kept."""

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.messaging.conftest import smtp, smtp_down, tasks_run_at_once  # noqa: F401
from tests.portal.conftest import portal_client_for
from tests.rewards.books import make_participant, make_program
from tular.core.schedule import JOBS
from tular.core.worker import load_jobs
from tular.messaging.models import OutboundEmail
from tular.participants.models import MagicLink, Participant, SignInRequest
from tular.participants.signin import (
    LinkRefused,
    magic_link_redeem,
    magic_link_request,
    sign_in_records_prune,
)
from tular.portal.access import LANGUAGE_KEY, SESSION_KEY
from tular.workspaces.services import workspace_get_or_create

LINK = re.compile(r"(https?://[^\s\"<>]+/portal/link/([A-Za-z0-9_-]+))")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
BASE = "http://testserver"


def ask(client, email, *, ip="198.51.100.7", **extra):
    return client.post("/portal/sign-in", {"email": email, **extra}, REMOTE_ADDR=ip)


def link_in(text: str) -> tuple[str, str]:
    """(absolute url, token) of the one sign-in link in an e-mail's text."""
    [(url, token)] = set(LINK.findall(text))
    return url, token


def path_of(url: str) -> str:
    return urlsplit(url).path


def sign_in_emails():
    return list(OutboundEmail.objects.filter(kind="portal_sign_in").order_by("created_at", "pk"))


@pytest.fixture
def visitor(db):
    return Client(headers={"Accept-Language": "id"})


def test_andi_signs_in_from_the_real_e_mail_in_indonesian(
    smtp,  # noqa: F811
    referrer,
    portal_workspace,
    visitor,
    settings,
    django_capture_on_commit_callbacks,
):
    # given the workspace has a logo and a brand colour, and a public address
    settings.TULAR_PUBLIC_URL = "https://ref.example.com"
    portal_workspace.logo, portal_workspace.logo_type = b"\x89PNG...", "image/png"
    portal_workspace.brand_color = "#7a1f5c"
    portal_workspace.save()
    # when Andi asks for a link
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(visitor, "Andi@Example.com", w="toko")
    # then he is sent to the "check your inbox" page
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/sent?w=toko"
    page = visitor.get(response["Location"])
    assert "Periksa kotak masuk Anda" in page.text
    # and the e-mail arrives through the SMTP server, in Indonesian, with the brand
    [received] = smtp.received
    assert received.rcpt_tos == ["andi@example.com"]
    assert received.subject == "Tautan Anda untuk masuk ke portal Toko Maju"
    assert "berlaku selama 15 menit dan hanya sekali" in received.text
    assert "abaikan email ini" in received.text
    assert "#7a1f5c" in received.html
    assert 'src="https://ref.example.com/console/brand/toko/logo"' in received.html
    assert "Toko Maju" in received.html
    url, token = link_in(received.text)
    assert url.startswith("https://ref.example.com/portal/link/")
    assert f'href="{url}"' in received.html
    assert MagicLink.objects.get().token_hash == hashlib.sha256(token.encode()).hexdigest()
    # when he opens the link: a page with one button, nothing spent yet
    opened = visitor.get(path_of(url))
    assert opened.status_code == 200
    assert "Masuk ke portal" in opened.text
    assert opened["Referrer-Policy"] == "same-origin"
    assert MagicLink.objects.get().used_at is None
    assert SESSION_KEY not in visitor.session
    # and presses it
    signed = visitor.post(path_of(url))
    # then he is signed in to his workspace and sent on to his one program
    assert signed.status_code == 302
    assert signed["Location"] == "/portal/"
    assert visitor.session[SESSION_KEY] == {
        "workspace": portal_workspace.pk,
        "email": "andi@example.com",
    }
    assert visitor.get("/portal/")["Location"] == "/portal/p/hadiah/"
    assert MagicLink.objects.get().used_at is not None


def test_the_e_mail_in_english_for_a_participant_who_reads_english(
    referrer, visitor, django_capture_on_commit_callbacks
):
    Participant.objects.filter(pk=referrer.pk).update(locale="en")
    ask(visitor, "andi@example.com")
    [email] = sign_in_emails()
    assert email.language == "en"
    assert email.subject == "Your link to sign in to Toko Maju's portal"
    assert "The link works for 15 minutes and only once." in email.body_text
    assert "If you did not ask to sign in, you can ignore this e-mail" in email.body_text
    assert "Sign in to the portal" in email.body_html
    _url, token = link_in(email.body_text)
    # the page behind the link speaks the e-mail's language
    assert "Continue to the portal" in visitor.get(f"/portal/link/{token}").text


def test_a_language_the_visitor_chose_wins_over_the_participants(referrer, visitor):
    # given Andi reads Indonesian on record, but switches the sign-in page to English
    visitor.post("/portal/language", {"language": "en", "next": "/portal/sign-in"})
    assert "Sign in to your portal" in visitor.get("/portal/sign-in").text
    ask(visitor, "andi@example.com")
    [email] = sign_in_emails()
    assert email.language == "en"
    # and an anonymous switch changes no participant
    referrer.refresh_from_db()
    assert referrer.locale == "id"


def test_no_enumeration_known_unknown_and_throttled_get_the_same_answer(referrer, db):
    # given Andi's address is known and Budi's is not; Citra (known) already asked three times
    citra = make_participant(referrer.program, name="Citra", email="citra@example.com")
    for _ in range(3):
        magic_link_request(email=citra.email, ip="203.0.113.9", base_url=BASE)
    sent_before = len(sign_in_emails())
    answers = []
    for address in ("andi@example.com", "budi@example.com", "citra@example.com"):
        client = Client(headers={"Accept-Language": "id"})
        form = client.get("/portal/sign-in?w=toko")
        posted = ask(client, address, w="toko")
        page = client.get(posted["Location"])
        answers.append(
            (
                CSRF.sub(b"", form.content),
                posted.status_code,
                posted["Location"],
                posted.content,
                page.status_code,
                CSRF.sub(b"", page.content),
            )
        )
    # then the three answers are the same, byte for byte (the CSRF token aside)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1:3] == (302, "/portal/sign-in/sent?w=toko")
    # while only Andi got a link
    assert [e.to for e in sign_in_emails()[sent_before:]] == ["andi@example.com"]
    # and every request was recorded, the address hashed
    assert SignInRequest.objects.count() == 6
    assert not SignInRequest.objects.filter(email_hash__contains="@").exists()


def test_three_links_per_address_in_fifteen_minutes(referrer, visitor, frozen_clock):
    for minute in range(3):
        ask(visitor, "andi@example.com", ip=f"198.51.100.{minute + 1}")
        frozen_clock.advance(minutes=1)
    assert len(sign_in_emails()) == 3
    # the fourth, even from another IP, sends nothing
    ask(visitor, "andi@example.com", ip="192.0.2.44")
    assert len(sign_in_emails()) == 3
    assert MagicLink.objects.count() == 3
    # a refused request counts too: at 15:01 the first has left the window, the fourth has not
    frozen_clock.advance(minutes=12, seconds=1)
    ask(visitor, "andi@example.com", ip="192.0.2.44")
    assert len(sign_in_emails()) == 3
    # fifteen minutes after the fourth, a link goes out again
    frozen_clock.advance(minutes=3, seconds=1)
    ask(visitor, "andi@example.com", ip="192.0.2.44")
    assert len(sign_in_emails()) == 4


def test_twenty_requests_per_ip_in_fifteen_minutes(referrer, visitor, frozen_clock):
    # given one IP asked for twenty (unknown) addresses
    for n in range(20):
        ask(visitor, f"orang{n}@example.com", ip="203.0.113.5")
    # then Andi's request from that IP sends nothing
    assert ask(visitor, "andi@example.com", ip="203.0.113.5")["Location"].startswith(
        "/portal/sign-in/sent"
    )
    assert sign_in_emails() == []
    # but from another IP it does
    ask(visitor, "andi@example.com", ip="203.0.113.6")
    assert len(sign_in_emails()) == 1
    # and the first IP may ask again once the window has passed
    frozen_clock.advance(minutes=15, seconds=1)
    ask(visitor, "andi@example.com", ip="203.0.113.5")
    assert len(sign_in_emails()) == 2


def test_a_link_expires_after_fifteen_minutes(referrer, visitor, frozen_clock):
    magic_link_request(email="andi@example.com", ip=None, base_url=BASE)
    magic_link_request(email="andi@example.com", ip=None, base_url=BASE)
    first, second = (link_in(e.body_text)[1] for e in sign_in_emails())
    # at 14:59 the first still works
    frozen_clock.advance(minutes=14, seconds=59)
    assert visitor.post(f"/portal/link/{first}").status_code == 302
    # at 15:00 the second has expired: a clear page offering a new link, no session
    other = Client(headers={"Accept-Language": "id"})
    frozen_clock.advance(seconds=1)
    shown = other.get(f"/portal/link/{second}")
    assert shown.status_code == 410
    assert "Tautan ini sudah kedaluwarsa" in shown.text
    assert 'action="/portal/sign-in"' in shown.text
    pressed = other.post(f"/portal/link/{second}")
    assert pressed.status_code == 410
    assert SESSION_KEY not in other.session
    with pytest.raises(LinkRefused) as refused:
        magic_link_redeem(token=second)
    assert refused.value.reason == "expired"


def test_a_link_works_once(referrer, visitor):
    magic_link_request(email="andi@example.com", ip=None, base_url=BASE)
    _url, token = link_in(sign_in_emails()[0].body_text)
    assert visitor.post(f"/portal/link/{token}").status_code == 302
    # the second press, in another browser, is refused (in the e-mail's language)
    other = Client(headers={"Accept-Language": "en"})
    again = other.post(f"/portal/link/{token}")
    assert again.status_code == 410
    assert "Tautan ini sudah digunakan" in again.text
    assert SESSION_KEY not in other.session
    # and so is a GET of it
    assert other.get(f"/portal/link/{token}").status_code == 410
    with pytest.raises(LinkRefused) as refused:
        magic_link_redeem(token=token)
    assert refused.value.reason == "used"


def test_an_unknown_link_says_so(db, portal_workspace, visitor):
    shown = visitor.get("/portal/link/bukan-tautan-yang-benar")
    assert shown.status_code == 404
    assert "Tautan ini tidak berfungsi" in shown.text
    assert visitor.post("/portal/link/bukan-tautan-yang-benar").status_code == 404
    with pytest.raises(LinkRefused) as refused:
        magic_link_redeem(token="bukan-tautan-yang-benar")
    assert refused.value.reason == "unknown"


def test_only_the_tokens_hash_is_stored(referrer):
    magic_link_request(email="andi@example.com", ip="198.51.100.7", base_url=BASE)
    _url, token = link_in(sign_in_emails()[0].body_text)
    link = MagicLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in MagicLink.objects.values_list().get())
    assert token not in stored
    assert len(token) >= 43  # 32 random bytes
    assert link.expires_at - link.created_at == timedelta(minutes=15)


def test_no_link_for_a_program_that_is_archived(referrer, portal_program):
    portal_program.status = "archived"
    portal_program.save(update_fields=["status"])
    assert magic_link_request(email="andi@example.com", ip=None, base_url=BASE) == 0
    assert sign_in_emails() == []


def test_a_person_in_two_workspaces_gets_two_e_mails_each_with_its_brand(referrer, visitor):
    # given Andi also refers for another shop, in English, with its own colour
    other, _ = workspace_get_or_create(slug="kopi", name="Kopi Kita")
    other.brand_color = "#1b5e20"
    other.save()
    kopi = make_program(other, slug="kopi-teman", name="Ajak Teman Ngopi")
    theirs = make_participant(kopi, name="Andi", email="andi@example.com")
    Participant.objects.filter(pk=theirs.pk).update(locale="en")
    # when he asks once
    ask(visitor, "andi@example.com")
    # then one e-mail per workspace, each branded and in that participant's language
    emails = {e.workspace.slug: e for e in sign_in_emails()}
    assert set(emails) == {"toko", "kopi"}
    assert "Toko Maju" in emails["toko"].subject and emails["toko"].language == "id"
    assert "Kopi Kita" in emails["kopi"].subject and emails["kopi"].language == "en"
    assert "#1b5e20" in emails["kopi"].body_html
    assert "#1b5e20" not in emails["toko"].body_html
    # and each link opens its own workspace
    for slug, email in emails.items():
        client = Client()
        _url, token = link_in(email.body_text)
        assert client.post(f"/portal/link/{token}").status_code == 302
        workspace_pk = client.session[SESSION_KEY]["workspace"]
        assert workspace_pk == (other.pk if slug == "kopi" else referrer.workspace_id)


def test_next_leads_to_a_portal_page_only(referrer, visitor):
    # a portal page is honoured…
    form = visitor.get("/portal/sign-in?next=/portal/p/hadiah/activity")
    assert 'value="/portal/p/hadiah/activity"' in form.text
    ask(visitor, "andi@example.com", next="/portal/p/hadiah/activity")
    _url, token = link_in(sign_in_emails()[-1].body_text)
    assert visitor.post(f"/portal/link/{token}")["Location"] == "/portal/p/hadiah/activity"
    # …anything else is not
    for bad in ("https://evil.example/portal/", "//evil.example/portal/", "/console/", "/\\evil"):
        client = Client()
        magic_link_request(email="andi@example.com", ip=None, base_url=BASE, next_path=bad)
        _url, token = link_in(sign_in_emails()[-1].body_text)
        assert client.post(f"/portal/link/{token}")["Location"] == "/portal/", bad
        MagicLink.objects.all().delete()
        SignInRequest.objects.all().delete()


def test_a_bad_address_is_shown_beside_the_field_and_kept(db, portal_workspace, visitor):
    response = ask(visitor, "andi@@example")
    assert response.status_code == 200
    assert 'value="andi@@example"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'id="email-error"' in response.text
    assert "Masukkan alamat email yang valid" in response.text
    assert SignInRequest.objects.count() == 0


def test_the_language_switch_follows_the_signed_in_person_into_their_records(referrer):
    # given Andi takes part in two programs
    second = make_program(referrer.workspace, slug="mitra", name="Mitra Toko")
    make_participant(second, name="Andi", email="andi@example.com")
    client = portal_client_for(referrer)
    # when he switches to English
    response = client.post("/portal/language", {"language": "en", "next": "/portal/"})
    # then he is back where he was, the session and both participants read English
    assert response["Location"] == "/portal/"
    assert client.session[LANGUAGE_KEY] == "en"
    assert set(
        Participant.objects.filter(email_normalised="andi@example.com").values_list(
            "locale", flat=True
        )
    ) == {"en"}
    # so his next e-mail is in English too
    magic_link_request(email="andi@example.com", ip=None, base_url=BASE)
    assert sign_in_emails()[-1].language == "en"


def test_the_language_switch_refuses_to_send_anyone_elsewhere(referrer, visitor):
    client = portal_client_for(referrer)
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post("/portal/language", {"language": "en", "next": bad})
        assert response["Location"] == "/portal/", bad
    # a language we do not offer changes nothing
    client.post("/portal/language", {"language": "fr", "next": "/portal/"})
    referrer.refresh_from_db()
    assert referrer.locale == "en"


def test_sign_out(portal_client):
    assert portal_client.get("/portal/sign-out").status_code == 405
    response = portal_client.post("/portal/sign-out")
    assert response["Location"] == "/portal/sign-in?w=toko"
    assert SESSION_KEY not in portal_client.session
    assert portal_client.get("/portal/")["Location"].startswith("/portal/sign-in")


def test_someone_signed_in_goes_past_the_sign_in_page(portal_client):
    assert portal_client.get("/portal/sign-in")["Location"] == "/portal/"
    response = portal_client.get("/portal/sign-in?next=/portal/p/hadiah/rules")
    assert response["Location"] == "/portal/p/hadiah/rules"
    assert portal_client.get("/portal/sign-in?next=https://evil.example/")["Location"] == "/portal/"


def test_the_sign_in_page_shows_the_chosen_workspaces_brand(referrer, db):
    workspace_get_or_create(slug="kopi", name="Kopi Kita")
    client = Client()
    assert "Kopi Kita" in client.get("/portal/sign-in?w=kopi").text
    assert "Toko Maju" in client.get("/portal/sign-in").text  # the first workspace
    assert "Toko Maju" in client.get("/portal/sign-in?w=tidak-ada").text


def test_old_requests_and_links_are_pruned_by_the_worker(referrer, frozen_clock):
    magic_link_request(email="andi@example.com", ip="198.51.100.7", base_url=BASE)
    frozen_clock.advance(hours=23)
    magic_link_request(email="andi@example.com", ip="198.51.100.7", base_url=BASE)
    frozen_clock.advance(hours=1, seconds=1)
    # the job is found by the worker
    load_jobs()
    job = JOBS["tular.participants.jobs.prune_sign_in_records"]
    job.function()
    assert SignInRequest.objects.count() == 1
    assert MagicLink.objects.count() == 1
    assert sign_in_records_prune() == (0, 0)  # twice is harmless


@pytest.mark.django_db(transaction=True)
def test_in_a_real_browser_at_phone_size(smtp, referrer, live_server, page):  # noqa: F811
    """The whole way in Chromium at 360 px: the form, the real e-mail, the button (its POST
    passes the CSRF check: the link page's Referrer-Policy keeps the Origin header)."""
    partners = make_program(referrer.workspace, slug="mitra", name="Mitra Toko")
    make_participant(partners, name="Andi", email="andi@example.com")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/portal/sign-in")
    page.get_by_label("Your e-mail address").fill("andi@example.com")
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.wait_for_url("**/portal/sign-in/sent*")
    [received] = smtp.received
    url, _token = link_in(received.text)
    assert url.startswith(live_server.url)
    page.goto(url)
    page.get_by_role("button", name="Masuk ke portal").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.get_by_role("heading", name="Program Anda").is_visible()
    assert page.get_by_role("link", name="Mitra Toko").is_visible()
    wide = page.evaluate("document.documentElement.scrollWidth > innerWidth")
    assert not wide
    assert page.problems == []
