"""GET /api/v1/metrics: every figure's definition (tular.analytics.metrics), through the real API.

The scenario is March 2026 (UTC): Andi refers friends just before, on the first instant of, on
the last second of and just after the period; the friends buy in IDR and USD and one refunds.
Events are sent with `occurred_at`, and the clock is set to each event's time so the rewards it
creates are stamped then too.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import PROGRAM_BODY, assert_problem
from tular.analytics.metrics import percent
from tular.core import clock
from tular.participants.models import Participant
from tular.referrals.models import Conversion, ConversionKind
from tular.rewards.models import Reward
from tular.tracking.models import Click

MARCH = "/api/v1/metrics?program=pelanggan&from=2026-03-01&to=2026-03-31"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock_runs_again():
    yield
    clock.freeze(None)


@contextmanager
def at(moment: datetime):
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


def signup(api, participant, name: str, moment: datetime) -> dict:
    with at(moment):
        response = api.post(
            "/api/v1/track/signup",
            {
                "event_id": f"signup-{name}",
                "code": participant["code"],
                "customer": {"external_id": name, "email": f"{name}@example.com", "name": name},
                "occurred_at": moment.isoformat(),
            },
        )
    assert response.status_code == 201, response.content
    # The friend joins the program at the sign-up; enrolment is stamped by the database's clock
    # (auto_now_add), not core.clock: move it into the scenario.
    joined(Participant.objects.filter(external_id=name), moment)
    return response.json()


def joined(participants, moment: datetime) -> None:
    participants.update(created_at=moment)


def sale(api, name: str, moment: datetime, amount: int, currency: str = "IDR", invoice=None):
    invoice = invoice or f"inv-{name}-{moment:%m%d%H%M%S}"
    with at(moment):
        response = api.post(
            "/api/v1/track/sale",
            {
                "event_id": f"sale-{invoice}",
                "customer_external_id": name,
                "amount": amount,
                "currency": currency,
                "invoice_id": invoice,
                "occurred_at": moment.isoformat(),
            },
        )
    assert response.status_code == 201, response.content
    return response.json()


def refund(api, name: str, invoice: str, moment: datetime, amount: int, currency: str = "IDR"):
    with at(moment):
        response = api.post(
            "/api/v1/track/refund",
            {
                "event_id": f"refund-{invoice}-{moment:%m%d}",
                "customer_external_id": name,
                "invoice_id": invoice,
                "amount": amount,
                "currency": currency,
                "occurred_at": moment.isoformat(),
            },
        )
    assert response.status_code == 201, response.content
    return response.json()


def click(api, participant, moment: datetime) -> str:
    response = api.post("/api/v1/track/click", {"code": participant["code"]})
    assert response.status_code == 201, response.content
    click_id = response.json()["click_id"]
    # Clicks are stamped by the real clock on the hot path: move this one into the scenario.
    Click.objects.filter(pk=click_id).update(created_at=moment)
    return click_id


JUST_BEFORE = utc(2026, 2, 28, 23, 59, 59, 999999)
FIRST_INSTANT = utc(2026, 3, 1)
LAST_SECOND = utc(2026, 3, 31, 23, 59, 59, 999999)
JUST_AFTER = utc(2026, 4, 1)


@pytest.fixture
def march(api, program, participant):
    """Andi (the `participant`, joined in February) refers budi (just before March), cici (its
    first instant), dodi (its last instant) and eka (just after). Each friend joins the program
    at their sign-up."""
    joined(Participant.objects.filter(pk=participant["id"]), utc(2026, 2, 15))
    for name, moment in (
        ("budi", JUST_BEFORE),
        ("cici", FIRST_INSTANT),
        ("dodi", LAST_SECOND),
        ("eka", JUST_AFTER),
    ):
        signup(api, participant, name, moment)
    # cici buys in March and refunds part of it in March: her first sale is in the period.
    sale(api, "cici", utc(2026, 3, 10), 100_000_000, invoice="inv-cici")
    refund(api, "cici", "inv-cici", utc(2026, 3, 20), 30_000_000)
    # budi (referred before March) buys in USD and in IDR during March, and refunds after it.
    sale(api, "budi", utc(2026, 3, 15), 2_500, "USD", invoice="inv-budi-usd")
    sale(api, "budi", LAST_SECOND, 50_000_000, invoice="inv-budi")
    refund(api, "budi", "inv-budi", utc(2026, 4, 2), 10_000_000)
    # dodi's first sale comes just after March; budi had one just before it.
    sale(api, "dodi", JUST_AFTER, 70_000_000, invoice="inv-dodi")
    sale(api, "budi", JUST_BEFORE, 40_000_000, invoice="inv-budi-feb")
    for moment in (JUST_BEFORE, FIRST_INSTANT, LAST_SECOND, JUST_AFTER):
        click(api, participant, moment)
    return participant


def test_counts_include_both_ends_of_the_period_and_nothing_outside(api, march):
    response = api.get(MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["program"], body["from"], body["to"]) == ("pelanggan", "2026-03-01", "2026-03-31")
    assert body["clicks"] == 2  # first instant and last second; not 1 µs before or after
    assert body["signups"] == 2  # cici and dodi
    assert body["participants"] == 2  # cici and dodi joined in March; Andi and budi before it
    # cici 10 Mar, budi USD 15 Mar, budi IDR last second; not budi's February or dodi's April
    assert body["conversions"] == 3


def test_revenue_is_per_currency_sales_minus_refunds_in_the_period(api, march):
    body = api.get(MARCH).json()
    # IDR: cici 100M - her refund 30M + budi 50M; budi's refund on 2 April counts in April.
    # USD: budi's sale stays apart from the rupiah, never added to them.
    assert body["revenue"] == [
        {"currency": "IDR", "amount": 120_000_000},
        {"currency": "USD", "amount": 2_500},
    ]
    april = api.get("/api/v1/metrics?program=pelanggan&from=2026-04-01&to=2026-04-30").json()
    assert april["revenue"] == [{"currency": "IDR", "amount": 70_000_000 - 10_000_000}]


def test_a_refund_reduces_revenue(api, program, participant):
    signup(api, participant, "cici", FIRST_INSTANT)
    sale(api, "cici", utc(2026, 3, 10), 100_000_000, invoice="inv-cici")
    before = api.get(MARCH).json()["revenue"]
    refund(api, "cici", "inv-cici", utc(2026, 3, 11), 100_000_000)
    after = api.get(MARCH).json()
    assert before == [{"currency": "IDR", "amount": 100_000_000}]
    assert after["revenue"] == [{"currency": "IDR", "amount": 0}]
    assert after["conversions"] == 1  # a refund is not a conversion


def test_a_refund_row_recorded_directly_also_counts(api, program, participant):
    # The refund as the Stripe mapping would store it: a refund Conversion of the sale.
    signup(api, participant, "cici", FIRST_INSTANT)
    sold = sale(api, "cici", utc(2026, 3, 10), 100_000_000, invoice="inv-cici")
    the_sale = Conversion.objects.get(pk=sold["conversion_id"])
    event = the_sale.event
    event.pk, event.event_id = None, "refund-direct"
    event.save()
    Conversion.objects.create(
        workspace=the_sale.workspace,
        program=the_sale.program,
        referral=the_sale.referral,
        kind=ConversionKind.refund,
        invoice_id=the_sale.invoice_id,
        amount=25_000_000,
        currency="IDR",
        sale=the_sale,
        event=event,
        occurred_at=utc(2026, 3, 12),
    )
    assert api.get(MARCH).json()["revenue"] == [{"currency": "IDR", "amount": 75_000_000}]


def test_rewards_are_per_currency_net_of_reversals_without_rejected(api, march):
    dodi_friend_reward = Reward.objects.get(referral__customer_external_id="dodi", trigger="signup")
    Reward.objects.filter(pk=dodi_friend_reward.pk).update(status="rejected")
    body = api.get(MARCH).json()
    # IDR created in March: cici's friend reward 5M (dodi's, 5M, rejected); Andi's 20 % of
    # cici's 100M = 20M less the 30 % her refund reversed (6M); 20 % of budi's 50M = 10M less
    # the 20 % reversed by his refund of 2 April (2M: net of what is reversed now).
    # USD: 20 % of budi's US$25.00, in its own currency.
    assert body["rewards"] == [
        {"currency": "IDR", "amount": 5_000_000 + 20_000_000 - 6_000_000 + 10_000_000 - 2_000_000},
        {"currency": "USD", "amount": 500},
    ]


def test_a_fully_reversed_reward_adds_nothing(api, program, participant):
    signup(api, participant, "cici", JUST_BEFORE)
    sale(api, "cici", utc(2026, 3, 10), 100_000_000, invoice="inv-cici")
    refund(api, "cici", "inv-cici", utc(2026, 3, 11), 100_000_000)
    assert Reward.objects.filter(status="reversed").count() == 1
    assert api.get(MARCH).json()["rewards"] == [{"currency": "IDR", "amount": 0}]


def test_rates(api, march):
    body = api.get(MARCH).json()
    # Cohort of March's referrals: cici (first sale 10 March) and dodi (first sale 1 April,
    # after the period) -> 1 of 2, as a percentage.
    assert (body["converted_signups"], body["conversion_rate"]) == (1, "50")
    # Andi referred in March; by the end of March the program had Andi, budi, cici and dodi
    # (eka joined on 1 April) -> 1 of 4.
    assert (body["referring_participants"], body["participants_total"]) == (1, 4)
    assert body["referral_rate"] == "25"


def test_rates_are_rounded_to_their_places(api, program, participant):
    other = api.post(
        "/api/v1/participants", {"program": "pelanggan", "email": "citra@example.com"}
    ).json()
    signup(api, participant, "budi", utc(2026, 3, 2))
    signup(api, participant, "cici", utc(2026, 3, 3))
    signup(api, other, "dodi", utc(2026, 3, 4))
    sale(api, "budi", utc(2026, 3, 5), 1_000_000)
    body = api.get(MARCH).json()
    assert body["conversion_rate"] == "33.33"  # 1 of 3
    # Andi and Citra of 5: budi, cici and dodi joined in March, and Andi and Citra, enrolled
    # only today, count because they referred in March (a rate never passes 100).
    assert (body["participants"], body["participants_total"]) == (3, 5)
    assert body["referral_rate"] == "40"
    sale(api, "cici", utc(2026, 3, 6), 1_000_000)
    assert api.get(MARCH).json()["conversion_rate"] == "66.67"


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 8, "12.5"),
        (1, 4, "25"),
        (0, 5, "0"),
        (5, 5, "100"),
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 800, "0.12"),  # 0.125: half to even
        (3, 800, "0.38"),  # 0.375: half to even
        (1, 0, None),
    ],
)
def test_every_rate_is_a_percentage_string_with_at_most_2_decimals(
    numerator, denominator, expected
):
    assert percent(numerator, denominator) == expected


def _set(reward_id, **fields):
    Reward.objects.filter(pk=reward_id).update(**fields)


@pytest.fixture
def sale_rewards(api, program, participant):
    """Andi's rewards for four customers referred on 1 March 00:00 who bought on 2 March
    00:00, oldest first (the friends' sign-up rewards are left pending)."""
    rewards = []
    for n in range(1, 5):
        signup(api, participant, f"c{n}", FIRST_INSTANT)
        response = sale(api, f"c{n}", utc(2026, 3, 2), 1_000_000)
        [reward] = [r for r in response["rewards"] if r["recipient"] == "referrer"]
        rewards.append(reward["id"])
    return rewards


REFERRED, CONVERTED = FIRST_INSTANT, utc(2026, 3, 2)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_time_to_reward_medians_over_an_odd_count(api, sale_rewards):
    for reward_id, to_approval, to_payment in zip(
        sale_rewards[:3], (10, 30, 20), (200, 50, 60), strict=True
    ):
        _set(
            reward_id,
            status="paid",
            approved_at=CONVERTED + hours(to_approval),
            paid_at=REFERRED + hours(to_payment),
        )
    body = api.get(MARCH).json()
    assert (body["time_to_reward_hours"], body["time_to_reward_count"]) == ("60.00", 3)
    assert body["time_to_reward_target_hours"] == 168
    assert (body["conversion_to_approval_hours"], body["conversion_to_approval_count"]) == (
        "20.00",
        3,
    )
    # referral -> payment less the day between referral and sale: 26, 36, 176 hours
    assert (body["conversion_to_payment_hours"], body["conversion_to_payment_count"]) == (
        "36.00",
        3,
    )


def test_time_to_reward_medians_over_an_even_count(api, sale_rewards):
    for reward_id, to_approval, to_payment in zip(
        sale_rewards, (10, 30, 20, 11.5), (200, 50, 60, 70.75), strict=True
    ):
        _set(
            reward_id,
            status="paid",
            approved_at=CONVERTED + hours(to_approval),
            paid_at=REFERRED + hours(to_payment),
        )
    body = api.get(MARCH).json()
    assert (body["time_to_reward_hours"], body["time_to_reward_count"]) == ("65.38", 4)  # 65.375
    assert body["conversion_to_approval_hours"] == "15.75"  # (11.5 + 20) / 2
    assert body["conversion_to_payment_hours"] == "41.38"  # (36 + 46.75) / 2 = 41.375


def test_time_to_reward_counts_what_happened_in_the_period(api, sale_rewards):
    first, second, third, fourth = sale_rewards
    # approved in March, paid on 1 April: an approval of March, a payment of April
    _set(first, status="paid", approved_at=CONVERTED + hours(5), paid_at=JUST_AFTER)
    # approved in March, not paid yet
    _set(second, status="approved", approved_at=CONVERTED + hours(7))
    # paid on the last instant of March
    _set(third, status="paid", approved_at=CONVERTED + hours(9), paid_at=LAST_SECOND)
    march = api.get(MARCH).json()
    assert (march["conversion_to_approval_hours"], march["conversion_to_approval_count"]) == (
        "7.00",
        3,
    )
    assert march["time_to_reward_count"] == march["conversion_to_payment_count"] == 1
    assert march["time_to_reward_hours"] == "744.00"  # 1 March 00:00 -> 31 March 24:00
    april = api.get("/api/v1/metrics?program=pelanggan&from=2026-04-01&to=2026-04-01").json()
    assert (april["time_to_reward_hours"], april["time_to_reward_count"]) == ("744.00", 1)
    assert april["conversion_to_approval_count"] == 0
    assert fourth  # untouched: pending, counted nowhere


def test_an_empty_program_has_zeros_and_nulls(api, program):
    body = api.get(MARCH).json()
    # The measures, bands and scorecard added by issue 11 (tests/api/test_metrics_extended.py)
    # come beside these fields; every field here keeps its meaning.
    extended = {key: body.pop(key) for key in ("measures", "bands", "scorecard")}
    assert extended["measures"]["signups"] == 0
    assert body == {
        "program": "pelanggan",
        "from": "2026-03-01",
        "to": "2026-03-31",
        "clicks": 0,
        "signups": 0,
        "conversions": 0,
        "converted_signups": 0,
        "referring_participants": 0,
        "participants": 0,
        "participants_total": 0,
        "conversion_rate": None,
        "referral_rate": None,
        "revenue": [],
        "rewards": [],
        "time_to_reward_hours": None,
        "time_to_reward_count": 0,
        "time_to_reward_target_hours": 168,
        "conversion_to_approval_hours": None,
        "conversion_to_approval_count": 0,
        "conversion_to_payment_hours": None,
        "conversion_to_payment_count": 0,
    }


def test_participants_without_referrals_give_a_zero_referral_rate(api, participant):
    joined(Participant.objects.filter(pk=participant["id"]), utc(2026, 2, 15))
    body = api.get(MARCH).json()
    assert (body["participants"], body["participants_total"]) == (0, 1)
    assert (body["referral_rate"], body["conversion_rate"]) == ("0", None)


def test_participants_joined_after_the_period_are_not_counted(api, participant):
    # Andi joined today (after March) and referred nobody in March.
    body = api.get(MARCH).json()
    assert (body["participants"], body["participants_total"], body["referral_rate"]) == (
        0,
        0,
        None,
    )


def test_without_dates_the_period_is_the_last_30_days(api, program):
    with at(utc(2026, 5, 17, 9)):
        body = api.get("/api/v1/metrics?program=pelanggan").json()
        only_to = api.get("/api/v1/metrics?program=pelanggan&to=2026-03-31").json()
        only_from = api.get("/api/v1/metrics?program=pelanggan&from=2026-05-01").json()
    assert (body["from"], body["to"]) == ("2026-04-18", "2026-05-17")
    assert (only_to["from"], only_to["to"]) == ("2026-03-02", "2026-03-31")
    assert (only_from["from"], only_from["to"]) == ("2026-05-01", "2026-05-17")


def test_another_programs_data_is_not_counted(api, march):
    other = {**PROGRAM_BODY, "slug": "mitra"}
    assert api.post("/api/v1/programs", other).status_code == 201
    partner = api.post(
        "/api/v1/participants", {"program": "mitra", "email": "rina@example.com"}
    ).json()
    signup(api, partner, "fajar", utc(2026, 3, 5))
    sale(api, "fajar", utc(2026, 3, 6), 9_000_000)
    click(api, partner, utc(2026, 3, 7))
    body = api.get(MARCH).json()
    assert (body["clicks"], body["signups"], body["conversions"]) == (2, 2, 3)
    assert body["revenue"][0] == {"currency": "IDR", "amount": 120_000_000}
    mitra = api.get("/api/v1/metrics?program=mitra&from=2026-03-01&to=2026-03-31").json()
    assert (mitra["clicks"], mitra["signups"], mitra["conversions"]) == (1, 1, 1)
    assert mitra["revenue"] == [{"currency": "IDR", "amount": 9_000_000}]


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-03-31&to=2026-03-01",  # to before from
        "from=2026-13-01&to=2026-12-31",  # no such month
        "from=2026-02-30",  # no such day
        "from=01-03-2026",
        "from=20260301",
        "to=2026-03-01T00:00:00Z",  # a time, not a day
        "from=1772323200",  # a Unix timestamp
        "from=",
        "from=2023-01-01&to=2026-01-01",  # 1,097 days: over 3 years
        "from=2099-01-01",  # after today, and so after the default `to`
    ],
)
def test_bad_periods_are_422_problems(api, program, query):
    body = assert_problem(api.get(f"/api/v1/metrics?program=pelanggan&{query}"), 422)
    assert body["errors"][0]["loc"][0] == "query"


def test_a_period_of_3_years_is_allowed(api, program):
    response = api.get("/api/v1/metrics?program=pelanggan&from=2023-01-01&to=2025-12-31")
    assert response.status_code == 200  # 1,096 days, a leap day included


def test_without_a_program_the_figures_are_the_workspaces(api, program):
    # Issue 11: `program` left out means every program of the workspace (the figures summed).
    response = api.get("/api/v1/metrics?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200, response.content
    assert response.json()["program"] is None
    body = assert_problem(api.get("/api/v1/metrics?program=&from=2026-03-01"), 422)
    assert body["errors"][0]["loc"] == ["query", "program"]


def test_an_unknown_program_is_404(api, program):
    assert_problem(api.get("/api/v1/metrics?program=tidak-ada"), 404)
    assert_problem(api.get("/api/v1/metrics?program=Bukan%20Slug%00"), 404)


def test_another_workspaces_program_is_404(march, outsider_api):
    assert_problem(outsider_api.get(MARCH), 404)


def test_an_outsider_with_the_same_slug_sees_only_its_own(march, outsider_api):
    assert outsider_api.post("/api/v1/programs", PROGRAM_BODY).status_code == 201
    body = outsider_api.get(MARCH).json()
    assert (body["clicks"], body["signups"], body["conversions"], body["revenue"]) == (0, 0, 0, [])


def test_keys(anonymous_api, publishable_api, program):
    assert_problem(anonymous_api.get(MARCH), 401)
    assert_problem(publishable_api.get(MARCH), 403)


def test_metrics_are_in_the_openapi_document(api):
    schema = api.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/metrics"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"program", "from", "to"}
    fields = schema["components"]["schemas"]["MetricsOut"]["properties"]
    assert all(field.get("description") for field in fields.values()), [
        name for name, field in fields.items() if not field.get("description")
    ]
    for rate in ("referral_rate", "conversion_rate"):
        assert fields[rate]["pattern"] == r"^\d{1,3}(\.\d{1,2})?$"
        assert "percentage" in fields[rate]["description"]
    assert "referring customers / all customers" in fields["referral_rate"]["description"]


def test_reading_metrics_writes_nothing(api, march):
    with CaptureQueriesContext(connection) as queries:
        assert api.get(MARCH).status_code == 200
    statements = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    assert statements
    assert not [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
