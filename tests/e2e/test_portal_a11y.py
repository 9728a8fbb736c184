"""Story: a referrer or their friend who relies on a screen reader, the keyboard or good contrast
can use the portal and the landing page on a phone. axe-core (axe-playwright-python, in
Chromium at 360 px against a real `tular up --demo`) finds no serious or critical violation
on any of them, in Indonesian and in English, including the pages that show errors."""

import re

import pytest

from tests.e2e.portal import demo_with_mail, manager_invites, origin, phone_tab, wait_for_mail
from tests.e2e.test_console_a11y import blocking_violations
from tests.e2e.test_portal_walk import PORTAL_PAGES, PROGRAM, open_portal_from_the_invitation


@pytest.fixture(scope="module")
def demo(module_env, tmp_path_factory):
    yield from demo_with_mail(module_env, tmp_path_factory)


@pytest.fixture(scope="module")
def invitation(browser, demo):
    running, smtp = demo
    email = manager_invites(browser, running.url, search="Dewi")
    return wait_for_mail(smtp, to=email, subject_part="Bagikan")


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_portal_pages_have_no_serious_accessibility_violation(
    browser, demo, invitation, language
):
    running, smtp = demo
    tab = phone_tab(browser, language=language)
    if language == "id":
        # the invitation's link page (one button), then the program's pages
        open_portal_from_the_invitation(tab, invitation)
    else:
        email = invitation.rcpt_tos[0]
        tab.goto(f"{running.url}/portal/sign-in")
        tab.locator("input[name=email]").fill(email)
        tab.locator("main form button[type=submit]").click()
        tab.wait_for_url(re.compile(r"/portal/sign-in/sent"))
        assert blocking_violations(tab) == "", "sent"
        mail = wait_for_mail(smtp, to=email, subject_part="portal")
        tab.goto(re.search(r"https?://\S+/portal/link/\S+", mail.text)[0])
        assert blocking_violations(tab) == "", "link"
        tab.locator("main form button[type=submit]").click()
        tab.wait_for_url(re.compile(rf"/portal/p/{PROGRAM}/$"))
        tab.get_by_role("button", name="EN").click()
    for name, path in PORTAL_PAGES.items():
        response = tab.goto(origin(tab) + path)
        assert response is not None and response.status == 200, name
        assert blocking_violations(tab) == "", name
    assert tab.problems == []
    tab.context.close()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_public_pages_have_no_serious_accessibility_violation(browser, demo, language):
    running, _smtp = demo
    tab = phone_tab(browser, language=language)
    # the sign-in form, and with an address that is not one (the error beside the field)
    tab.goto(f"{running.url}/portal/sign-in")
    assert blocking_violations(tab) == "", "sign-in"
    tab.locator("input[name=email]").fill("bukan-alamat")
    tab.locator("main form button[type=submit]").click()
    assert tab.locator(".invalid-feedback").first.is_visible()
    assert blocking_violations(tab) == "", "sign-in with an error"
    # a link that does not work
    tab.goto(f"{running.url}/portal/link/tidak-ada")
    assert blocking_violations(tab) == "", "unknown link"
    # the landing page, and its form sent empty (errors beside the fields)
    tab.goto(f"{running.url}/join/{PROGRAM}")
    assert blocking_violations(tab) == "", "landing"
    tab.locator("button.landing-button").click()
    assert tab.locator(".invalid-feedback").first.is_visible()
    assert blocking_violations(tab) == "", "landing with errors"
    tab.context.close()
