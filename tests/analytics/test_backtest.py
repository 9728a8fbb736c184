"""The reward-rule backtest against a hand-built history (March 2026, UTC).

Andi refers Budi (1 Mar) and Cici (2 Mar); Budi, himself referred, refers Dewi (3 Mar); Andi
submits a lead, Eko, qualified on 4 Mar. Sales: Budi 100.000 (5 Mar), Cici 100.000 (6 Mar), Budi
50.000 (7 Mar), half of Budi's first sale refunded (8 Mar), Cici 20 USD (9 Mar), Cici 40.000
(10 Mar), Dewi 60.000 (11 Mar), Dewi cancels (12 Mar); Budi 100.000 on 2 April. Amounts are minor
units of IDR (and cents for USD). Every event is sent with the clock at its time.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest

from tests.helpers import PROGRAM_BODY
from tular.analytics.backtest import backtest, backtest_save, export_rows
from tular.analytics.models import SavedBacktest
from tular.core import clock
from tular.core.errors import Invalid
from tular.participants.models import Participant
from tular.programs.models import Program

# The draft: 10 % of every sale for 12 months, 20 % from the 2nd paying customer, at most
# 30.000 a month per referrer; 5.000 to each friend at sign-up; a T-shirt when a lead qualifies.
DRAFT = [
    {
        "trigger": "sale",
        "recipient": "referrer",
        "kind": "percent",
        "percent": "10",
        "duration_months": 12,
        "tiers": [{"min_conversions": 2, "percent": "20"}],
        "cap": {"amount": 30_000, "period": "month"},
    },
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5_000},
    {"trigger": "qualified", "recipient": "referrer", "kind": "perk", "perk": "Kaos"},
]
# What the program really paid: 5 % of every sale for 12 months, 5.000 to each friend.
ACTUAL = [
    {
        "trigger": "sale",
        "recipient": "referrer",
        "kind": "percent",
        "percent": "5",
        "duration_months": 12,
    },
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5_000},
]
MARCH = {"first": date(2026, 3, 1), "last": date(2026, 3, 31)}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@contextmanager
def at(moment: datetime):
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


def post(api, path, body, moment):
    with at(moment):
        response = api.post(path, {**body, "occurred_at": moment.isoformat()})
    assert response.status_code in (200, 201), response.content
    return response.json()


def history(api, rules) -> Program:
    body = {**PROGRAM_BODY, "slug": "uji", "rules": rules, "hold_days": 0, "clawback_days": 60}
    with at(utc(2026, 2, 1)):
        assert api.post("/api/v1/programs", body).status_code == 201
        andi = api.post(
            "/api/v1/participants",
            {"program": "uji", "external_id": "andi", "email": "andi@example.com", "name": "Andi"},
        ).json()

    def signup(code, name, moment):
        post(
            api,
            "/api/v1/track/signup",
            {
                "event_id": f"signup-{name}",
                "code": code,
                "customer": {"external_id": name, "email": f"{name}@example.com", "name": name},
            },
            moment,
        )

    def sale(name, invoice, amount, moment, currency="IDR"):
        post(
            api,
            "/api/v1/track/sale",
            {
                "event_id": f"sale-{invoice}",
                "customer_external_id": name,
                "amount": amount,
                "currency": currency,
                "invoice_id": invoice,
            },
            moment,
        )

    signup(andi["code"], "budi", utc(2026, 3, 1, 9))
    signup(andi["code"], "cici", utc(2026, 3, 2, 9))
    budi_code = Participant.objects.get(program__slug="uji", external_id="budi").code
    signup(budi_code, "dewi", utc(2026, 3, 3, 9))
    with at(utc(2026, 3, 4, 8)):
        lead = api.post(
            "/api/v1/referrals",
            {
                "program": "uji",
                "referrer_external_id": "andi",
                "lead": {"name": "Eko", "email": "eko@ptmaju.co.id", "company": "PT Maju"},
            },
        ).json()
    for status, hour in (("contacted", 9), ("qualified", 10)):
        with at(utc(2026, 3, 4, hour)):
            moved = api.request("PATCH", f"/api/v1/referrals/{lead['id']}", {"status": status})
            assert moved.status_code == 200, moved.content
    sale("budi", "b1", 100_000, utc(2026, 3, 5, 9))
    sale("cici", "c1", 100_000, utc(2026, 3, 6, 9))
    sale("budi", "b2", 50_000, utc(2026, 3, 7, 9))
    post(
        api,
        "/api/v1/track/refund",
        {
            "event_id": "refund-b1",
            "customer_external_id": "budi",
            "invoice_id": "b1",
            "amount": 50_000,
            "currency": "IDR",
        },
        utc(2026, 3, 8, 9),
    )
    sale("cici", "c2", 2_000, utc(2026, 3, 9, 9), currency="USD")
    sale("cici", "c3", 40_000, utc(2026, 3, 10, 9))
    sale("dewi", "d1", 60_000, utc(2026, 3, 11, 9))
    post(
        api,
        "/api/v1/track/cancel",
        {"event_id": "cancel-dewi", "customer_external_id": "dewi"},
        utc(2026, 3, 12, 9),
    )
    sale("budi", "b3", 100_000, utc(2026, 4, 2, 9))
    return Program.objects.get(slug="uji")


def money(result, name: str) -> dict:
    for row in result["participants"]:
        if row["name"].lower() == name:
            return {item["currency"]: (item["would_pay"], item["paid"]) for item in row["money"]}
    return {}


def perks(result, name: str) -> tuple[int, int]:
    for row in result["participants"]:
        if row["name"].lower() == name:
            return row["perks_would_give"], row["perks_given"]
    return 0, 0


@pytest.fixture
def program(api):
    return history(api, ACTUAL)


def test_the_draft_against_what_was_paid_by_hand(program):
    result = backtest(program=program, rules=DRAFT, **MARCH)
    # Andi under the draft: 5 Mar 10 % of 100.000 = 10.000 (1 paying customer); 6 Mar Cici is
    # his 2nd: 20 % = 20.000, the month's cap (30.000) is reached; 7 Mar 20 % of 50.000 = 10.000
    # but nothing is left of the cap; 8 Mar half of Budi's first sale refunded: 10.000 → 5.000,
    # 5.000 of the cap free again; 9 Mar 20 % of 2.000 USD cents = 400 USD cents, not cut (the
    # cap is in IDR) but counted in the window as live does (25.400); 10 Mar 20 % of 40.000 =
    # 8.000 cut to the 4.600 left. IDR 5.000 + 20.000 + 4.600 = 29.600.
    # Paid under the program's rules: 5 % of 100.000, 100.000, 50.000, 40.000 = 5.000 + 5.000
    # + 2.500 + 2.000, less half of the first (2.500) = 12.000; USD 5 % of 2.000 = 100.
    assert money(result, "andi") == {"IDR": (29_600, 12_000), "USD": (400, 100)}
    assert perks(result, "andi") == (1, 0)  # Eko qualified: the draft's T-shirt
    # Budi: his friend reward (5.000) both ways; his share of Dewi's sale (draft 10 % = 6.000,
    # paid 5 % = 3.000) reversed in full by her cancellation two days later.
    assert money(result, "budi") == {"IDR": (5_000, 5_000)}
    assert money(result, "cici") == {"IDR": (5_000, 5_000)}
    # Dewi's friend reward is reversed by her own cancellation: nothing either way.
    assert money(result, "dewi") == {"IDR": (0, 0)}
    assert result["totals"] == [
        {"currency": "IDR", "would_pay": 39_600, "paid": 22_000, "difference": 17_600},
        {"currency": "USD", "would_pay": 400, "paid": 100, "difference": 300},
    ]
    assert result["perks"] == {"would_give": 1, "given": 0, "difference": 1}
    assert result["needs_review"] == 1  # the USD reward beside an IDR cap
    # Budi's April sale is outside March; the refund and the cancel are reversals, not earnings.
    assert result["occurrences"]["sale"] == 6
    assert result["occurrences"]["signup"] == 3
    assert result["occurrences"]["qualified"] == 1
    assert result["occurrences"]["refund"] == 1
    assert result["occurrences"]["cancel"] == 1


def test_april_starts_a_new_cap_window(program):
    result = backtest(program=program, rules=DRAFT, first=date(2026, 4, 1), last=date(2026, 4, 30))
    # Budi's 2 April sale: Andi has 2 paying customers, 20 % of 100.000; April's cap is empty.
    assert money(result, "andi") == {"IDR": (20_000, 5_000)}


def test_unchanged_rules_equal_what_was_paid(api):
    program = history(api, DRAFT)
    for first, last in (
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 3, 1), date(2026, 4, 30)),
    ):
        result = backtest(program=program, rules=program.rules, first=first, last=last)
        assert all(total["difference"] == 0 for total in result["totals"]), result["totals"]
        assert result["perks"]["difference"] == 0
        for row in result["participants"]:
            assert all(item["difference"] == 0 for item in row["money"]), row
            assert row["perks_would_give"] == row["perks_given"]
    march = backtest(program=program, rules=program.rules, **MARCH)
    assert march["totals"][0] == {
        "currency": "IDR",
        "would_pay": 39_600,
        "paid": 39_600,
        "difference": 0,
    }


@pytest.mark.parametrize(
    ("rules", "where"),
    [
        ([{"trigger": "sale", "recipient": "referrer", "kind": "percent"}], "rules"),
        (
            [{"trigger": "signup", "recipient": "friend", "kind": "percent", "percent": "5"}],
            "rules",
        ),
        ("not a list", "rules"),
    ],
)
def test_bad_rules_are_refused_like_the_programs_own(program, rules, where):
    with pytest.raises(Invalid) as refused:
        backtest(program=program, rules=rules, **MARCH)
    assert refused.value.extra["errors"][0]["loc"][1] == where
    assert SavedBacktest.objects.count() == 0


def test_a_monetary_draft_for_a_non_monetary_program_is_refused(program):
    Program.objects.filter(pk=program.pk).update(monetary_rewards_allowed=False, rules=[])
    program.refresh_from_db()
    with pytest.raises(Invalid) as refused:
        backtest(program=program, rules=DRAFT, **MARCH)
    assert "non-monetary" in refused.value.detail


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (date(2026, 3, 31), date(2026, 3, 1), "to"),
        (date(2025, 1, 1), date(2026, 1, 2), "to"),  # 367 days
        (None, date(2026, 3, 1), "from"),
        (date(2999, 1, 1), date(2999, 1, 2), "from"),
    ],
)
def test_bad_periods_are_refused(program, first, last, field):
    with pytest.raises(Invalid) as refused:
        backtest(program=program, rules=DRAFT, first=first, last=last)
    assert refused.value.extra["errors"][0]["loc"] == ["body", field]


def test_a_year_is_allowed_and_a_run_is_saved_and_exported(program):
    result = backtest(program=program, rules=DRAFT, first=date(2025, 4, 1), last=date(2026, 3, 31))
    saved = backtest_save(program=program, result=result)
    again = SavedBacktest.objects.get(pk=saved.pk)
    assert again.result["totals"] == result["totals"]
    assert (again.starts_on, again.ends_on) == (date(2025, 4, 1), date(2026, 3, 31))
    assert again.rules == result["rules"]
    lines = list(export_rows(again.result))
    andi = [line for line in lines if line[1].lower() == "andi"]
    assert [line[3:7] for line in andi if line[3]] == [
        ["IDR", 29_600, 12_000, 17_600],
        ["USD", 400, 100, 300],
    ]
    assert [line[7:] for line in andi if not line[3]] == [[1, 0]]


def test_an_empty_period(program):
    result = backtest(program=program, rules=DRAFT, first=date(2025, 1, 1), last=date(2025, 1, 31))
    assert result["totals"] == []
    assert result["participants"] == []
    assert result["perks"] == {"would_give": 0, "given": 0, "difference": 0}
