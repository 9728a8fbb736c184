"""Story (issue 9's "done means"): a customer invited by e-mail reaches a shared WhatsApp message
in under a minute on a phone, in Indonesian; the friend who follows that link signs up on the
program's landing page; the sign-up shows in the referrer's portal and in the console. Then the
same in English. In a real Chromium at 360 px against a real `tular up --demo` whose e-mail
goes through a real SMTP server; screenshots of every portal page at phone and desktop width go
to test-artifacts/screenshots/ (portal-*.png).
"""

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.console import DESKTOP, new_tab, sign_in
from tests.e2e.portal import (
    PORTAL_LINK,
    demo_with_mail,
    manager_invites,
    origin,
    phone_tab,
    wait_for_mail,
)
from tests.e2e.test_console_walk import too_wide

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PROGRAM = "ajak-teman"
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def demo(module_env, tmp_path_factory):
    yield from demo_with_mail(module_env, tmp_path_factory)


def open_portal_from_the_invitation(tab, invitation) -> None:
    """Press the invitation's "Buka portal saya", then the page's one button."""
    link = PORTAL_LINK.search(invitation.text)[0]
    tab.goto(link)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(re.compile(rf"/portal/p/{PROGRAM}/$"))


def share_on_whatsapp(tab, expected_link: str) -> str:
    """Press the WhatsApp button; wa.me (outside our reach) answers with a stub page. The text
    WhatsApp would receive, as sent."""
    tab.context.route(
        "https://wa.me/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>WhatsApp</p>"),
    )
    with tab.expect_popup() as popup_info:
        tab.locator("a.share-btn-whatsapp").click()
    popup = popup_info.value
    text = parse_qs(urlsplit(popup.url).query)["text"][0]
    popup.close()
    assert f"{expected_link}?ch=whatsapp" in text, text
    return text


def friend_opens(browser, shared_text: str, *, language: str):
    """The friend opens the link in the shared message on their phone."""
    link = re.search(r"https?://\S+/r/\S+ch=whatsapp", shared_text)[0]
    tab = phone_tab(browser, language=language)
    tab.goto(link)
    # the link ends on the program's landing page, which says who invited them
    tab.wait_for_url(re.compile(rf"/join/{PROGRAM}\?"))
    return tab


def test_an_invited_referrer_shares_on_whatsapp_in_under_a_minute_and_a_friend_joins(
    browser, demo, tmp_path
):
    running, smtp = demo
    # given the manager invites Rina, a customer, to the portal from the console
    email = manager_invites(browser, running.url, search="Rina")
    invitation = wait_for_mail(smtp, to=email, subject_part="Bagikan")
    # when Rina opens the e-mail on her phone (the clock starts) and presses its portal button
    started = time.monotonic()
    tab = phone_tab(browser, language="id")
    open_portal_from_the_invitation(tab, invitation)
    expect(tab.get_by_role("heading", level=1)).to_contain_text("tiga langkah")
    # step 1: she copies her link
    link = tab.locator("#share-link").input_value()
    # (on the public address `up` gives links: http://localhost:PORT)
    assert re.fullmatch(r"http://(localhost|127\.0\.0\.1):\d+/r/[A-Z0-9]+", link), link
    tab.locator("button[data-copy]").first.click()
    assert tab.evaluate("navigator.clipboard.readText()") == link
    # step 2: she shares it on WhatsApp with the prefilled Indonesian message
    shared = share_on_whatsapp(tab, link)
    TIMINGS["id: e-mail opened → WhatsApp message"] = time.monotonic() - started
    assert TIMINGS["id: e-mail opened → WhatsApp message"] < 60
    assert "Toko Andalan" in shared and "Daftar" in shared
    # and downloads her QR code, which reads back as her link tagged "qr"
    with tab.expect_download() as download_info:
        tab.locator("a[href$='qr.png']").click()
    saved = tmp_path / "qr.png"
    download_info.value.save_as(saved)
    [decoded] = zxingcpp.read_barcodes(Image.open(saved))
    assert decoded.text == f"{link}?ch=qr"
    assert too_wide(tab) == []
    # when her friend Sari opens the shared link on her phone and signs up on the landing page
    friend = friend_opens(browser, shared, language="id")
    expect(friend.get_by_text("Rina mengundang Anda")).to_be_visible()
    assert too_wide(friend) == []
    # the form and its button are above the fold on a 360 x 740 phone
    button = friend.locator("button.landing-button")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= 740
    friend.get_by_label("Nama", exact=True).fill("Sari Lestari")
    friend.get_by_label("Email", exact=True).fill("sari.lestari@contoh.id")
    friend.locator("input[type=checkbox][name=consent]").check()
    button.click()
    friend.wait_for_url(re.compile(rf"/join/{PROGRAM}/thanks"))
    expect(friend.get_by_role("heading", level=1)).to_be_visible()
    assert friend.problems == []
    friend.context.close()
    # then Rina sees Sari's sign-up in her portal, counted under WhatsApp
    tab.goto(f"{origin(tab)}/portal/p/{PROGRAM}/activity")
    sari = tab.locator("li.portal-row", has_text="Sari L.").first
    expect(sari).to_contain_text("WhatsApp")
    assert tab.problems == []
    # and the manager sees it in the console's referrals
    manager = new_tab(browser, language="id", viewport=DESKTOP)
    sign_in(manager, running.url, email_label="Email", password_label="Kata sandi", button="Masuk")
    manager.goto(f"{running.url}/console/referrals/?q=sari.lestari")
    expect(manager.locator("main tbody")).to_contain_text("sari.lestari@contoh.id")
    manager.context.close()

    # the same in English: Rina switches the portal to English and shares again
    started = time.monotonic()
    tab.goto(f"{origin(tab)}/portal/p/{PROGRAM}/")
    tab.get_by_role("button", name="EN").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("three steps")
    shared = share_on_whatsapp(tab, link)
    TIMINGS["en: share page → WhatsApp message"] = time.monotonic() - started
    assert "Toko Andalan" in shared and "Sign up" in shared
    friend = friend_opens(browser, shared, language="en")
    expect(friend.get_by_text("Rina invited you")).to_be_visible()
    friend.get_by_label("Name", exact=True).fill("Tom Baker")
    friend.get_by_label("E-mail", exact=True).fill("tom.baker@example.org")
    friend.locator("input[type=checkbox][name=consent]").check()
    friend.locator("button.landing-button").click()
    friend.wait_for_url(re.compile(rf"/join/{PROGRAM}/thanks"))
    assert friend.problems == []
    friend.context.close()
    tab.goto(f"{origin(tab)}/portal/p/{PROGRAM}/activity")
    expect(tab.locator("li.portal-row", has_text="Tom B.").first).to_contain_text("WhatsApp")
    assert tab.problems == []
    tab.context.close()
    print("timings:", {k: f"{v:.1f} s" for k, v in TIMINGS.items()})


PORTAL_PAGES = {
    "share": f"/portal/p/{PROGRAM}/",
    "activity": f"/portal/p/{PROGRAM}/activity",
    "kit": f"/portal/p/{PROGRAM}/kit",
    "flyer": f"/portal/p/{PROGRAM}/flyer",
    "rules": f"/portal/p/{PROGRAM}/rules",
    "leaderboard": f"/portal/p/{PROGRAM}/leaderboard",
}


def test_screenshots_of_the_portal_and_landing_pages_at_phone_and_desktop(browser, demo):
    running, smtp = demo
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    email = manager_invites(browser, running.url, search="Budi")
    invitation = wait_for_mail(smtp, to=email, subject_part="Bagikan")
    written = []
    for language in ("id", "en"):
        for width_name, viewport in (
            ("phone", {"width": 360, "height": 740}),
            ("desktop", DESKTOP),
        ):
            tab = phone_tab(browser, language=language)
            tab.set_viewport_size(viewport)
            # the public pages first: sign-in and the landing page
            for name, path in (("sign-in", "/portal/sign-in"), ("landing", f"/join/{PROGRAM}")):
                response = tab.goto(running.url + path + f"?lang={language}")
                assert response is not None and response.status == 200, (name, path)
                assert too_wide(tab) == [], (width_name, name)
                target = SCREENSHOTS / f"portal-{width_name}-{language}-{name}.png"
                tab.screenshot(path=target, full_page=True)
                written.append(target)
            # then signed in (a new link each time: a link opens one session)
            if (language, width_name) != ("id", "phone"):
                smtp.received.clear()
                tab.goto(f"{running.url}/portal/sign-in")
                tab.locator("input[name=email]").fill(email)
                tab.locator("main form button[type=submit]").click()
                invitation = wait_for_mail(smtp, to=email, subject_part="portal")
            open_portal_from_the_invitation(tab, invitation)
            if language == "en":
                tab.get_by_role("button", name="EN").click()
            for name, path in PORTAL_PAGES.items():
                response = tab.goto(origin(tab) + path)
                assert response is not None and response.status == 200, (name, path)
                assert too_wide(tab) == [], (width_name, language, name)
                target = SCREENSHOTS / f"portal-{width_name}-{language}-{name}.png"
                tab.screenshot(path=target, full_page=True)
                written.append(target)
            assert tab.problems == [], (width_name, language)
            tab.context.close()
    assert all(path.stat().st_size > 5_000 for path in written)
