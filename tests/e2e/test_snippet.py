"""Story: a shop puts Tular's snippet on its own site (docs/snippet.md). A friend follows Andi's
link, lands on the shop's sign-up page through Tular's redirect, and signs up; the shop's
backend passes what the snippet kept to track/signup and the referral is Andi's. Later Andi,
signed in to the shop's app, opens "Invite friends" and sees his link in Tular's panel.

Real processes: `tular up` (its public URL, the links' and the snippet's origin, is
http://localhost:<port>), the shop's site on another host (http://127.0.0.1:<port>, a plain
http.server: cookies are per host, so the two never share one), Debian's Chromium at phone
size.
"""

import threading
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import run_tular
from tests.e2e.console import new_tab
from tests.helpers import PROGRAM_BODY
from tests.processes import wait_for

PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

SIGNUP_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Daftar · Toko Contoh</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<script src="{tular}/static/tular.js" data-days="14" defer></script>
</head><body>
<h1>Daftar di Toko Contoh</h1>
<form id="signup" action="/welcome.html" method="get">
  <label>Email <input name="email" type="email" value="sari@contoh.id"></label>
  <input type="hidden" name="tular_via">
  <input type="hidden" name="tular_click">
  <button>Daftar</button>
</form>
<button type="button" id="invite" data-tular-invite>Ajak teman</button>
<script>
  // a form the shop's app adds later (a single-page app)
  setTimeout(function () {{
    var later = document.createElement("form");
    later.id = "later";
    later.innerHTML = '<input type="hidden" data-tular="via" id="later-via">' +
      '<input type="hidden" data-tular="click" id="later-click">';
    document.body.appendChild(later);
  }}, 200);
</script>
</body></html>
"""
OTHER_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Harga</title>
<link rel="icon" href="data:,"><script src="{tular}/static/tular.js"></script></head>
<body><a href="/signup.html">Daftar</a></body></html>"""


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tular(running_up) -> str:
    """Tular as the public sees it (`up` says localhost, its TULAR_PUBLIC_URL)."""
    return running_up.url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def shop(tular, tmp_path_factory):
    """The shop's own site on http://127.0.0.1:<port>, another host than Tular's."""
    root = tmp_path_factory.mktemp("shop")
    (root / "signup.html").write_text(SIGNUP_PAGE.format(tular=tular))
    (root / "pricing.html").write_text(OTHER_PAGE.format(tular=tular))
    (root / "welcome.html").write_text(
        '<!doctype html><html lang="id"><head><link rel="icon" href="data:,"><title>Ok</title>'
        "</head><body>Terima kasih</body></html>"
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api(running_up, shop):
    created = run_tular(running_up.env, "apikey", "create", "--name", "toko")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    with httpx.Client(base_url=running_up.url, headers={"Authorization": f"Bearer {key}"}) as api:
        program = {
            **PROGRAM_BODY,
            "destination_url": f"{shop}/signup.html",
            "allowed_hosts": ["127.0.0.1"],
        }
        assert api.post("/api/v1/programs", json=program).status_code == 201
        yield api


@pytest.fixture(scope="module")
def andi(api):
    enrolled = api.post(
        "/api/v1/participants",
        json={
            "program": PROGRAM_BODY["slug"],
            "external_id": "andi",
            "email": "andi@example.com",
            "name": "Andi",
            "locale": "id",
        },
    )
    assert enrolled.status_code == 201, enrolled.text
    return enrolled.json()


def shop_cookie(tab, shop: str) -> dict | None:
    return next((c for c in tab.context.cookies(shop) if c["name"] == "tular_ref"), None)


def shop_cookie_comes(tab, shop: str, condition) -> bool:
    """Whether `condition(cookie)` holds within 5 s: a `document.cookie` write reaches the
    browser's cookie store (what context.cookies() reads) a moment after the script ran."""
    return wait_for(lambda: condition(shop_cookie(tab, shop)), 5, step=0.05)


def test_a_friend_through_andis_link_signs_up_on_the_shops_site_as_andis_referral(
    browser, tular, shop, api, andi
):
    tab = new_tab(browser, viewport=PHONE)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    # when the friend follows Andi's link
    tab.goto(andi["referral_url"])
    # then Tular's redirect brings them to the shop's sign-up page, via and click id in the URL
    assert tab.url.startswith(f"{shop}/signup.html?")
    query = parse_qs(urlsplit(tab.url).query)
    via, click = query["via"][0], query["tular_click"][0]
    assert via == andi["code"]
    uuid.UUID(click)
    # the snippet kept them in a first-party cookie of the shop's site, for 14 days (data-days)
    cookie = shop_cookie(tab, shop)
    assert cookie is not None
    assert cookie["value"] == f"via={via}&click={click}"
    assert cookie["path"] == "/" and cookie["sameSite"] == "Lax" and cookie["domain"] == "127.0.0.1"
    days = (cookie["expires"] - tab.evaluate("Date.now() / 1000")) / 86400
    assert 13.9 < days <= 14
    # ... which Tular's own origin does not see (and the shop's does not see Tular's cookie)
    assert not any(c["name"] == "tular_ref" for c in tab.context.cookies(tular))
    assert not any(c["name"] == "tular_click" for c in tab.context.cookies(shop))
    # the sign-up form's hidden inputs are filled, and so is a form the page added later
    expect(tab.locator("#signup [name=tular_via]")).to_have_value(via)
    expect(tab.locator("#signup [name=tular_click]")).to_have_value(click)
    expect(tab.locator("#later-via")).to_have_value(via)
    expect(tab.locator("#later-click")).to_have_value(click)
    assert tab.evaluate("Tular.ref()") == {"via": via, "click": click}

    # the friend looks around the shop (no parameters now) and comes back to sign up
    tab.goto(f"{shop}/pricing.html")
    assert tab.evaluate("Tular.ref()") == {"via": via, "click": click}
    tab.get_by_role("link", name="Daftar").click()
    expect(tab.locator("#signup [name=tular_via]")).to_have_value(via)
    # an input emptied by the page's own code is filled again when the form is sent
    tab.evaluate("document.querySelector('#signup [name=tular_click]').value = ''")
    tab.get_by_role("button", name="Daftar", exact=True).click()
    tab.wait_for_url(f"{shop}/welcome.html?*")
    sent = parse_qs(urlsplit(tab.url).query)
    assert sent["tular_via"] == [via] and sent["tular_click"] == [click]

    # the snippet itself asked nothing of anyone: only pages, the snippet and Tular's redirect
    for url in requests:
        assert url.startswith((shop, f"{tular}/r/", f"{tular}/static/tular.js"))
    assert not tab.problems, tab.problems

    # the shop's backend passes what the form sent to track/signup: Andi's referral
    signed_up = api.post(
        "/api/v1/track/signup",
        json={
            "event_id": f"signup-{uuid.uuid4()}",
            "click_id": sent["tular_click"][0],
            "code": sent["tular_via"][0],
            "customer": {"external_id": "cust_sari", "email": "sari@contoh.id", "name": "Sari"},
        },
    )
    assert signed_up.status_code == 201, signed_up.text
    body = signed_up.json()
    assert body["attributed"] is True
    assert body["participant_id"] == andi["id"]
    stats = api.get(f"/api/v1/participants/{andi['id']}").json()["stats"]
    assert stats["signups"] == 1 and stats["clicks"] == 1
    tab.context.close()


def test_a_later_visit_through_another_link_replaces_the_kept_referral(browser, shop, api, andi):
    budi = api.post(
        "/api/v1/participants",
        json={"program": PROGRAM_BODY["slug"], "external_id": "budi", "email": "budi@example.com"},
    ).json()
    tab = new_tab(browser, viewport=PHONE)
    tab.goto(andi["referral_url"])

    def via(code):
        return lambda cookie: cookie is not None and cookie["value"].startswith(f"via={code}&")

    assert shop_cookie_comes(tab, shop, via(andi["code"])), shop_cookie(tab, shop)
    tab.goto(budi["referral_url"])
    assert shop_cookie_comes(tab, shop, via(budi["code"])), shop_cookie(tab, shop)
    expect(tab.locator("#signup [name=tular_via]")).to_have_value(budi["code"])
    # Tular.clear() forgets it (after the shop recorded the sign-up)
    tab.evaluate("Tular.clear()")
    assert shop_cookie_comes(tab, shop, lambda cookie: cookie is None), shop_cookie(tab, shop)
    assert tab.evaluate("Tular.ref()") is None
    tab.context.close()


def test_andi_opens_invite_friends_in_the_shops_app_and_sees_his_link(
    browser, tular, shop, api, andi
):
    tab = new_tab(browser, viewport=PHONE)
    tab.goto(f"{shop}/signup.html")
    # the shop's backend asks for a token; its page puts it on the button
    issued = api.post(f"/api/v1/participants/{andi['id']}/widget-token")
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    tab.evaluate(
        "token => document.getElementById('invite').setAttribute('data-tular-token', token)", token
    )
    invite = tab.get_by_role("button", name="Ajak teman")
    invite.click()
    # an accessible modal dialog, focus on its close button
    dialog = tab.get_by_role("dialog", name="Ajak teman")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    close = dialog.get_by_role("button", name="Tutup")
    expect(close).to_be_focused()
    # inside it, Tular's panel with Andi's link (tagged in_app) and his code
    panel = tab.frame_locator("iframe[title='Ajak teman']")
    link = f"{tular}/r/{andi['code']}?ch=in_app"
    expect(panel.locator("#widget-link")).to_have_value(link)
    expect(panel.get_by_text(andi["code"], exact=True)).to_be_visible()
    expect(panel.locator("a[href^='https://wa.me/']")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "snippet-invite-panel-phone.png"))
    # the panel fits the phone: no sideways scrolling inside it
    frame = tab.frame(url=lambda url: "/portal/widget" in url)
    assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # keyboard: Tab moves between the close button and the panel, never behind the dialog
    inside = "document.querySelector('[role=dialog]').contains(document.activeElement)"
    # (focus crossing between the shop's page and the panel's frame, two processes, arrives a
    # moment after the key: wait for it to settle inside, fail if it never does)
    for _ in range(12):
        tab.keyboard.press("Tab")
        tab.wait_for_function(inside)
    for _ in range(3):
        tab.keyboard.press("Shift+Tab")
        tab.wait_for_function(inside)
    # Esc pressed inside the panel closes it; focus returns to the button
    panel.locator("#widget-link").focus()
    # (key down only while the focus is in the panel: its keydown closes the dialog and removes
    # the iframe, and a keyup sent to a removed frame would wait forever; the key goes up on
    # the page once the dialog is gone)
    tab.keyboard.down("Escape")
    expect(dialog).to_be_hidden()
    tab.keyboard.up("Escape")
    expect(invite).to_be_focused()
    # opened again from script, closed with its button
    tab.evaluate("token => Tular.openPanel({token: token})", token)
    expect(panel.locator("#widget-link")).to_have_value(link)
    tab.get_by_role("button", name="Tutup").click()
    expect(tab.get_by_role("dialog")).to_have_count(0)
    # and Esc on the page itself
    tab.evaluate("token => Tular.openPanel({token: Promise.resolve(token)})", token)
    expect(tab.get_by_role("dialog")).to_be_visible()
    tab.keyboard.press("Escape")
    expect(tab.get_by_role("dialog")).to_have_count(0)
    assert not tab.problems, tab.problems
    tab.context.close()


def test_a_bad_token_shows_the_panel_asking_to_reopen_it(browser, shop):
    tab = new_tab(browser, viewport=PHONE)
    tab.goto(f"{shop}/signup.html")
    tab.evaluate("Tular.openPanel({token: 'not-a-token'})")
    panel = tab.frame_locator("iframe")
    expect(panel.get_by_role("heading", name="Panel ini tidak dapat dibuka")).to_be_visible()
    # the panel's own 403 (and the browser's note of it), nothing else
    assert tab.problems and all("/portal/widget?token=not-a-token" in p for p in tab.problems)
    tab.context.close()


def serious_violations(tab) -> list[str]:
    """axe-core's serious and critical violations on the page as drawn."""
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
        for v in Axe().run(tab).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_panel_and_its_dialog_pass_axe(browser, shop, api, andi, language):
    issued = api.post(f"/api/v1/participants/{andi['id']}/widget-token").json()
    tab = new_tab(browser, language=language, viewport=PHONE)
    # the panel itself, as the iframe shows it
    tab.goto(issued["widget_url"])
    expect(tab.locator("#widget-link")).to_be_visible()
    assert not serious_violations(tab), serious_violations(tab)
    # the dialog around it, on the shop's page
    tab.goto(f"{shop}/signup.html")
    tab.evaluate("token => Tular.openPanel({token: token})", issued["token"])
    expect(tab.get_by_role("dialog")).to_be_visible()
    assert not serious_violations(tab), serious_violations(tab)
    assert not tab.problems, tab.problems
    tab.context.close()
