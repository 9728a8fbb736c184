"""analytics.measures against hand-computed examples of the seeds' formulas (R41-R45).

The first tests state a month's daily rollups (`DayFigure`, derived data the worker writes)
and the entered figures directly, so every formula is checked on round numbers; the last ones
go through the real API and the real rollup job (medians, referrers, clicks)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.analytics.test_metrics import march, utc  # noqa: F401 - the fixture
from tests.helpers import PROGRAM_BODY
from tular.analytics import measures as M
from tular.analytics.bands import bands_update
from tular.analytics.metrics import Period
from tular.analytics.models import CostEntry, DayFigure, MonthFigure, ReferrerStat
from tular.analytics.rollups import rollups_catch_up
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Referral, ReferralChange

MARCH = Period(first=date(2026, 3, 1), last=date(2026, 3, 31))
TODAY = date(2026, 4, 1)


def D(text: str) -> Decimal:
    return Decimal(text)


def put(program, day: date, **figures) -> None:
    """Rollup rows of one day: key=value for counts, key=(value, currency) for money."""
    for key, value in figures.items():
        key = key.replace("__", ".")
        amount, currency = value if isinstance(value, tuple) else (value, "")
        DayFigure.objects.create(program=program, day=day, key=key, currency=currency, value=amount)


@pytest.fixture
def idr(workspace, program) -> Program:
    return Program.objects.get(workspace=workspace, slug=program["slug"])


@pytest.fixture
def usd(api, workspace, program) -> Program:
    body = {**PROGRAM_BODY, "slug": "mitra", "name": "Mitra", "currency": "USD"}
    body.pop("auto_approve_below", None)
    response = api.post("/api/v1/programs", body)
    assert response.status_code == 201, response.content
    return Program.objects.get(workspace=workspace, slug="mitra")


@pytest.fixture
def march_figures(workspace, idr):
    """A March of the IDR program, spread over two days (a period's figure is their sum)."""
    put(
        idr,
        date(2026, 3, 2),
        clicks=600,
        referrals=60,
        referrals__customer=50,
        referrals__partner=10,
        leads=25,
        customers=6,
        customers__customer=5,
        customers__partner=1,
        qualified=7,
        won=3,
        cohort_opportunities=10,
        cohort_won=2,
        cohort_customers=6,
        cohort_contacted_48h=20,
        rewards_paid=5,
        rewards_paid_7d=4,
        revenue=(30_000_000, "IDR"),
        revenue__customer=(25_000_000, "IDR"),
        revenue__partner=(5_000_000, "IDR"),
        first_sales_amount=(12_000_000, "IDR"),
        won_value=(9_000_000, "IDR"),
        rewards=(3_000_000, "IDR"),
    )
    put(
        idr,
        date(2026, 3, 31),
        clicks=400,
        referrals=40,
        referrals__customer=30,
        referrals__partner=10,
        leads=15,
        customers=4,
        customers__customer=3,
        customers__partner=1,
        qualified=5,
        won=2,
        cohort_opportunities=6,
        cohort_won=2,
        cohort_customers=4,
        cohort_contacted_48h=10,
        rewards_paid=3,
        rewards_paid_7d=2,
        revenue=(20_000_000, "IDR"),
        revenue__customer=(15_000_000, "IDR"),
        revenue__partner=(5_000_000, "IDR"),
        first_sales_amount=(8_000_000, "IDR"),
        won_value=(6_000_000, "IDR"),
        rewards=(2_000_000, "IDR"),
    )
    # Outside the period: never counted.
    put(idr, date(2026, 2, 28), referrals=999, revenue=(999_999, "IDR"))
    put(idr, date(2026, 4, 1), referrals=999, revenue=(999_999, "IDR"))
    # A second currency in the same program: its revenue stays apart.
    put(idr, date(2026, 3, 15), revenue=(1_000, "USD"))
    CostEntry.objects.create(
        workspace=workspace,
        program=idr,
        month=date(2026, 3, 1),
        kind="technology",
        amount=5_000_000,
        currency="IDR",
    )
    for key, value, currency in (
        ("other_leads", 200, ""),
        ("other_opportunities", 40, ""),
        ("other_won", 10, ""),
        ("all_new_revenue", 200_000_000, "IDR"),
    ):
        MonthFigure.objects.create(
            workspace=workspace,
            program=idr,
            month=date(2026, 3, 1),
            key=key,
            value=value,
            currency=currency,
        )
    bands_update(
        workspace=workspace,
        program=idr,
        sector="b2b_saas",
        bands={},
        paid_ads_cost_per_customer=5_000_000,
        paid_ads_currency="IDR",
    )


def test_a_month_of_one_program(workspace, idr, march_figures):
    m = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    # volume and source mix
    assert (m.clicks, m.signups, m.leads, m.customers, m.qualified, m.won) == (
        1000,
        100,
        40,
        10,
        12,
        5,
    )
    assert m.signups_by_source == {"customer": 80, "partner": 20, "employee": 0, "network": 0}
    assert m.source_mix == {"customer": D("80"), "partner": D("20"), "employee": 0, "network": 0}
    # conversion split (R56): 16 of 40 leads became opportunities, 4 of the 16 were won.
    assert m.referral_to_opportunity == D("40")
    assert m.opportunity_to_won == D("25")
    assert m.lead_to_won == D("10")
    assert m.referral_to_customer == D("10")  # 10 of the 100 referrals bought
    # other channels: 40 of 200 leads, 10 won = 5 %; referred 10 % = 2x
    assert (m.other_referral_to_opportunity, m.other_opportunity_to_won) == (D("20"), D("25"))
    assert m.other_lead_to_won == D("5")
    assert m.conversion_multiple == D("2")
    assert m.contacted_48h_share == D("75")  # 30 of 40 leads
    assert m.rewards_paid_7d_share == D("75")  # 6 of 8
    # money, never mixed
    assert m.revenue == {"IDR": 50_000_000, "USD": 1_000}
    assert m.revenue_by_source["customer"] == {"IDR": 40_000_000}
    assert m.deal_size == {"IDR": 2_000_000}  # 20 000 000 / 10 first sales
    assert m.won_deal_size == {"IDR": 3_000_000}  # 15 000 000 / 5 deals
    assert m.revenue_share == {"IDR": D("25")}  # 50 of 200 million
    assert m.rewards == {"IDR": 5_000_000}
    assert m.costs == {"IDR": 5_000_000}
    assert m.cost_entered
    assert m.program_cost == {"IDR": 10_000_000}
    assert m.roi_percent == {"IDR": D("400")}  # (50 - 10) / 10 * 100
    assert m.roi_multiple == {"IDR": D("5")}
    assert m.cost_per_referral == {"IDR": 100_000}
    assert m.cost_per_customer == {"IDR": 1_000_000}
    # payback: 10 million / (50 million per 31 days) in months of 30.4375 days
    assert m.payback_months == {"IDR": D("0.20")}
    assert m.cac_multiple == {"IDR": D("5")}  # paid ads 5 000 000 / ours 1 000 000
    assert "USD" not in m.roi_percent  # no cost in USD: no ratio in USD
    # the funnel with drop-off
    assert [(s.key, s.count, s.rate, s.drop_off) for s in m.funnel] == [
        ("clicks", 1000, None, None),
        ("signups", 100, D("10"), D("90")),
        ("qualified", 12, D("12"), D("88")),
        ("won_or_paid", 5, D("41.67"), D("58.33")),
    ]
    # bands
    j = m.judgements
    assert (j["roi_multiple"].position, j["roi_multiple"].good) == ("in_band", True)
    assert (j["conversion_multiple"].position, j["conversion_multiple"].good) == (
        "in_band",
        True,
    )
    assert (j["revenue_share"].position, j["revenue_share"].good) == ("below", False)
    assert (j["payback_months"].position, j["payback_months"].good) == ("in_band", True)
    assert j["referral_rate"].position is None  # nobody referred through a Referral row


def test_a_period_across_months_prorates_the_entered_figures(workspace, idr, march_figures):
    # 15 Feb - 14 Mar: 14 of March's 31 days; February has nothing entered.
    period = Period(first=date(2026, 2, 15), last=date(2026, 3, 14))
    m = M.measures(workspace=workspace, program=idr, period=period, today=TODAY)
    assert m.costs == {"IDR": 2_258_065}  # 5 000 000 * 14 / 31 = 2 258 064.52
    assert m.all_new_revenue == {"IDR": 90_322_581}
    assert m.other_leads == D("90.32")
    assert m.revenue == {"IDR": 999_999 + 30_000_000}  # 28 Feb and 2 Mar; the USD on 15 Mar


def test_the_workspace_sums_programs_per_currency(workspace, idr, usd, march_figures):
    put(usd, date(2026, 3, 5), referrals=10, revenue=(2_000, "USD"), rewards=(500, "USD"))
    CostEntry.objects.create(  # the workspace's own cost: only in its totals
        workspace=workspace,
        month=date(2026, 3, 1),
        kind="management",
        amount=1_000_000,
        currency="IDR",
    )
    m = M.measures(workspace=workspace, program=None, period=MARCH, today=TODAY)
    assert m.signups == 110
    assert m.revenue == {"IDR": 50_000_000, "USD": 3_000}
    assert m.program_cost == {"IDR": 11_000_000, "USD": 500}
    assert m.roi_percent == {"IDR": D("354.55"), "USD": D("500")}
    assert m.roi_multiple == {"IDR": D("4.55"), "USD": D("6")}
    # The IDR program alone does not carry the workspace's cost.
    alone = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    assert alone.program_cost == {"IDR": 10_000_000}
    # The USD program: rewards, but nothing entered.
    other = M.measures(workspace=workspace, program=usd, period=MARCH, today=TODAY)
    assert other.cost_entered is False
    assert other.roi_multiple == {"USD": D("4")}
    assert "costs" in other.notes
    assert other.revenue_share == {}
    assert "revenue_share" in other.notes
    assert other.conversion_multiple is None and "conversion_multiple" in other.notes


def test_a_program_with_no_cost_says_so(workspace, usd):
    put(usd, date(2026, 3, 5), referrals=10, customers=2, revenue=(2_000, "USD"))
    m = M.measures(workspace=workspace, program=usd, period=MARCH, today=TODAY)
    assert m.revenue == {"USD": 2_000}
    assert m.program_cost == {}
    assert m.roi_percent == {} and m.roi_multiple == {} and m.payback_months == {}
    assert m.notes["roi_percent"] == "no cost entered"
    assert m.judgements["roi_multiple"].position is None


def test_an_empty_period(workspace, idr):
    m = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    assert (m.clicks, m.signups, m.customers, m.referrers) == (0, 0, 0, 0)
    assert m.referral_rate is None and m.lead_to_won is None
    assert m.revenue == {} and m.program_cost == {} and m.roi_percent == {}
    assert m.time_to_reward == M.Median(None, 0)
    assert m.top10_share is None and m.concentration_alert is False
    assert all(step.rate is None for step in m.funnel)
    assert m.as_dict()["referral_rate"] is None


def test_several_currencies_of_first_sales_give_no_deal_size(workspace, idr):
    put(
        idr,
        date(2026, 3, 5),
        customers=2,
        first_sales_amount=(1_000, "IDR"),
    )
    put(idr, date(2026, 3, 6), first_sales_amount=(10, "USD"))
    m = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    assert m.deal_size == {}
    assert "deal_size" in m.notes


def test_lifetime_value_by_source(workspace, idr):
    put(
        idr,
        date(2025, 6, 1),
        customers__customer=2,
        revenue__customer=(3_000_000, "IDR"),
        customers__partner=1,
        revenue__partner=(100, "USD"),
    )
    put(idr, date(2026, 3, 1), customers__customer=1, revenue__customer=(3_000_000, "IDR"))
    put(idr, date(2026, 3, 2), revenue__partner=(5_000, "IDR"))
    m = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    assert m.lifetime_value_by_source["customer"] == {"IDR": 2_000_000}  # 6 000 000 / 3
    assert m.lifetime_value_by_source["partner"] == {}  # USD and IDR: not mixed


def test_referrers_active_repeat_and_the_top_share(workspace, idr):
    """20 referrers: one made 80 of 100 referrals (the top 5 % = 1 person) → the alert."""
    now = datetime(2026, 4, 1, tzinfo=UTC)
    for i in range(20):
        person = Participant.objects.create(
            workspace=workspace,
            program=idr,
            email=f"r{i}@example.com",
            kind="customer",
            code=f"REF{i:04d}",
        )
        made = 80 if i == 0 else (2 if i == 1 else 1)
        last = now - timedelta(days=30 if i < 10 else 200 if i < 15 else 400)
        ReferrerStat.objects.create(
            participant=person,
            program=idr,
            first_referred_at=last - timedelta(days=1),
            last_referred_at=last,
            referrals=made,
        )
    m = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    assert m.referrers == 20
    assert (m.active_referrers_90d, m.active_referrers_12m) == (10, 15)
    assert m.repeat_referrers == 2  # the 80 and the 2
    assert m.top5_share == D("80")  # 1 of 20 made 80 of 100
    assert m.top10_share == D("82")  # 2 of 20: 80 + 2
    assert m.concentration_alert is True


def test_series_by_month_and_quarter(workspace, idr, march_figures):
    months = M.series(workspace=workspace, program=idr, grain="month", count=3, today=TODAY)
    assert [p.period.first for p in months] == [
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
    ]
    assert [p.counts.get("referrals", 0) for p in months] == [999, 100, 999]
    assert months[1].money["revenue"] == {"IDR": 50_000_000, "USD": 1_000}
    assert months[1].referral_to_customer == D("10")
    quarters = M.series(workspace=workspace, grain="quarter", count=2, today=TODAY)
    assert [p.period for p in quarters] == [
        Period(date(2026, 1, 1), date(2026, 3, 31)),
        Period(date(2026, 4, 1), date(2026, 6, 30)),
    ]
    assert quarters[0].counts["referrals"] == 1099
    with pytest.raises(ValueError):
        M.series(workspace=workspace, grain="week", today=TODAY)


# ------------------------------------------------------- through the real API and rollup job


def lead(idr, referrer, name: str, created: datetime, moves: list[tuple[str, float]]):
    """A lead submitted to the pipeline at `created`, moved to each (status, hours later)."""
    referral = Referral.objects.create(
        workspace=idr.workspace,
        program=idr,
        participant=referrer,
        name=name,
        email=f"{name}@example.com",
        status=moves[-1][0] if moves else "submitted",
        intake="form",
        created_at=created,
    )
    before = "submitted"
    for status, after in moves:
        ReferralChange.objects.create(
            referral=referral,
            from_status=before,
            to_status=status,
            at=created + timedelta(hours=after),
            actor="test",
        )
        before = status
    return referral


@pytest.mark.usefixtures("march")
def test_the_real_rows_through_the_rollup_job(workspace, idr):
    andi = Participant.objects.get(program=idr, external_id="cust_42")
    start = utc(2026, 3, 5)
    # Time to contact 10, 30 and 60 h (median 30 h; 2 of the 4 leads within 48 h); won after
    # 100 h and 200 h (median 150 h: the sales cycle 6.25 days).
    lead(idr, andi, "lia", start, [("contacted", 10), ("qualified", 20), ("won", 100)])
    lead(idr, andi, "mia", start, [("contacted", 30), ("qualified", 40), ("won", 200)])
    lead(idr, andi, "nia", start, [("contacted", 60), ("lost", 70)])
    lead(idr, andi, "oki", start, [])
    rollups_catch_up(click_lag_seconds=0)
    m = M.measures(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    figures = M.api_figures(workspace=workspace, program=idr, period=MARCH)
    # The rollups agree with the figures read from the source rows.
    assert m.signups == figures["signups"] == 6  # cici, dodi and the four leads
    assert m.referring_participants == figures["referring_participants"] == 1
    assert m.all_customers == figures["participants_total"]
    assert m.referral_rate == Decimal(figures["referral_rate"])
    assert m.revenue == {r["currency"]: r["amount"] for r in figures["revenue"]}
    assert m.rewards == {r["currency"]: r["amount"] for r in figures["rewards"]}
    assert m.customers == 1  # cici's first sale (budi's was in February, dodi's in April)
    assert (m.leads, m.qualified, m.won, m.lost) == (4, 2, 2, 1)
    assert (m.cohort_opportunities, m.cohort_won) == (2, 2)
    assert m.referral_to_opportunity == D("50") and m.opportunity_to_won == D("100")
    assert m.time_to_contact == M.Median(D("30.00"), 3)
    assert m.contacted_48h_share == D("50")
    assert m.time_to_close == M.Median(D("150.00"), 2)
    assert m.sales_cycle_days == D("6.25")
    assert m.repeat_referrers_period == 1  # Andi referred 6 times in March
    assert (m.referrers, m.repeat_referrers) == (1, 1)
    assert m.top10_share == D("100")
