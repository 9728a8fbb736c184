"""The referrers' portal in a real Chromium: `tular up --demo` sending its e-mail to a real SMTP
server (aiosmtpd) run by the test, and phone-sized tabs. A referrer gets into the portal the
way a person does: the manager invites them from the console, the invitation arrives by
e-mail, its button opens their program."""

import re
import time

import httpx

from tests.browser import TIMEOUT_MS
from tests.e2e.conftest import launch, run_tular, stop
from tests.e2e.console import DESKTOP, MANAGER_EMAIL, MANAGER_PASSWORD, new_tab, sign_in, watch
from tests.messaging.conftest import SmtpServer

PHONE = {"width": 360, "height": 740}
PORTAL_LINK = re.compile(r"https?://[^\s\"<>]+/portal/link/[A-Za-z0-9_-]+")


def demo_with_mail(module_env, tmp_path_factory):
    """`tular up --demo` whose e-mail goes to an SMTP server of the test: yields (demo, smtp)."""
    smtp = SmtpServer()
    smtp.start()
    env = {
        **module_env,
        "TULAR_ADMIN_EMAIL": MANAGER_EMAIL,
        "TULAR_ADMIN_PASSWORD": MANAGER_PASSWORD,
        "TULAR_EMAIL_URL": smtp.url,
    }
    running = launch(env, ["up", "--demo"], tmp_path_factory.mktemp("logs"))
    try:
        yield running, smtp
    finally:
        stop(running)
        smtp.stop()


def phone_tab(browser, *, language: str = "id"):
    """A phone-sized tab (360 x 740) whose browser speaks `language`, allowed to use the
    clipboard (the copy buttons), watching for script errors and failed requests."""
    locale = {"id": "id-ID", "en": "en-US"}[language]
    context = browser.new_context(
        locale=locale,
        extra_http_headers={"Accept-Language": language},
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    watch(tab)
    return tab


def wait_for_mail(smtp, *, to: str, subject_part: str, timeout: float = 45):
    """The newest message to `to` whose subject contains `subject_part` (the worker sends it
    after the request's commit: poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in reversed(smtp.received):
            if to in received.rcpt_tos and subject_part in received.subject:
                return received
        time.sleep(0.2)
    subjects = [(m.rcpt_tos, m.subject) for m in smtp.received]
    raise AssertionError(f"no e-mail to {to} about {subject_part!r}; received: {subjects}")


def manager_invites(browser, demo_url: str, *, search: str) -> str:
    """The manager finds a participant by name and presses "Undang ke portal": their e-mail."""
    tab = new_tab(browser, language="id", viewport=DESKTOP)
    sign_in(tab, demo_url, email_label="Email", password_label="Kata sandi", button="Masuk")
    tab.goto(f"{demo_url}/console/participants/?q={search}")
    tab.locator("main tbody a[href*='/console/participants/']").first.click()
    email = tab.locator("dt:text-is('Email') + dd").inner_text().strip()
    tab.get_by_role("button", name="Undang ke portal").click()
    tab.get_by_text("Undangan sudah dikirim").wait_for()
    assert tab.problems == []
    tab.context.close()
    return email


def origin(tab) -> str:
    """The scheme and host the tab is on: links in e-mails use the public address `up` gives
    (http://localhost:PORT), and a session belongs to the host it was opened on."""
    return re.match(r"https?://[^/]+", tab.url)[0]


def secret_key_client(running) -> httpx.Client:
    """An HTTP client of the running server with a new secret key (`tular apikey create`, as
    an operator makes one), for the API calls a shop's backend or CRM would make."""
    created = run_tular(running.env, "apikey", "create", "--name", "crm")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    return httpx.Client(
        base_url=running.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
