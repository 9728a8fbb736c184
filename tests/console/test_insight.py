"""Story: a manager opens Insight, reads every measure beside its band, enters the month's
costs and outside figures, changes a band, sets a goal, and downloads any table as CSV or XLSX.
Bad input is explained beside its field and changes nothing; a viewer reads but cannot write."""

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.console.conftest import sold
from tular.analytics.models import CostEntry, Goal, InsightSettings, KeptFigure, MonthFigure
from tular.analytics.rollups import rollups_catch_up
from tular.core import clock

PAGES = [
    "/console/insight/",
    "/console/insight/?grain=quarter",
    "/console/insight/costs/",
    "/console/insight/bands/",
    "/console/insight/goals/",
]


def this_month() -> str:
    return f"{clock.now():%Y-%m}"


def cost_post(**change) -> dict:
    return {
        "cost-month": this_month(),
        "cost-kind": "technology",
        "cost-amount": "2.500.000",
        "cost-currency": "IDR",
        "cost-note": "Langganan WhatsApp Business",
        **change,
    }


def xlsx_rows(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("path", PAGES)
def test_every_insight_page_opens_in_indonesian_and_english(owner_client, program, path):
    sold(program, [("Andi", 1500000)])
    response = owner_client.get(path)
    assert response.status_code == 200
    assert "Wawasan" in response.content.decode()  # the menu entry and the page's title
    owner_client.post("/console/account/language/", {"language": "en"})
    english = owner_client.get(path, headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_dashboard_shows_the_measures_bands_scorecard_and_an_empty_goal_list(
    owner_client, program
):
    sold(program, [("Andi", 1500000), ("Budi", 2500000)])
    rollups_catch_up(click_lag_seconds=0)
    page = owner_client.get(f"/console/insight/?program={program.slug}").content.decode()
    assert re.search(
        r'measure-signups">\s*<div class="card-body">\s*<h3[^<]*</h3>\s*'
        r'<div class="kpi-value"><div>2</div>',
        page,
    )
    assert "Rp40.000" in page  # the revenue from referrals
    for what in ("Kartu skor kesehatan", "Corong", "Belum ada target", "Dasbor"):
        assert what in page, what
    assert "measure-referral_rate" in page
    # no cost entered yet: the page says so and leads to the costs page
    assert "insight-no-cost" in page and "/console/insight/costs/" in page


def test_a_manager_enters_a_cost_and_it_shows_in_the_grid(manager_client, program):
    response = manager_client.post(f"/console/insight/costs/?program={program.slug}", cost_post())
    assert response.status_code == 302
    cost = CostEntry.objects.get()
    assert (cost.program, cost.amount, cost.currency, cost.kind) == (
        program,
        250000000,
        "IDR",
        "technology",
    )
    assert cost.month == clock.now().date().replace(day=1)
    page = manager_client.get(response["Location"]).content.decode()
    assert "Rp2.500.000" in page and "Langganan WhatsApp Business" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cost-amount": "-5"}, "amount"),
        ({"cost-amount": "lima"}, "amount"),
        ({"cost-currency": "XYZ"}, "currency"),
        ({"cost-month": "2026-13"}, "month"),
        ({"cost-month": "1999-01"}, "month"),
        ({"cost-kind": "rewards"}, "kind"),
    ],
)
def test_a_bad_cost_is_explained_beside_its_field_and_nothing_is_stored(
    manager_client, program, change, field
):
    response = manager_client.post("/console/insight/costs/", cost_post(**change))
    assert response.status_code == 422
    assert f'id="cost-{field}-error"' in response.content.decode()
    assert not CostEntry.objects.exists()


def test_a_cost_is_deleted(manager_client, program):
    manager_client.post("/console/insight/costs/", cost_post())
    cost = CostEntry.objects.get()
    response = manager_client.post(f"/console/insight/costs/{cost.pk}/delete/")
    assert response.status_code == 302
    assert not CostEntry.objects.exists()


def test_the_outside_figures_of_a_month_are_replaced(manager_client, program):
    url = f"/console/insight/costs/figures/?program={program.slug}"
    body = {
        "figures-month": this_month(),
        "figures-all_new_revenue": "90.000.000",
        "figures-currency": "IDR",
        "figures-other_leads": "40",
        "figures-other_won": "4",
    }
    assert manager_client.post(url, body).status_code == 302
    assert manager_client.post(url, {**body, "figures-other_leads": "55"}).status_code == 302
    figures = {row.key: (row.value, row.currency) for row in MonthFigure.objects.all()}
    assert figures == {
        "all_new_revenue": (9000000000, "IDR"),
        "other_leads": (55, ""),
        "other_won": (4, ""),
    }
    refused = manager_client.post(url, {**body, "figures-other_leads": "-1"})
    assert refused.status_code == 422
    assert 'id="figures-other_leads-error"' in refused.content.decode()
    assert MonthFigure.objects.get(key="other_leads").value == 55


def test_a_viewer_reads_the_costs_but_cannot_enter_one(viewer_client, program):
    assert viewer_client.get("/console/insight/costs/").status_code == 200
    assert viewer_client.post("/console/insight/costs/", cost_post()).status_code == 403
    assert not CostEntry.objects.exists()


def test_bands_are_saved_per_program_and_a_bad_band_changes_nothing(manager_client, program):
    url = f"/console/insight/bands/?program={program.slug}"
    body = {
        "sector": "services",
        "referral_rate_low": "20",
        "referral_rate_high": "35",
        "paid_ads_cost": "1.200.000",
        "paid_ads_currency": "IDR",
    }
    assert manager_client.post(url, body).status_code == 302
    stored = InsightSettings.objects.get(program=program)
    assert stored.sector == "services"
    assert stored.bands == {"referral_rate": {"low": "20", "high": "35"}}
    assert (stored.paid_ads_cost_per_customer, stored.paid_ads_currency) == (120000000, "IDR")

    refused = manager_client.post(url, {**body, "roi_multiple_low": "9", "roi_multiple_high": "4"})
    assert refused.status_code == 422
    assert 'id="roi_multiple_low-error"' in refused.content.decode()
    refused = manager_client.post(url, {**body, "payback_months_high": "-1"})
    assert refused.status_code == 422
    stored.refresh_from_db()
    assert stored.bands == {"referral_rate": {"low": "20", "high": "35"}}


def test_a_goal_is_set_shown_with_its_progress_and_deleted(manager_client, program):
    sold(program, [("Andi", 1500000), ("Budi", 2500000)])
    today = clock.now().date()
    body = {
        "program": program.slug,
        "metric": "referrals",
        "starts_on": today.replace(day=1).isoformat(),
        "ends_on": date(today.year, 12, 31).isoformat(),
        "target": "10",
        "currency": "",
        "note": "Kuartal ini",
    }
    assert manager_client.post("/console/insight/goals/", body).status_code == 302
    goal = Goal.objects.get()
    page = manager_client.get("/console/insight/").content.decode()
    assert f"goal-{goal.pk}" in page and "Kuartal ini" in page
    assert manager_client.post(f"/console/insight/goals/{goal.pk}/delete/").status_code == 302
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target": "-3"}, "target"),
        ({"target": "banyak"}, "target"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"metric": "revenue", "currency": ""}, "currency"),
        ({"metric": "conversion_rate", "target": "120"}, "target"),
        ({"program": "nope"}, "program"),
    ],
)
def test_a_bad_goal_is_explained_beside_its_field(manager_client, program, change, field):
    today = clock.now().date()
    body = {
        "program": program.slug,
        "metric": "referrals",
        "starts_on": today.replace(day=1).isoformat(),
        "ends_on": date(today.year, 12, 31).isoformat(),
        "target": "10",
        **change,
    }
    response = manager_client.post("/console/insight/goals/", body)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.content.decode()
    assert not Goal.objects.exists()


FORMULA = '=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize("table", ["measures", "trend", "funnel", "sources", "scorecard"])
def test_every_dashboard_table_downloads_as_csv_and_xlsx(owner_client, program, table):
    sold(program, [("Andi", 1500000)])
    as_csv = owner_client.get(f"/console/insight/?export=csv&table={table}")
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = csv_rows(as_csv)
    assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)
    as_xlsx = owner_client.get(f"/console/insight/?export=xlsx&table={table}")
    assert as_xlsx.status_code == 200
    assert xlsx_rows(as_xlsx)[0] == tuple(rows[0])


def test_exports_are_formula_safe(manager_client, program):
    manager_client.post("/console/insight/costs/", cost_post(**{"cost-note": FORMULA}))
    as_csv = csv_rows(manager_client.get("/console/insight/costs/?export=csv&table=costs"))
    assert as_csv[1][5] == "'" + FORMULA
    as_xlsx = xlsx_rows(manager_client.get("/console/insight/costs/?export=xlsx&table=costs"))
    assert as_xlsx[1][5] == FORMULA  # kept as text, never a formula
    book = load_workbook(
        io.BytesIO(manager_client.get("/console/insight/costs/?export=xlsx&table=costs").content)
    )
    assert book.active.cell(row=2, column=6).data_type == "s"
    months = xlsx_rows(manager_client.get("/console/insight/costs/?export=xlsx&table=months"))
    assert len(months) == 13  # the header and 12 months


def test_an_unknown_export_is_not_found(owner_client, program):
    assert owner_client.get("/console/insight/?export=pdf").status_code == 404
    assert owner_client.get("/console/insight/?export=csv&table=secrets").status_code == 404


def test_the_goals_and_bands_tables_download(manager_client, program):
    bands = manager_client.get("/console/insight/bands/?export=xlsx&table=bands")
    assert len(xlsx_rows(bands)) == 9  # the header and 8 bands
    goals = manager_client.get("/console/insight/goals/?export=csv&table=goals")
    assert len(csv_rows(goals)) == 1  # the header alone: no goals yet


def test_the_dashboard_reads_a_bounded_number_of_queries(
    owner_client, program, django_assert_max_num_queries
):
    # the rollups, the entered tables and a few indexed reads: the count does not grow with
    # the number of referrals, sales or clicks (no scans in the view)
    sold(program, [(f"Orang {n}", 100000 * (n + 1)) for n in range(12)])
    rollups_catch_up(click_lag_seconds=0)
    # computed afresh (analytics.kept adds a few reads and a write per figure the first time)
    with django_assert_max_num_queries(110) as captured:
        assert owner_client.get("/console/insight/?grain=quarter").status_code == 200
    few = len(captured)
    sold(program, [(f"Lagi {n}", 100000) for n in range(12)])
    rollups_catch_up(click_lag_seconds=0)
    KeptFigure.objects.all().delete()  # afresh again, not what the job kept meanwhile
    with django_assert_max_num_queries(few) as captured:
        assert owner_client.get("/console/insight/?grain=quarter").status_code == 200
