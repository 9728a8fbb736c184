"""Story: a manager who relies on a screen reader, the keyboard or good contrast can use the
console. axe-core (bundled by axe-playwright-python, run in Chromium against a real
`tular up --demo`) finds no serious or critical violation on the main pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.console import new_tab, running_demo, sign_in

BLOCKING = {"serious", "critical"}
PAGES = {
    "overview": "/console/",
    "programs": "/console/programs/",
    "wizard, first step": "/console/programs/new/",
    "program": "first:/console/programs/",
    "participants": "/console/participants/",
    "participant": "first:/console/participants/",
    "add a participant": "/console/participants/new/",
    "import": "/console/participants/import/",
    "referrals": "/console/referrals/",
    "flagged referrals": "/console/referrals/flagged/",
    "rewards queue": "/console/rewards/",
    "payouts": "/console/payouts/",
    "payout": "first:/console/payouts/",
    "settings": "/console/settings/",
    "team": "/console/settings/team/",
    "API keys": "/console/settings/api-keys/",
    "audit log": "/console/settings/audit/",
    "pipeline board": "/console/pipeline/",
    "pipeline list": "/console/pipeline/list/",
    "referral queue": "/console/pipeline/queue/",
    "lead import": "/console/pipeline/import/",
    "program pipeline settings": "/console/programs/mitra-reseller/pipeline/",
    "program message templates": "/console/programs/mitra-reseller/messages/",
    "webhooks": "/console/settings/webhooks/",
    "insight dashboard": "/console/insight/",
    "insight costs": "/console/insight/costs/",
    "insight bands": "/console/insight/bands/",
    "insight goals": "/console/insight/goals/",
}


@pytest.fixture(scope="module")
def demo_up(module_env, tmp_path_factory):
    yield from running_demo(module_env, tmp_path_factory)


@pytest.fixture(scope="module")
def manager_tab(browser, demo_up):
    """One signed-in manager's tab (Indonesian) for the whole module."""
    tab = new_tab(browser, language="id")
    sign_in(tab, demo_up.url, email_label="Email", password_label="Kata sandi", button="Masuk")
    yield tab
    tab.context.close()


def blocking_violations(tab) -> str:
    """axe-core's serious and critical violations of the page, one readable line per element."""
    results = Axe().run(tab)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.extend(f"      - {check['message']}" for check in node["any"][:2])
    return "\n".join(lines)


def open_page(tab, base_url: str, path: str) -> None:
    """Open `path`; "first:LIST" opens the first item of that list, as a manager would."""
    if path.startswith("first:"):
        list_path = path.removeprefix("first:")
        tab.goto(base_url + list_path)
        path = tab.locator(f"main tbody a[href^='{list_path}']").first.get_attribute("href")
    response = tab.goto(base_url + path)
    assert response is not None and response.status == 200, path


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_a_console_page_has_no_serious_accessibility_violation(manager_tab, demo_up, path):
    # when axe-core checks the page as drawn in Chromium
    open_page(manager_tab, demo_up.url, path)
    # then it finds nothing serious or critical
    assert blocking_violations(manager_tab) == ""
    assert manager_tab.problems == []


def test_the_sign_in_page_has_no_serious_accessibility_violation(browser, demo_up):
    tab = new_tab(browser, language="id")
    response = tab.goto(f"{demo_up.url}/console/login/")
    assert response is not None and response.status == 200
    assert blocking_violations(tab) == ""
    # and an attempt with a wrong password, with its message beside the form, neither
    tab.get_by_label("Email", exact=True).fill("siapa@contoh.id")
    tab.get_by_label("Kata sandi", exact=True).fill("salah-sekali")
    tab.get_by_role("button", name="Masuk", exact=True).click()
    assert tab.locator(".alert, .invalid-feedback").first.is_visible()
    assert blocking_violations(tab) == ""
    tab.context.close()
