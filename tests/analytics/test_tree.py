"""The referral tree (R57): Andi refers Budi and submits a lead (Eko); Budi refers Cici; Cici
refers Dewi: three generations in March 2026. Cici buys 100.000 IDR and gets 20.000 back, Dewi
buys 50 USD, Budi buys 70.000 IDR."""

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import PROGRAM_BODY
from tular.analytics.metrics import Period
from tular.analytics.tree import _tree_summary, tree_of, tree_summary
from tular.core import clock
from tular.participants.models import Participant
from tular.programs.models import Program

MARCH = Period(first=date(2026, 3, 1), last=date(2026, 3, 31))


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


def code(name: str) -> str:
    return Participant.objects.get(program__slug="uji", external_id=name).code


def signup(api, referrer: str, name: str, moment):
    post(
        api,
        "/api/v1/track/signup",
        {
            "event_id": f"signup-{name}",
            "code": code(referrer),
            "customer": {"external_id": name, "email": f"{name}@example.com", "name": name},
        },
        moment,
    )


def sale(api, name, invoice, amount, moment, currency="IDR"):
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


@pytest.fixture
def program(api):
    with at(utc(2026, 2, 1)):
        assert api.post("/api/v1/programs", {**PROGRAM_BODY, "slug": "uji"}).status_code == 201
        response = api.post(
            "/api/v1/participants",
            {"program": "uji", "external_id": "andi", "email": "andi@example.com", "name": "andi"},
        )
        assert response.status_code == 201
        lead = api.post(
            "/api/v1/referrals",
            {
                "program": "uji",
                "referrer_external_id": "andi",
                "lead": {"name": "eko", "email": "eko@ptmaju.co.id"},
            },
        )
        assert lead.status_code == 201, lead.content
    # The lead came in February: move it into March like the rest.
    from tular.referrals.models import Referral

    Referral.objects.filter(email="eko@ptmaju.co.id").update(created_at=utc(2026, 3, 1, 8))
    signup(api, "andi", "budi", utc(2026, 3, 1, 9))
    signup(api, "budi", "cici", utc(2026, 3, 2, 9))
    signup(api, "cici", "dewi", utc(2026, 3, 3, 9))
    sale(api, "cici", "c1", 100_000, utc(2026, 3, 5))
    post(
        api,
        "/api/v1/track/refund",
        {
            "event_id": "refund-c1",
            "customer_external_id": "cici",
            "invoice_id": "c1",
            "amount": 20_000,
            "currency": "IDR",
        },
        utc(2026, 3, 6),
    )
    sale(api, "dewi", "d1", 5_000, utc(2026, 3, 7), currency="USD")
    sale(api, "budi", "b1", 70_000, utc(2026, 3, 8))
    return Program.objects.get(slug="uji")


def names(nodes) -> list:
    return [(node["name"], names(node["children"])) for node in nodes]


def test_three_generations(program):
    andi = Participant.objects.get(external_id="andi", program=program)
    tree = tree_of(participant=andi)
    assert names(tree["referrals"]) == [
        ("eko", []),
        ("budi", [("cici", [("dewi", [])])]),
    ]
    assert tree["count"] == 4
    assert tree["truncated"] is False
    budi = tree["referrals"][1]
    assert budi["generation"] == 1
    assert budi["children"][0]["children"][0]["generation"] == 3


def test_depth_bounds_the_tree(program):
    andi = Participant.objects.get(external_id="andi", program=program)
    tree = tree_of(participant=andi, depth=2)
    assert names(tree["referrals"]) == [("eko", []), ("budi", [("cici", [])])]
    assert tree["truncated"] is True  # Cici referred Dewi, one generation deeper
    assert tree_of(participant=andi, max_nodes=2)["truncated"] is True


def test_summary(program):
    summary = tree_summary(program=program, period=MARCH)
    assert summary["referrals"] == 4  # eko, budi, cici, dewi
    assert summary["friends"] == 3  # budi, cici, dewi (the lead has no participant)
    assert summary["friends_who_referred"] == 2  # budi and cici
    assert summary["friends_who_referred_rate"] == "66.67"
    # Cici (referred by Budi, himself referred) and Dewi (by Cici, referred).
    assert summary["second_generation_referrals"] == 2
    # Cici 100.000 - 20.000 refunded; Dewi 50 USD; Budi's sale counts not (Andi was not referred).
    assert summary["second_generation_revenue"] == [
        {"currency": "IDR", "amount": 80_000},
        {"currency": "USD", "amount": 5_000},
    ]
    assert summary["generations"] == [
        {"generation": 1, "referrals": 2},
        {"generation": 2, "referrals": 1},
        {"generation": 3, "referrals": 1},
    ]
    assert summary["outside_generations"] == 0


def test_summary_of_an_empty_period(program):
    summary = tree_summary(program=program, period=Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert summary["referrals"] == summary["friends"] == 0
    assert summary["friends_who_referred_rate"] is None
    assert summary["generations"] == []
    assert summary["second_generation_revenue"] == []


def test_summary_is_a_few_grouped_queries(program):
    with CaptureQueriesContext(connection) as queries:
        _tree_summary(program=program, period=MARCH, with_generations=True)  # not kept
    assert len(queries) <= 6


def test_a_cycle_ends(api, program):
    # Dewi refers Andi, who becomes her friend: Andi → Budi → Cici → Dewi → Andi.
    signup(api, "dewi", "andi", utc(2026, 3, 9))
    andi = Participant.objects.get(external_id="andi", program=program)
    tree = tree_of(participant=andi, depth=10)
    assert names(tree["referrals"]) == [
        ("eko", []),
        ("budi", [("cici", [("dewi", [("andi", [])])])]),
    ]
    last = tree["referrals"][1]["children"][0]["children"][0]["children"][0]
    assert last["repeat"] is True
    assert tree["truncated"] is False
    summary = tree_summary(program=program, period=MARCH)
    # Everyone who refers is now somebody's friend: no first generation, all in the cycle.
    assert summary["generations"] == []
    assert summary["outside_generations"] == summary["referrals"] == 5
