"""Story: Andi shares his link; his friend Sari lands on the program's page at /join/hadiah,
reads who invited her and what she gets, signs up with the short form, and becomes an
attributed referral with her own sign-up reward — exactly as `track/signup` would record it,
her e-mail address as the customer's id. Without a link she types Andi's code; an unknown
code, a missing consent or a bad e-mail is said beside its field and nothing is lost. The A/B
test shows each visitor one variant, always the same, and counts visitors and sign-ups per
variant; changing the test starts the counts afresh. The page speaks Indonesian and English."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.rewards.books import make_participant, make_program
from tular.core import clock
from tular.participants.models import Participant
from tular.portal import landing
from tular.programs.copy import copy_save
from tular.programs.models import LandingStat, Program
from tular.referrals.models import Referral
from tular.rewards.models import Reward
from tular.tracking.models import Click
from tular.workspaces.services import workspace_get_or_create

BROWSER = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Chrome/126 Mobile"


def visitor(language: str = "id") -> Client:
    return Client(headers={"Accept-Language": language, "User-Agent": BROWSER})


def follow_link(client, code: str):
    """/r/CODE as a browser follows it: the click cookie it sets is kept for this host."""
    response = client.get(f"/r/{code}")
    assert response.status_code == 302
    cookie = response["Set-Cookie"].split(";")[0]
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    return response


def sign_up(client, url="/join/hadiah", **fields):
    data = {"name": "Sari Wibowo", "email": "Sari@Example.com", "consent": "on", **fields}
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def error_beside(response, field: str) -> str:
    """The text of the error shown under `field` (empty when none)."""
    html = response.content.decode()
    match = re.search(rf'id="{field}-error">(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


@pytest.fixture
def program(portal_program):
    return portal_program  # "hadiah": the friend gets Rp50.000 on sign-up (tests/rewards/books)


# ---------------------------------------------------------------- who invited, and attribution


def test_a_friend_invited_through_via_signs_up_and_gets_her_reward(program, referrer):
    # given Sari opens Andi's link
    client = visitor()
    page = client.get(f"/join/hadiah?via={referrer.code}")
    # then she reads who invited her, what she gets, and a form without a code field
    assert page.status_code == 200
    html = page.content.decode()
    assert "Andi mengundang Anda" in html
    assert "Rp50.000" in html
    assert 'name="code"' not in html
    assert '<meta name="robots" content="index, follow">' in html
    # when she signs up
    response = sign_up(client, f"/join/hadiah?via={referrer.code}", via=referrer.code)
    # then a referral to Andi, her e-mail (normalised) as the customer's id, her reward granted
    assert response.status_code == 302
    assert response["Location"] == "/join/hadiah/thanks"
    referral = Referral.objects.get()
    assert referral.participant == referrer
    assert referral.customer_external_id == "sari@example.com"
    assert referral.name == "Sari Wibowo"
    assert referral.status == "active"
    reward = Reward.objects.get(recipient="friend")
    assert reward.participant == referral.friend
    assert reward.amount == 5000000
    assert referral.friend.email_normalised == "sari@example.com"
    # and the thanks page tells her what she gets and invites her to share
    thanks = client.get(response["Location"]).content.decode()
    assert "Terima kasih, Sari!" in thanks
    assert "Rp50.000" in thanks
    assert "/portal/sign-in?w=toko" in thanks


def test_the_click_cookie_of_the_link_attributes_the_sign_up(program, referrer):
    # given Sari followed Andi's link: /r/CODE set the click cookie on this host
    client = visitor()
    follow_link(client, referrer.code)
    click = Click.objects.get()
    # when she opens the page without ?via= and signs up
    page = client.get("/join/hadiah").content.decode()
    response = sign_up(client)
    # then the page knew Andi and the referral carries the click
    assert "Andi mengundang Anda" in page
    assert 'name="code"' not in page
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.participant == referrer
    assert referral.click_id == click.id


def test_a_click_of_another_program_is_not_this_pages_referrer(program, referrer):
    # given a click on a link of another program of the workspace
    other = make_program(program.workspace, slug="lain")
    budi = make_participant(other, name="Budi")
    client = visitor()
    follow_link(client, budi.code)
    # when the friend opens this program's page
    page = client.get("/join/hadiah").content.decode()
    # then nobody is named and the code is asked
    assert "landing-invited" not in page
    assert 'name="code"' in page


def test_without_a_referrer_the_friends_code_is_asked_and_required(program, referrer):
    client = visitor()
    page = client.get("/join/hadiah").content.decode()
    assert 'name="code"' in page
    # when she sends the form without a code
    response = sign_up(client)
    # then nothing is recorded, the error is beside the code, and what she typed is kept
    assert response.status_code == 422
    assert error_beside(response, "code")
    assert 'value="Sari Wibowo"' in response.content.decode()
    assert not Referral.objects.exists()
    # when she types Andi's code (lower case, with spaces)
    response = sign_up(client, code=f"  {referrer.code.lower()} ")
    # then the referral is Andi's
    assert response.status_code == 302
    assert Referral.objects.get().participant == referrer


def test_an_unknown_code_is_refused_beside_the_field(program, referrer):
    # given a code of another program and a code nobody has
    other = make_participant(make_program(program.workspace, slug="lain"), name="Budi")
    client = visitor()
    for code in ("TIDAKADA99", other.code):
        # when
        response = sign_up(client, code=code)
        # then
        assert response.status_code == 422
        assert "Kami tidak mengenal kode ini" in error_beside(response, "code")
        assert f'value="{code}"' in response.content.decode()
    assert not Referral.objects.exists()


def test_consent_is_required(program, referrer):
    client = visitor()
    response = sign_up(client, f"/join/hadiah?via={referrer.code}", via=referrer.code, consent=None)
    assert response.status_code == 422
    assert error_beside(response, "consent")
    assert not Referral.objects.exists()


def test_a_bad_email_is_said_beside_the_field(program, referrer):
    client = visitor()
    response = sign_up(client, via=referrer.code, email="sari@@contoh")
    assert response.status_code == 422
    assert error_beside(response, "email")
    assert not Referral.objects.exists()


def test_a_self_referral_is_thanked_like_any_other_and_flagged(program, referrer):
    client = visitor()
    response = sign_up(client, via=referrer.code, name="Andi", email="andi@example.com")
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == "flagged"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Terima kasih, Andi!" in thanks.content.decode()
    # a self-referral is no sign-up of the page's test
    assert not LandingStat.objects.filter(signups__gt=0).exists()


def test_the_thanks_page_without_a_sign_up_leads_to_the_form(program):
    response = visitor().get("/join/hadiah/thanks")
    assert response.status_code == 302
    assert response["Location"] == "/join/hadiah"


def test_the_friend_who_signs_up_in_english_reads_her_portal_in_english(program, referrer):
    client = visitor("en")
    sign_up(client, via=referrer.code)
    friend = Participant.objects.get(email_normalised="sari@example.com")
    assert friend.locale == "en"


# ---------------------------------------------------------------- which program, which page


def test_an_archived_program_has_no_landing_page(program):
    program.status = "archived"
    program.save()
    assert visitor().get("/join/hadiah").status_code == 404
    assert visitor().get("/join/tidak-ada").status_code == 404


def test_a_slug_of_two_workspaces_is_the_one_via_names_else_the_oldest(program, referrer):
    # given another workspace, created later, with a program of the same slug
    later, _ = workspace_get_or_create(slug="lain", name="Usaha Lain")
    theirs = make_program(later, slug="hadiah", name="Hadiah Lain")
    budi = make_participant(theirs, name="Budi")
    # then without via the oldest workspace's page; with Budi's code, his
    assert "Toko Maju" in visitor().get("/join/hadiah").content.decode()
    page = visitor().get(f"/join/hadiah?via={budi.code}").content.decode()
    assert "Usaha Lain" in page
    assert "Budi mengundang Anda" in page


def test_a_b2b_program_asks_for_the_company(portal_workspace):
    make_program(portal_workspace, slug="mitra", kind="reseller")
    page = visitor().get("/join/mitra").content.decode()
    assert 'name="company"' in page
    assert 'name="company"' not in visitor().get("/join/hadiah").content.decode()


def test_social_proof_counts_friends_from_five_on(program, referrer):
    for n in range(4):
        Referral.objects.create(
            workspace=program.workspace,
            program=program,
            participant=referrer,
            customer_external_id=f"c{n}",
            status="active",
            created_at=clock.now(),
        )
    assert "bergabung lewat undangan teman" not in visitor().get("/join/hadiah").content.decode()
    Referral.objects.create(
        workspace=program.workspace,
        program=program,
        participant=referrer,
        customer_external_id="c5",
        status="active",
        created_at=clock.now(),
    )
    page = visitor().get("/join/hadiah").content.decode()
    assert "5 orang sudah bergabung lewat undangan teman." in page
    # the manager's own words win
    copy_save(program=program, language="id", changes={"social_proof": "Dipercaya 3.000 keluarga"})
    assert "Dipercaya 3.000 keluarga" in visitor().get("/join/hadiah").content.decode()


def test_english_by_browser_or_by_lang_which_the_session_keeps(program, referrer):
    page = visitor("en").get(f"/join/hadiah?via={referrer.code}").content.decode()
    assert "Andi invited you" in page
    assert '<html lang="en">' in page
    # ?lang= is kept for the visit and dropped from the address (the switch stays usable)
    client = visitor("id")
    response = client.get(f"/join/hadiah?lang=en&via={referrer.code}")
    assert response.status_code == 302
    assert response["Location"] == f"/join/hadiah?via={referrer.code}"
    assert "Andi invited you" in client.get(response["Location"]).content.decode()


# ---------------------------------------------------------------- the A/B test


def start_test(program, text="Hadiah untuk Anda dan teman"):
    copy_save(
        program=program,
        language="id",
        changes={"headline": "Gabung sekarang", "test_element": "headline", "test_text": text},
    )


def draws(monkeypatch, *values):
    values = iter(values)
    monkeypatch.setattr(landing.secrets, "randbelow", lambda n: next(values))


def stats(program):
    return {
        (s.language, s.variant): (s.visitors, s.signups)
        for s in LandingStat.objects.filter(program=program)
    }


def test_without_a_test_every_visitor_sees_a_and_is_counted_once(program):
    client = visitor()
    for _ in range(3):
        assert "Gabung" not in client.get("/join/hadiah").content.decode()
    visitor().get("/join/hadiah")
    assert stats(program) == {("id", "a"): (2, 0)}


def test_the_variant_is_drawn_once_and_kept_across_visits(program, monkeypatch):
    # given a test of the headline
    start_test(program)
    # when a visitor is drawn B, then later draws would say A
    draws(monkeypatch, 1, 0, 0, 0)
    client = visitor()
    first = client.get("/join/hadiah")
    again = [client.get("/join/hadiah").content.decode() for _ in range(2)]
    # then B every time, counted once; the cookie lasts 90 days for this program
    assert "Hadiah untuk Anda dan teman" in first.content.decode()
    assert all("Hadiah untuk Anda dan teman" in page for page in again)
    cookie = first.cookies[landing.ab_cookie_name(program)]
    assert cookie["max-age"] == 90 * 86400
    assert cookie["samesite"] == "Lax"
    # a second visitor drawn A sees the written headline
    assert "Gabung sekarang" in visitor().get("/join/hadiah").content.decode()
    assert stats(program) == {("id", "a"): (1, 0), ("id", "b"): (1, 0)}


def test_sign_ups_count_for_the_variant_the_visitor_saw(program, referrer, monkeypatch):
    start_test(program)
    draws(monkeypatch, 1, 0)
    sari, budi = visitor(), visitor()
    sari.get(f"/join/hadiah?via={referrer.code}")
    budi.get(f"/join/hadiah?via={referrer.code}")
    # when both sign up (Sari twice: the second is no new sign-up)
    sign_up(sari, via=referrer.code)
    sign_up(sari, via=referrer.code)
    sign_up(budi, via=referrer.code, name="Budi", email="budi@example.com")
    # then
    assert stats(program) == {("id", "b"): (1, 1), ("id", "a"): (1, 1)}


def test_changing_the_test_starts_its_counts_afresh(program, monkeypatch):
    start_test(program)
    draws(monkeypatch, 1, 0)
    client = visitor()
    client.get("/join/hadiah")
    assert stats(program) == {("id", "b"): (1, 0)}
    # when the manager changes variant B's text
    with clock.frozen(clock.now().replace(year=clock.now().year + 1)):
        start_test(program, text="Dua hadiah, satu langkah")
    # then the counts are gone and the same visitor is drawn and counted again
    assert stats(program) == {}
    assert "Gabung sekarang" in client.get("/join/hadiah").content.decode()
    assert stats(program) == {("id", "a"): (1, 0)}


def test_counts_are_per_language(program):
    client = visitor()
    client.get("/join/hadiah")
    visitor("en").get("/join/hadiah")
    assert stats(program) == {("id", "a"): (1, 0), ("en", "a"): (1, 0)}


def test_link_previews_are_not_visitors(program):
    Client(headers={"User-Agent": "WhatsApp/2.24.1 A"}).get("/join/hadiah")
    Client().head("/join/hadiah")
    assert stats(program) == {}


def test_count_adds_up_on_one_row(program):
    for _ in range(3):
        landing.count(program=program, language="id", variant="b", field="signups")
    assert stats(program) == {("id", "b"): (0, 3)}


# ---------------------------------------------------------------- in a real browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1366, "height": 900}
WORDS = {
    "id": {"invited": "Andi mengundang Anda", "thanks": "Terima kasih, Sari!"},
    "en": {"invited": "Andi invited you", "thanks": "Thank you, Sari!"},
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_on_a_phone_the_form_is_above_the_fold_and_signs_the_friend_up(
    page, live_server, transactional_db, language
):
    # given Andi's link leads to the program's landing page on this server
    workspace, _ = workspace_get_or_create(slug="toko", name="Toko Maju")
    make_program(workspace, slug="hadiah", destination_url=f"{live_server.url}/join/hadiah")
    andi = make_participant(Program.objects.get(slug="hadiah"), name="Andi Wijaya")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # when Sari (who reads `language`) opens it on a desktop, then on a 360 x 640 phone
    page.goto(f"{live_server.url}/join/hadiah?lang={language}")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/r/{andi.code}")
    page.screenshot(path=SCREENSHOTS / f"landing-{language}-desktop.png")
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=SCREENSHOTS / f"landing-{language}-phone.png")
    # then she reads who invited her, and the whole form with its button is on the first screen
    assert WORDS[language]["invited"] in page.locator("main").inner_text()
    button = page.locator(".landing-form button[type=submit]").bounding_box()
    assert button["y"] + button["height"] <= PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # when she fills it in and sends it
    page.locator("#id_name").fill("Sari Wibowo")
    page.locator("#id_email").fill("sari@example.com")
    page.locator("#id_consent").check()
    page.locator(".landing-form button[type=submit]").click()
    # then she is thanked, and the referral is Andi's with her sign-up reward
    page.wait_for_url("**/join/hadiah/thanks", timeout=30_000)  # a busy CI machine
    assert WORDS[language]["thanks"] in page.locator("main").inner_text()
    page.screenshot(path=SCREENSHOTS / f"landing-{language}-thanks-phone.png", full_page=True)
    referral = Referral.objects.get()
    assert referral.participant == andi
    assert referral.click_id is not None
    assert Reward.objects.filter(recipient="friend", participant=referral.friend).exists()
    assert page.problems == []
