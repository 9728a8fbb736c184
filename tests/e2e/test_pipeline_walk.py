"""Story (issue 10, "Done means"): Koperasi Karya Mandiri, a reseller of the demo's Toko Andalan
who reads Indonesian, refers a lead through the /refer/ form on their phone; the shop's CRM
sends a second one through `POST /api/v1/referrals`. The team walks both through the pipeline
over real HTTP — one to a won deal, the other lost with a reason, after going dark and being
reopened. After every step the reseller's e-mail arrives at a real SMTP server (aiosmtpd) in
Indonesian, with `Content-Language: id` and one-click unsubscribe headers (RFC 8058);
qualified and won created the program's rewards; the portal's "Prospek saya" shows it all.

`tular up --demo` runs as a real process; its e-mail goes to the test's SMTP server. The
screenshots and the accessibility check of the form and the leads page use the same server.
"""

import re
import time

import pytest

from tests.browser import TIMEOUT_MS
from tests.e2e.console import DESKTOP, watch
from tests.e2e.portal import (
    PHONE,
    demo_with_mail,
    origin,
    phone_tab,
    secret_key_client,
    wait_for_mail,
)
from tests.e2e.test_console_a11y import blocking_violations
from tests.e2e.test_portal_walk import SCREENSHOTS

PROGRAM = "mitra-reseller"
REFERRER = "Koperasi Karya Mandiri"
# Who is looked at in both languages (switching the language changes a person's e-mails too).
VIEWER = "Sri Wahyuni"
FORM_LEAD = {
    "name": "Sinta Maharani",
    "email": "sinta@cahayabaru.example",
    "company": "PT Cahaya Baru",
}
API_LEAD = {"name": "Yosef Tambunan", "email": "yosef@lautbiru.example", "company": "CV Laut Biru"}
# The subject of each step's message, from messaging/defaults/id/pipeline.<status>.txt.
SUBJECTS = {
    "submitted": "Terima kasih, referral Anda untuk {lead} sudah kami terima",
    "acknowledged": "Referral Anda untuk {lead} sedang kami tangani",
    "contacted": "Kami sudah menghubungi {lead}",
    "qualified": "Kabar baik: {lead} kini menjadi prospek yang memenuhi syarat",
    "proposal": "Kami sudah mengirim penawaran kepada {lead}",
    "won": "{lead} kini menjadi klien kami. Terima kasih!",
    "dark": "Kabar tentang {lead}: kami belum mendapat balasan",
    "reopened": "Referral Anda untuk {lead} kami buka kembali",
    "lost": "Tentang referral Anda untuk {lead}",
}
LOST_REASON = "Anggarannya belum ada sampai tahun depan."


@pytest.fixture(scope="module")
def demo(module_env, tmp_path_factory):
    yield from demo_with_mail(module_env, tmp_path_factory)


@pytest.fixture(scope="module")
def api(demo):
    with secret_key_client(demo[0]) as client:
        yield client


def participant_named(api, name: str) -> dict:
    found = api.get("/api/v1/participants", params={"program": PROGRAM, "limit": 100}).json()
    return next(p for p in found["items"] if p["name"] == name)


@pytest.fixture(scope="module")
def referrer(api) -> dict:
    person = participant_named(api, REFERRER)
    assert person["locale"] == "id"
    return person


@pytest.fixture(scope="module")
def viewer_state(browser, demo, api) -> dict:
    """The portal session of the viewer (signed in once: the sign-in form allows three links
    per address in 15 minutes), to open in as many tabs as needed."""
    viewer = participant_named(api, VIEWER)
    # two leads of theirs, one won and one lost, so the pages show a whole history
    for lead, steps, last in (
        (
            {
                "name": "Bagus Wicaksono",
                "email": "bagus@sumberair.example",
                "company": "PT Sumber Air",
            },
            ("acknowledged", "contacted", "qualified"),
            {"status": "won", "deal_value": 18_000_000_00},
        ),
        (
            {"name": "Lestari Ayu", "email": "lestari@kopikita.example", "company": "Kopi Kita"},
            ("acknowledged",),
            {"status": "lost", "reason": "Mereka sudah punya pemasok tetap."},
        ),
    ):
        created = api.post(
            "/api/v1/referrals",
            json={
                "program": PROGRAM,
                "referrer_external_id": viewer["external_id"],
                "lead": lead,
                "consent": True,
            },
        )
        assert created.status_code == 201, created.text
        for step in steps:
            move(api, created.json()["id"], status=step)
        move(api, created.json()["id"], **last)
    tab = signed_in_tab(browser, demo, viewer["email"])
    state = {"storage_state": tab.context.storage_state(), "origin": origin(tab)}
    tab.context.close()
    return state


def viewer_tab(browser, state: dict, *, language: str, viewport: dict):
    """A tab of the viewer's session in `language` (the header's switch) at `viewport`."""
    context = browser.new_context(
        locale={"id": "id-ID", "en": "en-US"}[language],
        viewport=viewport,
        is_mobile=viewport == PHONE,
        has_touch=viewport == PHONE,
        storage_state=state["storage_state"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    watch(tab)
    tab.goto(f"{state['origin']}/portal/p/{PROGRAM}/")
    tab.get_by_role("button", name=language.upper(), exact=True).click()
    tab.wait_for_load_state()
    return tab


def signed_in_tab(browser, demo, email: str, *, language="id", viewport=None):
    """A tab signed in to the portal the way a person does: the sign-in form, the e-mailed
    link, its one button."""
    running, smtp = demo
    tab = phone_tab(browser, language=language)
    if viewport:
        tab.set_viewport_size(viewport)
    before = len(smtp.received)
    tab.goto(f"{running.url}/portal/sign-in")
    tab.locator("input[name=email]").fill(email)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(re.compile(r"/portal/sign-in/sent"))
    deadline = time.monotonic() + 30
    link = None
    while link is None and time.monotonic() < deadline:
        for mail in smtp.received[before:]:
            if email in mail.rcpt_tos and "/portal/link/" in mail.text:
                link = re.search(r"https?://\S+/portal/link/[A-Za-z0-9_-]+", mail.text)[0]
        time.sleep(0.2)
    assert link, "no sign-in link arrived"
    tab.goto(link)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(re.compile(r"/portal/"))
    return tab


def expect_mail(smtp, *, to: str, step: str, lead: str, body_part: str = ""):
    subject = SUBJECTS[step].format(lead=lead)
    mail = wait_for_mail(smtp, to=to, subject_part=subject, timeout=30)
    message = mail.message
    assert message["Content-Language"] == "id", (step, message["Content-Language"])
    unsubscribe = message["List-Unsubscribe"] or ""
    assert re.search(r"<https?://[^>]+>", unsubscribe), (step, unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", step
    if body_part:
        assert body_part in mail.text, (step, mail.text)
    return mail


def move(api, referral_id: str, **body) -> dict:
    response = api.patch(f"/api/v1/referrals/{referral_id}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_two_leads_walk_the_pipeline_and_the_referrer_hears_of_every_step(
    browser, demo, api, referrer
):
    started = time.monotonic()
    _running, smtp = demo
    email = referrer["email"]

    # 1. the reseller refers Sinta through the form, signed in to the portal, on a phone
    tab = signed_in_tab(browser, demo, email)
    tab.goto(f"{origin(tab)}/refer/{PROGRAM}")
    tab.get_by_text("Merujuk sebagai Koperasi").wait_for()
    tab.get_by_label("Nama mereka").fill(FORM_LEAD["name"])
    tab.get_by_label("Email mereka").fill(FORM_LEAD["email"])
    tab.get_by_label("Telepon atau WhatsApp mereka (opsional)").fill("0812 7777 1234")
    tab.get_by_label("Perusahaan mereka (opsional)").fill(FORM_LEAD["company"])
    tab.get_by_label("Dari mana mereka tahu tentang kami?").select_option("event")
    tab.get_by_label("Orang yang saya rujuk setuju").check()
    tab.get_by_role("button", name="Kirim prospek").click()
    tab.wait_for_url(re.compile(rf"/refer/{PROGRAM}/thanks$"))
    tab.get_by_text("Terima kasih atas prospeknya!").wait_for()
    tab.get_by_text("dalam 24 jam").wait_for()
    expect_mail(smtp, to=email, step="submitted", lead=FORM_LEAD["name"], body_part="dalam 24 jam")
    listed = api.get(
        "/api/v1/referrals", params={"program": PROGRAM, "participant": referrer["id"]}
    ).json()["items"]
    form_lead = next(item for item in listed if item["email"] == FORM_LEAD["email"])
    detail = api.get(f"/api/v1/referrals/{form_lead['id']}").json()
    assert (detail["intake"], detail["status"]) == ("portal", "submitted")
    assert detail["heard_from"] == "Acara atau komunitas"
    assert detail["consent_at"] is not None

    # 2. the CRM sends Yosef through the API
    created = api.post(
        "/api/v1/referrals",
        json={
            "program": PROGRAM,
            "referrer_external_id": referrer["external_id"],
            "lead": API_LEAD,
            "consent": True,
            "heard_from": "Pameran dagang",
        },
    )
    assert created.status_code == 201, created.text
    api_lead = created.json()
    expect_mail(smtp, to=email, step="submitted", lead=API_LEAD["name"])

    # 3. the team walks Sinta to a won deal
    for step in ("acknowledged", "contacted", "qualified", "proposal"):
        assert move(api, form_lead["id"], status=step)["status"] == step
        expect_mail(smtp, to=email, step=step, lead=FORM_LEAD["name"])
    won = move(api, form_lead["id"], status="won", deal_value=25_000_000_00)
    assert won["status"] == "won"
    expect_mail(smtp, to=email, step="won", lead=FORM_LEAD["name"], body_part="Rp2.500.000")

    # 4. Yosef goes dark, is reopened, then is lost with a reason the reseller is told
    for step in ("acknowledged", "dark"):
        move(api, api_lead["id"], status=step)
        expect_mail(smtp, to=email, step=step, lead=API_LEAD["name"])
    move(api, api_lead["id"], status="contacted", reopen=True)
    expect_mail(smtp, to=email, step="reopened", lead=API_LEAD["name"])
    lost = move(api, api_lead["id"], status="lost", reason=LOST_REASON)
    assert lost["status"] == "lost"
    expect_mail(smtp, to=email, step="lost", lead=API_LEAD["name"], body_part=LOST_REASON)
    # an impossible jump is refused and sends nothing
    assert (
        api.patch(f"/api/v1/referrals/{api_lead['id']}", json={"status": "won"}).status_code == 409
    )

    # 5. qualified and won created the program's rewards for the reseller
    rewards = api.get("/api/v1/rewards", params={"participant": referrer["id"]}).json()["items"]
    mine = {(r["trigger"], r["kind"]) for r in rewards if r["referral_id"] == form_lead["id"]}
    assert mine == {("qualified", "perk"), ("won", "fixed")}
    assert not [r for r in rewards if r["referral_id"] == api_lead["id"]]

    # 6. the portal's "Prospek saya" shows both, with their steps and what Sinta earned
    tab.goto(f"{origin(tab)}/portal/p/{PROGRAM}/leads")
    sinta = tab.locator(f"[data-lead='{form_lead['id']}']")
    yosef = tab.locator(f"[data-lead='{api_lead['id']}']")
    assert "berhasil" in sinta.locator(".badge").first.inner_text().lower()
    assert "Pelatihan produk" in sinta.inner_text()
    assert "Rp2.500.000" in sinta.inner_text()
    yosef.locator("summary").click()
    assert LOST_REASON in yosef.inner_text()
    assert "belum cocok" in yosef.locator(".badge").first.inner_text().lower()
    assert tab.problems == []
    tab.context.close()
    assert time.monotonic() - started < 60


def test_screenshots_of_the_form_and_the_leads_page(browser, demo, viewer_state):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        for language in ("id", "en"):
            tab = viewer_tab(browser, viewer_state, language=language, viewport=viewport)
            base = viewer_state["origin"]

            def shot(name, tab=tab, width_name=width_name, language=language):
                path = SCREENSHOTS / f"{name}-{width_name}-{language}.png"
                tab.screenshot(path=path, full_page=True)
                written.append(path)

            tab.goto(f"{base}/refer/{PROGRAM}")
            shot("refer-empty")
            tab.locator("button.landing-button").click()
            tab.locator(".invalid-feedback").first.wait_for()
            shot("refer-errors")
            tab.locator("input[name=name]").fill("Dewi Kartika")
            tab.locator("input[name=email]").fill(f"dewi.{width_name}.{language}@sejahtera.example")
            tab.locator("input[name=consent]").check()
            tab.locator("button.landing-button").click()
            tab.wait_for_url(re.compile(r"/thanks$"))
            shot("refer-thanks")
            tab.goto(f"{base}/portal/p/{PROGRAM}/leads")
            tab.evaluate(
                "document.querySelectorAll('details.lead-history').forEach(d => d.open = true)"
            )
            shot("leads")
            # the form sent empty answers 422 on purpose (the errors shown beside the fields)
            assert [p for p in tab.problems if "422" not in p] == []
            tab.context.close()
    assert all(path.stat().st_size > 5_000 for path in written)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_form_and_the_leads_page_have_no_serious_accessibility_violation(
    browser, demo, viewer_state, language
):
    running, _smtp = demo
    # the public form, as a visitor without a session: empty, then with its errors
    tab = phone_tab(browser, language=language)
    tab.goto(f"{running.url}/refer/{PROGRAM}")
    assert blocking_violations(tab) == "", "refer"
    tab.locator("button.landing-button").click()
    tab.locator(".invalid-feedback").first.wait_for()
    assert blocking_violations(tab) == "", "refer with errors"
    tab.context.close()
    # signed in: the form with "Referring as", and the leads page with a step list open
    tab = viewer_tab(browser, viewer_state, language=language, viewport=PHONE)
    tab.goto(f"{viewer_state['origin']}/refer/{PROGRAM}")
    assert blocking_violations(tab) == "", "refer signed in"
    tab.goto(f"{viewer_state['origin']}/portal/p/{PROGRAM}/leads")
    if tab.locator("details.lead-history").count():
        tab.locator("details.lead-history").first.locator("summary").click()
    assert blocking_violations(tab) == "", "leads"
    assert tab.problems == []
    tab.context.close()
