"""Story: a marketing manager who has never seen Tular runs a program from the console, in
Indonesian, in a real Chromium against a real `tular up --demo` (its worker runs the CSV import):
signs in, sets up a two-sided program with the wizard, enrols a participant and downloads their
QR code, imports a CSV with bad rows, approves a reward, pays out, and switches the language.
Then every main page is photographed at desktop and tablet width (test-artifacts/screenshots/).
"""

import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.console import DESKTOP, TABLET, new_tab, running_demo, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PROGRAM = "Ajak Teman Jalan-Jalan"
FRIEND = ("Sari Wulandari", "sari.wulandari@contoh.id")
IMPORTED = ("Bima Prakoso", "bima.prakoso@contoh.id")


@pytest.fixture(scope="module")
def demo_up(module_env, tmp_path_factory):
    yield from running_demo(module_env, tmp_path_factory)


def card(tab, heading: str):
    """The card whose header is `heading`."""
    return tab.locator(".card", has=tab.get_by_role("heading", name=heading, exact=True))


def menu(tab, entry: str):
    """An entry of the side menu."""
    return tab.get_by_role("complementary", name="Menu utama").get_by_role(
        "link", name=entry, exact=True
    )


def flash(tab):
    return tab.locator(".flash-messages")


def create_a_two_sided_program(tab, base_url: str) -> None:
    menu(tab, "Program").click()
    tab.get_by_role("link", name="Program baru").click()
    # Kind: a customer program
    tab.locator("label.form-selectgroup-item", has_text="Referensi pelanggan").click()
    tab.get_by_label("Nama", exact=True).fill(PROGRAM)
    tab.get_by_role("button", name="Lanjut").click()
    # Currency and link
    expect(tab.get_by_label("Mata uang")).to_have_value("IDR")
    tab.get_by_label("URL tujuan").fill("https://toko.example/daftar")
    tab.get_by_role("button", name="Lanjut").click()
    # The incentive, typed as a manager would: 10 % of the sale, Rp50.000 for the friend
    referrer = card(tab, "Hadiah untuk pengajak")
    referrer.get_by_label("Pengajak mendapat", exact=True).select_option(
        label="persentase dari penjualan"
    )
    referrer.get_by_role("combobox", name="Kapan").select_option(
        label="pelanggan yang diajak membayar"
    )
    referrer.get_by_role("textbox", name="Persentase").fill("10")
    friend = card(tab, "Hadiah untuk teman (dua arah, opsional)")
    friend.get_by_label("Teman mendapat", exact=True).select_option(label="jumlah tetap")
    friend.get_by_role("combobox", name="Kapan").select_option(label="mereka mendaftar")
    friend.get_by_role("textbox", name="Jumlah").fill("Rp50.000")
    example = tab.get_by_label("Contoh penjualan (IDR)")
    example.clear()
    example.press_sequentially("2.500.000")
    # the live preview, computed by the rules engine: 10 % of Rp2.500.000, and Rp50.000
    preview = tab.locator("#reward-preview")
    expect(preview).to_contain_text("Rp2.500.000")
    expect(preview.locator("[data-preview=referrer]")).to_contain_text("Rp250.000")
    expect(preview.locator("[data-preview=friend]")).to_contain_text("Rp50.000")
    tab.get_by_role("button", name="Lanjut").click()
    # Holds and approval: the defaults
    expect(tab.get_by_label("Masa tunggu (hari)")).to_be_visible()
    tab.get_by_role("button", name="Lanjut").click()
    # Review, then create
    expect(tab.locator("main")).to_contain_text("Anda mendapat 10%")
    tab.get_by_role("button", name="Buat program").click()
    tab.wait_for_url(re.compile(r"/console/programs/[a-z0-9-]+/$"))
    expect(flash(tab)).to_contain_text(f"Program “{PROGRAM}” dibuat.")
    expect(tab.get_by_role("heading", level=1)).to_contain_text(PROGRAM)
    rules = card(tab, "Aturan dalam bahasa sederhana")
    expect(rules.locator("li", has_text=re.compile(r"10%.*membayar"))).to_have_count(1)
    friend_rule = re.compile(r"Teman Anda.*Rp50\.000.*mendaftar")
    expect(rules.locator("li", has_text=friend_rule)).to_have_count(1)


def enrol_and_download_the_qr(tab, tmp_path: Path) -> None:
    menu(tab, "Peserta").click()
    tab.get_by_role("link", name="Tambah peserta").click()
    tab.get_by_label("Program", exact=True).select_option(label=PROGRAM)
    tab.get_by_label("Nama", exact=True).fill(FRIEND[0])
    tab.get_by_label("Email", exact=True).fill(FRIEND[1])
    tab.get_by_role("button", name="Tambah peserta").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text(FRIEND[0])
    link = tab.get_by_label("Tautan referral").input_value()
    assert re.fullmatch(r"https?://[^/]+/r/[A-Za-z0-9]+", link), link
    with tab.expect_download() as download_info:
        tab.get_by_role("link", name="PNG").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".png")
    png = tmp_path / download.suggested_filename
    download.save_as(png)
    decoded = zxingcpp.read_barcodes(Image.open(png))
    assert [barcode.text for barcode in decoded] == [link]


def import_a_csv_with_bad_rows(tab) -> None:
    rows = [
        "email,name",
        f"{IMPORTED[1]},{IMPORTED[0]}",
        "bukan-email,Tanpa Alamat",
        f"{IMPORTED[1].upper()},{IMPORTED[0]} lagi",
        f"{FRIEND[1]},{FRIEND[0]}",
    ]
    menu(tab, "Peserta").click()
    tab.get_by_role("link", name="Impor CSV").click()
    tab.get_by_label("Berkas CSV").set_input_files(
        files=[
            {
                "name": "peserta-baru.csv",
                "mimeType": "text/csv",
                "buffer": ("\n".join(rows) + "\n").encode(),
            }
        ]
    )
    tab.get_by_label("Program", exact=True).select_option(label=PROGRAM)
    tab.get_by_role("button", name="Impor", exact=True).click()
    # The worker of `tular up` runs it; the page follows its progress and then shows the report.
    report = card(tab, "Laporan per baris")
    expect(report).to_be_visible(timeout=30_000)
    table = report.locator("tbody tr")
    expect(table).to_have_count(4)
    cells = [row.locator("td").all_inner_texts() for row in table.all()]
    by_row = {cell[0].strip(): [text.strip() for text in cell[1:]] for cell in cells}
    assert by_row["2"][:2] == [IMPORTED[1], "dibuat"], by_row
    assert by_row["3"][1:] == ["ditolak", "Alamat email tidak valid."], by_row
    assert by_row["4"][1] == "ditolak", by_row
    assert by_row["4"][2].startswith("Orang yang sama sudah muncul sebelumnya di berkas."), by_row
    assert by_row["5"][:2] == [FRIEND[1], "sudah terdaftar"], by_row
    # the good row's participant exists, with their own link
    report.get_by_role("link", name=IMPORTED[1]).click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text(IMPORTED[0])
    expect(tab.get_by_label("Tautan referral")).to_have_value(re.compile(r"/r/[A-Za-z0-9]+$"))


def approve_a_reward(tab) -> str:
    """Approve one reward that needs review; returns its program's name."""
    menu(tab, "Hadiah").click()
    queue_tab = tab.get_by_role("link", name=re.compile(r"^Antrean tinjauan"))
    waiting = int(queue_tab.locator(".badge").inner_text())
    row = tab.locator("tbody tr", has=tab.locator(".badge", has_text="perlu ditinjau")).first
    program = row.locator("td").nth(1).locator(".small").inner_text().split(" · ")[0]
    button = row.get_by_role("button", name=re.compile(r"^Setujui"))
    reward_id = button.get_attribute("value")
    button.click()
    expect(flash(tab)).to_contain_text("disetujui")
    expect(tab.locator(f"button[value='{reward_id}']")).to_have_count(0)
    expect(queue_tab.locator(".badge")).to_have_text(str(waiting - 1))
    return program


def pay_out(tab, program: str) -> None:
    menu(tab, "Pembayaran").click()
    create = card(tab, "Draf pembayaran baru")
    create.get_by_label("Program").select_option(label=program)
    create.get_by_label("Mata uang").select_option("IDR")
    create.get_by_role("button", name="Buat draf").click()
    tab.wait_for_url(re.compile(r"/console/payouts/[0-9a-f-]{36}/$"))
    heading = tab.get_by_role("heading", level=1)
    expect(heading).to_contain_text(program)
    expect(heading.locator(".badge")).to_have_text("draf")
    tab.get_by_role("button", name="Kirim").click()
    expect(heading.locator(".badge")).to_have_text("terkirim")
    tab.get_by_role("button", name="Tandai dibayar").click()
    expect(flash(tab)).to_contain_text("dibayar")
    expect(heading.locator(".badge")).to_have_text("dibayar")


def switch_language(tab) -> None:
    menu(tab, "Ringkasan").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Ringkasan")
    tab.get_by_role("button", name="EN", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Overview")
    expect(tab.get_by_role("link", name="Participants", exact=True)).to_be_visible()
    expect(tab.locator("html")).to_have_attribute("lang", "en")
    tab.get_by_role("button", name="ID", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Ringkasan")
    expect(tab.get_by_role("link", name="Peserta", exact=True)).to_be_visible()
    expect(tab.locator("html")).to_have_attribute("lang", "id")


def test_a_manager_runs_a_program_from_the_console_in_indonesian(browser, demo_up, tmp_path):
    tab = new_tab(browser, language="id")
    # given the manager `tular up` created, signed in at /console/
    sign_in(tab, demo_up.url, email_label="Email", password_label="Kata sandi", button="Masuk")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Ringkasan")
    # when they set up, enrol, import, review, pay out and switch languages
    create_a_two_sided_program(tab, demo_up.url)
    enrol_and_download_the_qr(tab, tmp_path)
    import_a_csv_with_bad_rows(tab)
    program = approve_a_reward(tab)
    pay_out(tab, program)
    switch_language(tab)
    # then nothing went wrong on the way: no script error, every asset and request answered
    assert tab.problems == []
    tab.context.close()


def too_wide(tab) -> list[str]:
    """The elements that stick out of the window on the right (the page scrolls sideways)."""
    return tab.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          return [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .slice(0, 8)
            .map((el) => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
        }"""
    )


def wizard_incentive_step(tab, base_url: str) -> str:
    """The wizard's incentive step (with the live preview) of a new setup: its steps live in
    the session, so each browser context walks there itself."""
    tab.goto(base_url + "/console/programs/new/")
    tab.locator("label.form-selectgroup-item", has_text="Referensi pelanggan").click()
    tab.get_by_label("Nama", exact=True).fill("Program Foto")
    tab.get_by_role("button", name="Lanjut").click()
    tab.get_by_label("URL tujuan").fill("https://toko.example/")
    tab.get_by_role("button", name="Lanjut").click()
    tab.wait_for_url(re.compile(r"/incentive/$"))
    return tab.url.removeprefix(base_url)


def discover_pages(tab, base_url: str) -> dict[str, str]:
    """The main pages, the detail ones found as a manager would (the first row of each list);
    the import report from a small import made here, so this test stands on its own."""
    pages = {
        "overview": "/console/",
        "programs": "/console/programs/",
        "participants": "/console/participants/",
        "referrals": "/console/referrals/",
        "flagged": "/console/referrals/flagged/",
        "rewards": "/console/rewards/",
        "payouts": "/console/payouts/",
        "settings": "/console/settings/",
        "team": "/console/settings/team/",
        "audit": "/console/settings/audit/",
    }

    def first_link(list_path: str, pattern: str) -> str:
        tab.goto(base_url + list_path)
        link = tab.locator(f"main tbody a[href*='{pattern}']").first
        return link.get_attribute("href")

    pages["program"] = first_link("/console/programs/", "/console/programs/")
    pages["participant"] = first_link("/console/participants/", "/console/participants/")
    pages["payout"] = first_link("/console/payouts/", "/console/payouts/")
    # the wizard's first step (a new setup each time)
    pages["wizard-kind"] = "/console/programs/new/"
    # an import's report
    tab.goto(base_url + "/console/participants/import/")
    csv = "program,email,name\najak-teman,foto@contoh.id,Foto\najak-teman,salah,Salah\n"
    tab.get_by_label("Berkas CSV").set_input_files(
        files=[{"name": "foto.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    tab.get_by_role("button", name="Impor", exact=True).click()
    expect(card(tab, "Laporan per baris")).to_be_visible(timeout=30_000)
    pages["import-report"] = tab.url.removeprefix(base_url)
    return pages


def test_screenshots_of_the_main_pages_at_desktop_and_tablet_width(browser, demo_up):
    # given the main pages of the console, in Indonesian
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = new_tab(browser, language="id")
    sign_in(tab, demo_up.url, email_label="Email", password_label="Kata sandi", button="Masuk")
    pages = discover_pages(tab, demo_up.url)
    tab.context.close()
    # when each is opened at desktop and at tablet width
    written = []
    for width_name, viewport in (("desktop", DESKTOP), ("tablet", TABLET)):
        tab = new_tab(browser, language="id", viewport=viewport)
        sign_in(tab, demo_up.url, email_label="Email", password_label="Kata sandi", button="Masuk")
        steps = {"wizard-incentive": wizard_incentive_step(tab, demo_up.url)}
        for name, path in (pages | steps).items():
            response = tab.goto(demo_up.url + path)
            assert response is not None and response.status == 200, (name, path)
            # then nothing is wider than the window: wide tables scroll inside their card
            wider = too_wide(tab)
            assert wider == [], f"{width_name} {name} is wider than the window: {wider}"
            target = SCREENSHOTS / f"{width_name}-{name}.png"
            tab.screenshot(path=target, full_page=True)
            written.append(target)
        # and every page drew without a script error or a failed asset
        assert tab.problems == [], width_name
        tab.context.close()
    assert all(path.stat().st_size > 10_000 for path in written)
