"""Story (issue 13, "Done means"): PT Sinar Nusantara Digital, a Gold ("Emas", 30 %) reseller of
the demo's Toko Andalan with two people of its own, registers a deal in the portal on a phone;
CV Maju Jaya Elektronik registers the same company a minute later through the API and is
refused without learning who holds it; a lead from that company sent by another referrer lands
with the holder and both sides are told by e-mail; the team closes the deal as won and the
commission appears at the tier's rate; the partner's second person signs in and follows it;
the attribution comparison credits the demo's journeys differently under the five models.

`tular up --demo` runs as a real process; its e-mail goes to the test's SMTP server (aiosmtpd);
the portal is used in Chromium at phone size, in Indonesian."""

import re

import pytest

from tests.e2e.portal import (
    PORTAL_LINK,
    demo_with_mail,
    phone_tab,
    secret_key_client,
    wait_for_mail,
)
from tests.e2e.test_portal_walk import SCREENSHOTS

PROGRAM = "mitra-reseller"
HOLDER = "PT Sinar Nusantara Digital"
FIRST_MEMBER = "rudi@sinarnusantara.example"
SECOND_MEMBER = "dewi@sinarnusantara.example"
COMPANY = "PT Cahaya Baru Teknologi"


@pytest.fixture(scope="module")
def demo(module_env, tmp_path_factory):
    yield from demo_with_mail(module_env, tmp_path_factory)


@pytest.fixture(scope="module")
def api(demo):
    with secret_key_client(demo[0]) as client:
        yield client


def partner(api, name: str) -> dict:
    found = api.get("/api/v1/participants", params={"program": PROGRAM, "limit": 100}).json()
    return next(p for p in found["items"] if p["name"] == name)


def sign_in_by_mail(tab, url: str, smtp, email: str) -> None:
    """The portal's sign-in form, the link from the e-mail, its one button."""
    tab.goto(f"{url}/portal/sign-in")
    tab.locator("input[name=email]").fill(email)
    tab.locator("main form button[type=submit]").click()
    mail = wait_for_mail(smtp, to=email, subject_part="portal")
    tab.goto(PORTAL_LINK.search(mail.text)[0])
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(re.compile(r"/portal/"))


def test_a_partner_registers_a_deal_is_protected_and_follows_its_commission(browser, demo, api):
    running, smtp = demo
    holder = partner(api, HOLDER)

    # 1. Rudi, of the holder, registers the deal in the portal on his phone.
    tab = phone_tab(browser, language="id")
    sign_in_by_mail(tab, running.url, smtp, FIRST_MEMBER)
    origin = re.match(r"https?://[^/]+", tab.url)[0]
    tab.goto(f"{origin}/portal/p/{PROGRAM}/deals")
    register = tab.locator("details.deal-register")
    if register.get_attribute("open") is None:
        register.locator("summary").click()
    tab.get_by_label("Perusahaan", exact=True).fill(COMPANY)
    tab.locator("input[name=domain]").fill("https://www.CahayaBaru-Tek.co.id/kontak")
    tab.get_by_label("Nama kontak").fill("Sinta Maharani")
    tab.get_by_label("Email kontak").fill("sinta@cahayabaru-tek.co.id")
    tab.get_by_label("Perkiraan nilai").fill("250000000")
    for check in tab.locator("fieldset input[type=checkbox]").all():
        check.check()
    tab.get_by_role("button", name="Daftarkan deal").click()
    tab.get_by_text(f"{COMPANY} terdaftar dan disetujui").wait_for()
    tab.screenshot(path=SCREENSHOTS / "partner-deal-registered-id-phone.png", full_page=True)
    assert tab.problems == []
    deal_id = tab.locator("li.deal").first.get_attribute("data-deal")

    # 2. A second partner registers a division's subdomain of the same company: refused with
    # its own registration kept as a conflict, nothing about the holder.
    refused = api.post(
        "/api/v1/deals",
        json={
            "program": PROGRAM,
            "partner_external_id": partner(api, "CV Maju Jaya Elektronik")["external_id"],
            "company": "Cahaya Baru",
            "domain": "sales.cahayabaru-tek.co.id",
            "contact": {"name": "Sinta", "email": "sinta@cahayabaru-tek.co.id"},
            "estimated_value": 20_000_000_000,
            "currency": "IDR",
            "qualification": {},
        },
    )
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("deal-conflict")
    assert problem["deal_id"] != deal_id and problem["protected_until"]
    assert "Sinar" not in refused.text and holder["id"] not in refused.text

    # 3. A lead from that company sent by another referrer lands with the holder.
    sent = api.post(
        "/api/v1/referrals",
        json={
            "program": PROGRAM,
            "referrer_external_id": partner(api, "Koperasi Karya Mandiri")["external_id"],
            "lead": {"name": "Bagus Pratama", "email": "bagus@cahayabaru-tek.co.id"},
            "consent": True,
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["referrer"]["id"] == holder["id"]
    wait_for_mail(smtp, to=holder["email"], subject_part="Bagus Pratama")

    # 4. The team closes the deal as won: the commission at Emas' 30 %.
    closed = api.post(
        f"/api/v1/deals/{deal_id}/close",
        json={"status": "won", "value": 24_000_000_000, "customer_external_id": "cus_cahaya"},
    )
    assert closed.status_code == 200, closed.text
    sale = next(line for line in closed.json()["commission"] if line["percent"])
    assert (sale["amount"], sale["percent"], sale["tier"]) == (7_200_000_000, "30", "Emas")

    # 5. Dewi, the holder's second person, follows it in the portal.
    other = phone_tab(browser, language="id")
    sign_in_by_mail(other, running.url, smtp, SECOND_MEMBER)
    other.goto(f"{origin}/portal/p/{PROGRAM}/deals")
    card = other.locator(f"li.deal[data-deal='{deal_id}']")
    card.get_by_text("Dimenangkan senilai Rp240.000.000").wait_for()
    text = card.inner_text()
    assert "Komisi Anda" in text and "Rp72.000.000" in text
    assert "30% dari Rp240.000.000" in text and "tingkat Emas" in text
    other.screenshot(path=SCREENSHOTS / "partner-deal-won-id-phone.png", full_page=True)
    assert other.problems == []

    # 6. The attribution comparison: five models, five different splits of the demo's sales.
    compared = api.get(
        "/api/v1/attribution/compare", params={"program": PROGRAM, "from": "2026-01-01"}
    ).json()
    splits = {
        model: tuple(row["models"][model]["conversions"] for row in compared["rows"])
        for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based")
    }
    assert len(set(splits.values())) == 5
