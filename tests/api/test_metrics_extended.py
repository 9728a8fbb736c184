"""GET /api/v1/metrics, extended by issue 11: the measures, bands and scorecard beside the
existing fields, for a program or (no `program`) the whole workspace."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.analytics.test_measures import idr, march_figures, put, usd  # noqa: F401
from tests.helpers import assert_problem
from tular.analytics.models import KeptFigure

MARCH = "/api/v1/metrics?from=2026-03-01&to=2026-03-31"


@pytest.mark.usefixtures("march_figures")
def test_a_programs_measures_bands_and_scorecard(api, idr):  # noqa: F811
    body = api.get(MARCH + "&program=pelanggan").json()
    measures = body["measures"]
    assert measures["program"] == "pelanggan"
    assert measures["clicks"] == body["clicks"] == 1000  # the rollups (no Click rows)
    assert measures["revenue"] == {"IDR": 50_000_000, "USD": 1_000}
    assert measures["program_cost"] == {"IDR": 10_000_000}
    assert measures["roi_percent"] == {"IDR": "400"}
    assert measures["roi_multiple"] == {"IDR": "5"}
    assert measures["payback_months"] == {"IDR": "0.2"}
    assert measures["revenue_share"] == {"IDR": "25"}
    assert measures["conversion_multiple"] == "2"
    assert measures["funnel"][3] == {
        "key": "won_or_paid",
        "count": 5,
        "rate": "41.67",
        "drop_off": "58.33",
    }
    assert measures["time_to_close"] == {"hours": None, "count": 0}
    assert body["bands"]["roi_multiple"] == {
        "value": "5",
        "position": "in_band",
        "good": True,
        "low": "3",
        "high": "5",
        "unit": "x",
        "better": "higher",
        "warn_below": "2",
        "changed": False,
    }
    checks = {check["key"]: check for check in body["scorecard"]}
    assert checks["roi_in_band"]["passed"] is True
    assert checks["time_to_reward"]["passed"] is None and checks["time_to_reward"]["why"]


@pytest.mark.usefixtures("march_figures")
def test_without_a_program_the_workspace_sums_per_currency(api, idr, usd):  # noqa: F811
    put(usd, date(2026, 3, 5), referrals=10, revenue=(2_000, "USD"), rewards=(500, "USD"))
    body = api.get(MARCH).json()
    assert body["program"] is None and body["measures"]["program"] is None
    assert body["measures"]["signups"] == 110
    assert body["measures"]["revenue"] == {"IDR": 50_000_000, "USD": 3_000}
    assert body["measures"]["roi_multiple"] == {"IDR": "5", "USD": "6"}


def test_labels_follow_the_language(api, idr):  # noqa: F811
    english = api.get(MARCH, headers={"Accept-Language": "en"}).json()
    indonesian = api.get(MARCH, headers={"Accept-Language": "id"}).json()
    assert english["scorecard"][0]["label"] == "Referral volume is growing"
    assert indonesian["scorecard"][0]["label"] != english["scorecard"][0]["label"]


def test_an_empty_query_parameter_is_422(api, idr):  # noqa: F811
    body = assert_problem(api.get(MARCH + "&program="), 422)
    assert body["errors"][0]["loc"] == ["query", "program"]


@pytest.mark.usefixtures("march_figures")
def test_the_number_of_queries_does_not_grow_with_the_data(api, idr):  # noqa: F811
    # computed afresh both times (nothing kept from the first)
    with CaptureQueriesContext(connection) as few:
        api.get(MARCH + "&program=pelanggan")
    for day in range(3, 31):
        put(idr, date(2026, 3, day), referrals=1, clicks=10, revenue=(1, "IDR"))
    KeptFigure.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        assert api.get(MARCH + "&program=pelanggan").json()["clicks"] == 1280
    assert len(many) == len(few)
