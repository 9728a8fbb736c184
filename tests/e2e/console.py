"""The managers' console in a real Chromium: one `tular up --demo` per test module (the worker runs
inside it, so imports and e-mails really run), and tabs that watch for problems like the `page`
fixture of tests/browser.py does, in the language and at the width a test asks for."""

from tests.browser import TIMEOUT_MS
from tests.e2e.conftest import launch, stop

MANAGER_EMAIL = "manajer@toko.example"
MANAGER_PASSWORD = "rahasia-walk-2468"
DESKTOP = {"width": 1366, "height": 900}
TABLET = {"width": 800, "height": 1100}


def running_demo(module_env, tmp_path_factory):
    """`tular up --demo` with its first manager, as a new user would start it (the body of a
    module-scoped fixture: `yield from running_demo(module_env, tmp_path_factory)`)."""
    env = {
        **module_env,
        "TULAR_ADMIN_EMAIL": MANAGER_EMAIL,
        "TULAR_ADMIN_PASSWORD": MANAGER_PASSWORD,
    }
    running = launch(env, ["up", "--demo"], tmp_path_factory.mktemp("logs"))
    yield running
    stop(running)


def watch(tab) -> list[str]:
    """What goes wrong while `tab` is open: script errors, console errors, failed or 4xx/5xx
    requests (as tests/browser.py's `page.problems`)."""
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text} {message.location}")
            if message.type == "error"
            else None
        ),
    )
    # A load the browser drops itself because the page moved on (the favicon of a page left
    # at once, a download) is net::ERR_ABORTED: not a failure. What the server refuses shows as
    # HTTP >= 400 below, a refused htmx request as a console error.
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
    return problems


def new_tab(browser, *, language: str = "id", viewport: dict = DESKTOP):
    """A fresh context (cookies) and tab whose browser speaks `language` ("id" → id-ID)."""
    locale = {"id": "id-ID", "en": "en-US"}[language]
    context = browser.new_context(
        locale=locale,
        extra_http_headers={"Accept-Language": language},
        viewport=viewport,
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    watch(tab)
    # The console asks before destructive actions (data-confirm): the manager says yes.
    tab.on("dialog", lambda dialog: dialog.accept())
    return tab


def sign_in(tab, base_url: str, *, email_label: str, password_label: str, button: str) -> None:
    """Open /console/, land on the sign-in page, sign in with the manager's e-mail and password."""
    tab.goto(f"{base_url}/console/")
    assert "/console/login/" in tab.url
    tab.get_by_label(email_label, exact=True).fill(MANAGER_EMAIL)
    tab.get_by_label(password_label, exact=True).fill(MANAGER_PASSWORD)
    tab.get_by_role("button", name=button, exact=True).click()
    tab.wait_for_url(f"{base_url}/console/")
