"""Share in three steps (R9, R13, R60): the share buttons carry the link tagged with their
channel, the clicks are counted per channel, the QR code decodes back to the link, and the
pages (program home, kit, flyer) show only to the signed-in referrer, in both languages."""

import io
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from django.template.loader import render_to_string
from django.test import Client
from PIL import Image

from tests.portal.conftest import portal_client_for
from tests.rewards.books import make_participant, make_program
from tular.portal import sharing
from tular.tracking.models import Click
from tular.workspaces.services import workspace_get_or_create

BASE = "http://testserver"
CHANNELS = ["whatsapp", "email", "telegram", "linkedin", "x", "facebook"]


@pytest.fixture(autouse=True)
def _no_public_url(settings):
    settings.TULAR_PUBLIC_URL = None  # links follow the request's site: http://testserver


def links_of(referrer, text="Coba ini: {link}"):
    return {
        b["channel"]: b for b in sharing.share_links(participant=referrer, text=text, base_url=BASE)
    }


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_channels_come_in_order_whatsapp_first(referrer):
    links = sharing.share_links(participant=referrer, text="{link}", base_url=BASE)
    assert [b["channel"] for b in links] == CHANNELS


def test_the_whatsapp_text_carries_the_link_tagged_whatsapp(referrer):
    url = links_of(referrer)["whatsapp"]["url"]
    assert url.startswith("https://wa.me/?text=")
    link = f"{BASE}/r/{referrer.code}"
    assert query(url)["text"] == f"Coba ini: {link}?ch=whatsapp"


def test_each_channel_tags_its_link(referrer):
    link = f"{BASE}/r/{referrer.code}"
    links = links_of(referrer)
    for channel in CHANNELS:
        assert links[channel]["link"] == f"{link}?ch={channel}"
    assert query(links["email"]["url"])["body"] == f"Coba ini: {link}?ch=email"
    assert links["email"]["url"].startswith("mailto:?subject=")
    assert query(links["email"]["url"])["subject"]
    telegram = query(links["telegram"]["url"])
    assert telegram == {"url": f"{link}?ch=telegram", "text": "Coba ini:"}  # not twice
    assert links["telegram"]["url"].startswith("https://t.me/share/url?")
    assert query(links["linkedin"]["url"]) == {"url": f"{link}?ch=linkedin"}
    assert links["linkedin"]["url"].startswith("https://www.linkedin.com/sharing/share-offsite/")
    assert query(links["x"]["url"]) == {"text": "Coba ini:", "url": f"{link}?ch=x"}
    assert query(links["facebook"]["url"]) == {"u": f"{link}?ch=facebook"}
    assert links["facebook"]["url"].startswith("https://www.facebook.com/sharer/sharer.php?")


def test_a_text_without_the_link_gets_it_and_merge_fields_are_filled(referrer):
    links = links_of(referrer, text="Halo dari {name}, kode {code}")
    text = query(links["whatsapp"]["url"])["text"]
    assert text == f"Halo dari Andi, kode {referrer.code} {BASE}/r/{referrer.code}?ch=whatsapp"


def test_the_template_rebuilds_the_url_from_another_text(referrer):
    button = links_of(referrer)["whatsapp"]
    assert sharing.TEXT_PLACEHOLDER in button["template"]
    assert button["template"].replace(sharing.TEXT_PLACEHOLDER, "hai") == "https://wa.me/?text=hai"


def test_the_public_url_makes_the_links(referrer, settings):
    settings.TULAR_PUBLIC_URL = "https://ref.toko.example"
    url = links_of(referrer)["whatsapp"]["url"]
    assert f"https://ref.toko.example/r/{referrer.code}?ch=whatsapp" in unquote(url)


@pytest.mark.parametrize(("ch", "stored"), [("whatsapp", "whatsapp"), ("nope", ""), ("", "")])
def test_a_click_through_a_tagged_link_records_its_channel(referrer, ch, stored):
    response = Client().get(f"/r/{referrer.code}", {"ch": ch} if ch else {})
    assert response.status_code == 302
    click = Click.objects.get(participant=referrer)
    assert click.channel == stored


def test_the_qr_png_decodes_to_the_link_tagged_qr(portal_client, referrer, portal_program):
    response = portal_client.get(f"/portal/p/{portal_program.slug}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and referrer.code in disposition
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [r.text for r in results] == [f"{BASE}/r/{referrer.code}?ch=qr"]


def test_the_qr_svg_is_served(portal_client, referrer, portal_program):
    response = portal_client.get(f"/portal/p/{portal_program.slug}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert f"{referrer.code}.svg" in response["Content-Disposition"]
    assert b"<svg" in response.content
    inline = portal_client.get(f"/portal/p/{portal_program.slug}/qr.svg?inline=1")
    assert "Content-Disposition" not in inline


def test_another_qr_format_is_404(portal_client, portal_program):
    assert portal_client.get(f"/portal/p/{portal_program.slug}/qr.gif").status_code == 404


PAGES = ["", "qr.png", "qr.svg", "kit", "flyer"]


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_goes_to_the_sign_in(anonymous_portal_client, portal_program, page):
    path = f"/portal/p/{portal_program.slug}/{page}"
    response = anonymous_portal_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/sign-in?next=")


@pytest.mark.parametrize("page", PAGES)
def test_another_persons_program_is_404(portal_client, portal_workspace, page):
    other = make_program(portal_workspace, slug="lain")
    make_participant(other, name="Budi", email="budi@example.com")
    assert portal_client.get(f"/portal/p/{other.slug}/{page}").status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_another_workspaces_program_of_the_same_slug_is_404(referrer, page):
    workspace, _ = workspace_get_or_create(slug="lain", name="Lain")
    program = make_program(workspace, slug="sama")
    make_participant(program, name="Budi", email="budi@example.com")
    client = portal_client_for(referrer)
    assert client.get(f"/portal/p/{program.slug}/{page}").status_code == 404


def page_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, response
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("id", ["Tautan referral Anda", "Dapatkan hadiah"]),
        ("en", ["Your referral link", "Get rewarded"]),
    ],
)
def test_the_program_page_shows_the_three_steps(referrer, portal_program, language, words):
    referrer.locale = language
    referrer.save()
    html = page_of(portal_client_for(referrer, language), f"/portal/p/{portal_program.slug}/")
    for word in words:
        assert word in html
    link = f"{BASE}/r/{referrer.code}"
    assert f'data-copy="{link}"' in html
    assert f'data-copy="{referrer.code}"' in html
    assert "wa.me/?text=" in html
    assert f"{referrer.code}%3Fch%3Dwhatsapp" in html  # the button's default text, tagged
    assert 'data-share-source="share-text"' in html
    assert f"/portal/p/{portal_program.slug}/qr.png" in html
    assert f"/portal/p/{portal_program.slug}/rules" in html
    assert f"/portal/p/{portal_program.slug}/activity" in html
    assert html.index("share-btn-whatsapp") < html.index("share-btn-email")


def test_the_program_page_shows_the_managers_messages(referrer, portal_program):
    from tular.programs.copy import copy_save

    copy_save(
        program=portal_program,
        language="id",
        changes={"share_message": "Pakai kode {code} ya", "messages": ["Pesan kedua {link}"]},
    )
    html = page_of(portal_client_for(referrer, "id"), f"/portal/p/{portal_program.slug}/")
    assert f"Pakai kode {referrer.code} ya" in html
    assert f"Pesan kedua {BASE}/r/{referrer.code}" in html


@pytest.mark.parametrize(
    ("language", "word"), [("id", "Tanda tangan email"), ("en", "E-mail signature")]
)
def test_the_kit_has_a_signature_and_a_newsletter_block(referrer, portal_program, language, word):
    referrer.locale = language
    referrer.save()
    html = page_of(portal_client_for(referrer, language), f"/portal/p/{portal_program.slug}/kit")
    assert word in html
    link = f"{BASE}/r/{referrer.code}"
    assert f'<a href="{link}?ch=signature"' in html  # the live preview
    assert f"&lt;a href=&quot;{link}?ch=signature&quot;" in html  # the code to copy
    assert f"{link}?ch=newsletter" in html
    assert f"/portal/p/{portal_program.slug}/flyer" in html


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_flyer_has_the_qr_the_code_and_a_print_button(referrer, portal_program, language):
    referrer.locale = language
    referrer.save()
    client = portal_client_for(referrer, language)
    html = page_of(client, f"/portal/p/{portal_program.slug}/flyer")
    assert "<svg" in html and 'class="flyer-qr-code"' in html
    assert referrer.code in html
    assert f"testserver/r/{referrer.code}" in html
    assert "data-print" in html
    assert "flyer-a4" in html
    assert "flyer-a5" in page_of(client, f"/portal/p/{portal_program.slug}/flyer?size=a5")
    assert "flyer-a4" in page_of(client, f"/portal/p/{portal_program.slug}/flyer?size=zz")


def test_the_flyer_qr_is_the_link_tagged_flyer(portal_client, referrer, portal_program):
    html = page_of(portal_client, f"/portal/p/{portal_program.slug}/flyer")
    expected = sharing.qr_inline_svg(f"{BASE}/r/{referrer.code}?ch=flyer", css="flyer-qr-code")
    assert expected.startswith("<svg") and "viewBox" in expected
    assert expected in html


def test_a_pasted_tagged_link_gets_the_channel_of_the_button():
    link = "http://t/r/ABC"
    text = f"Lihat {link}?ch=email sekarang"
    assert sharing.text_for(text, link=link, channel_link=f"{link}?ch=x", mode="inline") == (
        f"Lihat {link}?ch=x sekarang"
    )
    assert sharing.text_for(text, link=link, channel_link="", mode="separate") == "Lihat sekarang"
    assert sharing.text_for(text, link=link, channel_link="", mode="link") == ""


def test_the_share_message_is_not_repeated_among_the_ready_made_ones(referrer, portal_program):
    html = page_of(portal_client_for(referrer, "id"), f"/portal/p/{portal_program.slug}/")
    assert html.count('class="share-message"') == 2  # the default's three, less the share message


def test_the_signature_escapes_what_a_manager_wrote(referrer, portal_program):
    from tular.programs.copy import copy_for, copy_save

    copy_save(program=portal_program, language="id", changes={"incentive": "<b>Rp50.000</b>"})
    copy = copy_for(program=portal_program, language="id")
    html = sharing.signature_html(
        copy=copy, link="http://x/r/A", colour="#0054a6", workspace_name="T&T"
    )
    assert "&lt;b&gt;Rp50.000&lt;/b&gt;" in html and "T&amp;T" in html


def test_the_share_buttons_partial_renders_standalone(referrer):
    share = sharing.share_panel(participant=referrer, language="en", base_url=BASE)
    html = render_to_string("portal/_share_buttons.html", {"share": share})
    assert html.count('class="btn share-btn ') == 6
    assert "data-share-source" not in html
    assert f"{referrer.code}%3Fch%3Dwhatsapp" in html
    compact = render_to_string(
        "portal/_share_buttons.html", {"share": share, "share_compact": True, "share_source": "t"}
    )
    assert "share-buttons-compact" in compact and 'data-share-source="t"' in compact


def test_the_program_page_starts_with_the_summary_strip(referrer, portal_program):
    Client().get(f"/r/{referrer.code}", {"ch": "whatsapp"})
    html = page_of(portal_client_for(referrer, "en"), f"/portal/p/{portal_program.slug}/")
    assert 'class="card mb-3 portal-summary"' in html
    assert html.index("portal-summary") < html.index('id="step-1"')
