"""Real Chromium for browser tests: Playwright's Python package driving Debian's /usr/bin/chromium.

No browser is ever downloaded (never `playwright install`): .ci/run installs Debian's `chromium`
when it is missing. Locally, without it, browser tests skip with the reason; in CI (CI=true)
they fail instead, so a missing browser can never pass for a green run.

The root conftest registers these fixtures for every test:

    def test_something(page, live_server):
        page.goto(live_server.url + "/api/v1/docs")

`browser` is one Chromium per test session; `page` is a fresh context (cookies, storage) and tab
per test, closed afterwards. `page.problems` lists what went wrong while the page was open:
uncaught JavaScript errors, console errors and failed or 4xx/5xx sub-requests (assets), for a
test to assert it empty.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
TIMEOUT_MS = 15_000


def require_chromium() -> None:
    """Skip (locally) or fail (in CI) when Debian's Chromium is not installed."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop marked as running in this thread, so Django
    # would refuse the ORM calls a test makes between two page actions (SynchronousOnlyOperation)
    # although they are plain synchronous code. Allowed while the browser is up, restored after.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    # A load the browser drops itself because the page moved on (the favicon of a page left at
    # once) is net::ERR_ABORTED: not a failure (as tests/e2e/console.py's `watch`). What the
    # server refuses shows as HTTP >= 400 below.
    tab.on(
        "requestfailed",
        lambda request: (
            problems.append(f"request failed: {request.url} ({request.failure})")
            if request.failure != "net::ERR_ABORTED"
            else None
        ),
    )
    tab.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    tab.problems = problems
    try:
        yield tab
    finally:
        context.close()
