"""Story: a manager opens Insight in a real Chromium (Indonesian, desktop then phone), sees the
measures with their bands, the charts drawn by the vendored Chart.js and the scorecard, switches
to quarters, and downloads the measures as XLSX and the funnel as CSV; the files open (openpyxl,
csv) with the same header the page's export promises."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.console.conftest import sold
from tests.e2e.console import new_tab
from tests.rewards.books import make_program
from tular.analytics.rollups import rollups_catch_up
from tular.core import clock
from tular.workspaces.models import Membership, Role
from tular.workspaces.services import workspace_get_or_create

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
EMAIL = "manajer@toko.example"
PASSWORD = "rahasia-wawasan-8642"


@pytest.fixture
def shop(transactional_db):
    workspace, _ = workspace_get_or_create(slug="toko", name="Toko Maju")
    user = get_user_model().objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD)
    Membership.objects.create(
        workspace=workspace, user=user, role=Role.MANAGER, created_at=clock.now()
    )
    program = make_program(workspace, name="Ajak Teman")
    sold(program, [("Andi", 1500000), ("Budi", 2500000), ("Citra", 900000)])
    rollups_catch_up(click_lag_seconds=0)  # what the worker does every 30 s
    return program


def sign_in(tab, url: str, path: str) -> None:
    tab.goto(f"{url}{path}")
    tab.get_by_label("Email", exact=True).fill(EMAIL)
    tab.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Masuk", exact=True).click()
    tab.wait_for_url(f"{url}{path}")


def test_the_dashboard_draws_its_charts_and_downloads_its_tables(
    browser, live_server, shop, tmp_path
):
    tab = new_tab(browser, language="id")
    sign_in(tab, live_server.url, "/console/insight/")
    expect(tab.get_by_role("heading", name="Wawasan", exact=True)).to_be_visible()
    expect(tab.get_by_role("link", name="Wawasan")).to_have_attribute("aria-current", "page")
    expect(tab.locator(".measure-signups .kpi-value")).to_have_text("3")
    expect(tab.get_by_role("heading", name="Kartu skor kesehatan")).to_be_visible()
    # every chart is drawn (Chart.js marks the canvas once it has drawn it)
    for chart in ("chart-trend", "chart-roi", "chart-funnel", "chart-sources"):
        expect(tab.locator(f'canvas[data-insight-chart="{chart}"]')).to_have_attribute(
            "data-drawn", "1"
        )

    # the measures as XLSX from the page's export menu
    tab.get_by_role("button", name="Ekspor ukuran").click()
    with tab.expect_download() as download_info:
        tab.get_by_role("link", name="Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("Kelompok", "Ukuran", "Nilai", "Rentang", "Keadaan")
    assert rows[1][:3] == ("Volume", "Referral", "3")

    # quarters, then the funnel as CSV
    tab.get_by_label("Panjang periode").select_option("quarter")
    tab.wait_for_url("**grain=quarter**")
    with tab.expect_download() as download_info:
        tab.locator(".export-funnel").get_by_role("link", name="CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    funnel = list(csv.reader(io.StringIO(text)))
    assert funnel[0] == ["Langkah", "Jumlah", "Dari langkah sebelumnya (%)", "Yang gugur (%)"]
    assert [row[0] for row in funnel[1:]] == ["Klik", "Pendaftaran", "Menang / bayar"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / "insight-dashboard-id-desktop.png", full_page=True)
    assert tab.problems == []

    # on a phone nothing scrolls sideways
    phone = new_tab(browser, language="id", viewport=PHONE)
    sign_in(phone, live_server.url, "/console/insight/")
    expect(phone.locator(".measure-signups .kpi-value")).to_have_text("3")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls {overflow}px sideways on a phone"
    phone.screenshot(path=SCREENSHOTS / "insight-dashboard-id-phone.png", full_page=True)
    assert phone.problems == []
    phone.context.close()
    tab.context.close()
