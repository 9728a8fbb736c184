"""Story: a signed-in customer opens "Invite friends" in the shop's app; the panel, framed by the
shop's page, shows their link, code and share buttons for ten minutes (R11). Also: the snippet
itself is served at /static/tular.js."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.rewards.books import make_participant, make_program
from tular.participants.widget import widget_token
from tular.programs.models import ProgramStatus
from tular.tracking.models import Click


def panel_url(token: str) -> str:
    return "/portal/widget?" + urlencode({"token": token})


@pytest.fixture
def browser():
    """The iframe's request: no session, whatever language the shop's visitor speaks."""
    return Client(headers={"Accept-Language": "en"})


def test_the_panel_shows_the_persons_link_code_and_share_buttons(browser, referrer):
    token, _ = widget_token(participant=referrer)
    # when
    response = browser.get(panel_url(token))
    # then in Andi's language (Indonesian on record), with the workspace's brand
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "Toko Maju" in page
    assert "Ajak teman" in page
    # the link tagged "in_app", with a copy button, and the code
    link = f"/r/{referrer.code}?ch=in_app"
    field = rf'<input id="widget-link"[^>]*value="http://testserver{re.escape(link)}"'
    assert re.search(field, page)
    assert f'data-copy="http://testserver{link}"' in page
    assert f"<strong>{referrer.code}</strong>" in page
    # what Andi earns, in words
    assert "Anda mendapat 12,5% dari nilai pembelian saat teman membayar" in page
    # share buttons, WhatsApp first, each tagged with its channel; they open outside the frame
    assert page.index("https://wa.me/?text=") < page.index("https://t.me/share/url")
    assert "ch%3Dwhatsapp" in page
    assert re.search(r'<a [^>]*href="https://wa.me/[^"]*"[^>]*target="_blank" rel="noopener"', page)


def test_the_panel_speaks_the_persons_language(browser, portal_program):
    anna = make_participant(portal_program, name="Anna", email="anna@example.com")
    anna.locale = "en"
    anna.save(update_fields=["locale"])
    token, _ = widget_token(participant=anna)
    page = browser.get(panel_url(token)).content.decode()
    assert '<html lang="en">' in page
    assert "Invite friends" in page
    assert "You get 12.5% of the purchase when a friend pays" in page


def test_a_paused_program_says_so_instead_of_what_is_earned(browser, referrer):
    referrer.program.status = ProgramStatus.paused
    referrer.program.save(update_fields=["status"])
    token, _ = widget_token(participant=referrer)
    page = browser.get(panel_url(token)).content.decode()
    assert "dijeda" in page  # "Program ini sedang dijeda…"
    assert "Anda mendapat" not in page


def test_a_program_without_referrer_rewards_shows_no_earnings_line(browser, portal_workspace):
    program = make_program(
        portal_workspace,
        slug="teman",
        rules=[{"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000}],
    )
    token, _ = widget_token(participant=make_participant(program, name="Citra"))
    page = browser.get(panel_url(token)).content.decode()
    assert "widget-earnings" not in page


def test_the_panel_may_be_framed_and_is_not_cached_nor_opens_a_session(browser, referrer):
    token, _ = widget_token(participant=referrer)
    response = browser.get(panel_url(token))
    assert "X-Frame-Options" not in response.headers
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie: the token is the only key
    assert "sessionid" not in browser.cookies
    # the token never leaves in a Referer header to the share targets
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}


@pytest.mark.parametrize(
    "path",
    ["/portal/", "/portal/sign-in", "/portal/p/hadiah/", "/join/hadiah", "/console/login/"],
)
def test_every_other_page_still_refuses_to_be_framed(portal_client, path):
    portal_client.raise_request_exception = False  # an error page must not be framed either
    response = portal_client.get(path)
    assert response["X-Frame-Options"] in {"DENY", "SAMEORIGIN"}, (path, response.status_code)


def test_an_expired_token_shows_a_small_page_asking_to_reopen_the_panel(
    browser, referrer, frozen_clock
):
    token, _ = widget_token(participant=referrer)
    frozen_clock.advance(minutes=10, seconds=1)
    response = browser.get(panel_url(token))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This panel has expired" in page
    assert "open “Invite friends” again" in page
    assert referrer.code not in page
    assert "X-Frame-Options" not in response.headers  # it shows inside the frame


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 2000])
def test_a_missing_or_bad_token_is_refused(browser, referrer, token):
    response = browser.get(panel_url(token) if token else "/portal/widget")
    assert response.status_code == 403
    page = response.content.decode()
    assert "This panel cannot be opened" in page
    assert referrer.code not in page


def test_a_tampered_token_is_refused(browser, referrer, portal_program):
    token, _ = widget_token(participant=referrer)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = browser.get(panel_url(tampered))
    assert response.status_code == 403
    assert referrer.code not in response.content.decode()


def test_the_refusal_speaks_the_browsers_language():
    response = Client(headers={"Accept-Language": "id"}).get("/portal/widget?token=x")
    assert "Panel ini tidak dapat dibuka" in response.content.decode()


def test_the_panel_answers_only_get_and_head(browser, referrer):
    token, _ = widget_token(participant=referrer)
    assert browser.post(panel_url(token)).status_code == 405


def test_a_click_on_the_copied_link_counts_as_shared_in_the_app(browser, referrer):
    response = browser.get(f"/r/{referrer.code}?ch=in_app")
    assert response.status_code == 302
    assert Click.objects.get(participant=referrer).channel == "in_app"


def test_the_snippet_is_served_at_static_tular_js(browser):
    response = browser.get("/static/tular.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(("text/javascript", "application/javascript"))
    body = b"".join(response.streaming_content).decode()
    assert "window.Tular" in body or "w.Tular = {" in body
    assert len(body.encode()) < 8 * 1024
    # it contacts nobody: no fetch, XHR, beacon or image pings
    for call in ("fetch(", "XMLHttpRequest", "sendBeacon", "new Image"):
        assert call not in body
