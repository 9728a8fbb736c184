"""analytics.scorecard (R56) and analytics.bands: each check passes, fails, or cannot tell, on
hand-built rollups of February and March 2026."""

from datetime import date
from decimal import Decimal

import pytest

from tests.analytics.test_measures import MARCH, TODAY, idr, march_figures, put  # noqa: F401
from tular.analytics import bands as B
from tular.analytics.metrics import Period
from tular.analytics.models import DayFigure, InsightSettings
from tular.analytics.scorecard import previous_period, scorecard
from tular.core.errors import Invalid


def by_key(checks) -> dict:
    return {check.key: check for check in checks}


def test_the_period_before_has_the_same_length():
    assert previous_period(MARCH) == Period(date(2026, 1, 29), date(2026, 2, 28))


@pytest.mark.usefixtures("march_figures")
def test_a_healthy_march_against_a_weaker_february(workspace, idr):  # noqa: F811
    DayFigure.objects.filter(day=date(2026, 2, 28)).delete()
    put(idr, date(2026, 2, 10), referrals=50)
    checks = by_key(scorecard(workspace=workspace, program=idr, period=MARCH, today=TODAY))
    assert checks["volume_growing"].passed is True  # 100 against 50
    assert checks["volume_growing"].value == "100 / 50"
    assert checks["conversion_vs_other"].passed is True  # 2x, the band's low end
    assert checks["referred_not_underperforming"].passed is True  # 10 % against 5 %
    assert checks["roi_in_band"].passed is True  # 5x
    assert checks["roi_in_band"].value == "5"
    # No Referral rows: nobody referred twice; no lead contacted, no reward paid, no referrer.
    assert checks["repeat_referrers_rising"].passed is None
    assert checks["contact_within_48h"].passed is None
    assert checks["contact_within_48h"].why
    assert checks["time_to_reward"].passed is None
    assert checks["referrals_spread"].passed is None


@pytest.mark.usefixtures("march_figures")
def test_falling_volume_and_a_roi_under_2x_fail(workspace, idr):  # noqa: F811
    put(idr, date(2026, 2, 10), referrals=500)
    put(idr, date(2026, 3, 20), rewards=(20_000_000, "IDR"))  # cost 30 million: 1.67x
    checks = by_key(scorecard(workspace=workspace, program=idr, period=MARCH, today=TODAY))
    assert checks["volume_growing"].passed is False
    assert checks["roi_in_band"].passed is False
    assert checks["roi_in_band"].value == "1.67"


@pytest.mark.usefixtures("march_figures")
def test_referred_leads_underperforming_fail_both_checks(workspace, idr):  # noqa: F811
    put(idr, date(2026, 3, 3), leads=160)  # 4 won of 200 leads: 2 % against 5 %
    checks = by_key(scorecard(workspace=workspace, program=idr, period=MARCH, today=TODAY))
    assert checks["conversion_vs_other"].passed is False
    assert checks["referred_not_underperforming"].passed is False


def test_an_empty_program_cannot_tell_anything(workspace, idr):  # noqa: F811
    checks = scorecard(workspace=workspace, program=idr, period=MARCH, today=TODAY)
    assert len(checks) == 8
    assert all(check.passed is None and check.why for check in checks)
    assert all(check.as_dict()["expectation"] for check in checks)


# ------------------------------------------------------------------ bands


def test_the_sectors_defaults():
    assert B.default_bands("b2b_saas")["referral_rate"].low == Decimal(15)
    assert B.default_bands("ecommerce")["referral_rate"].high == Decimal(10)
    assert B.default_bands("services")["referral_rate"].low == Decimal(30)
    assert B.default_bands("services")["roi_multiple"].low == Decimal(5)
    assert B.default_bands("b2b_saas")["roi_multiple"].warn_below == Decimal(2)


@pytest.mark.parametrize(
    ("key", "value", "position", "good"),
    [
        ("referral_rate", "14.99", "below", False),
        ("referral_rate", "15", "in_band", True),
        ("referral_rate", "30", "above", True),
        ("roi_multiple", "1.99", "warning", False),
        ("roi_multiple", "2.5", "below", False),
        ("roi_multiple", "7", "above", True),
        ("payback_months", "6", "in_band", True),
        ("payback_months", "6.01", "above", False),
        ("time_to_contact_hours", "12", "in_band", True),
        ("time_to_reward_hours", None, None, None),
    ],
)
def test_judge(key, value, position, good):
    judgement = B.judge(B.default_bands("b2b_saas")[key], value)
    assert (judgement.position, judgement.good) == (position, good)


def test_a_manager_changes_a_band_and_the_sector(workspace, idr):  # noqa: F811
    B.bands_update(
        workspace=workspace,
        program=idr,
        sector="services",
        bands={
            "referral_rate": {"low": "20", "high": 35},
            "payback_months": {"low": None, "high": 6},
        },
    )
    stored = InsightSettings.objects.get(program=idr)
    assert stored.bands == {"referral_rate": {"low": "20", "high": "35"}}  # 6 is the default
    bands = B.bands_for(workspace=workspace, program=idr)
    assert (bands["referral_rate"].low, bands["referral_rate"].changed) == (20, True)
    assert bands["roi_multiple"].low == 5  # the services default
    # The workspace has its own (none yet): the defaults.
    assert B.bands_for(workspace=workspace)["referral_rate"].low == 15


@pytest.mark.parametrize(
    ("kwargs", "loc"),
    [
        ({"sector": "retail"}, ["body", "sector"]),
        ({"bands": {"nope": {"low": 1}}}, ["body", "bands", "nope"]),
        (
            {"bands": {"referral_rate": {"low": 30, "high": 20}}},
            ["body", "bands", "referral_rate", "low"],
        ),
        ({"bands": {"referral_rate": {"low": "abc"}}}, ["body", "bands", "referral_rate", "low"]),
        ({"bands": {"referral_rate": {"low": -1}}}, ["body", "bands", "referral_rate", "low"]),
        ({"bands": {"referral_rate": {}}}, ["body", "bands", "referral_rate"]),
        ({"bands": {"referral_rate": {"min": 1}}}, ["body", "bands", "referral_rate"]),
        (
            {"paid_ads_cost_per_customer": -5, "paid_ads_currency": "IDR"},
            ["body", "paid_ads_cost_per_customer"],
        ),
        (
            {"paid_ads_cost_per_customer": 5, "paid_ads_currency": "XXX"},
            ["body", "paid_ads_currency"],
        ),
    ],
)
def test_bad_bands_change_nothing(workspace, idr, kwargs, loc):  # noqa: F811
    arguments = {"sector": "b2b_saas", "bands": {}, **kwargs}
    with pytest.raises(Invalid) as raised:
        B.bands_update(workspace=workspace, program=idr, **arguments)
    assert raised.value.extra["errors"][0]["loc"] == loc
    assert not InsightSettings.objects.exists()
