"""POST /api/v1/deals as the contract says, and the review endpoints."""

from datetime import timedelta

import pytest

from tests.deals.conftest import make_partner
from tests.helpers import assert_problem
from tular.deals.models import Deal

BODY = {
    "program": "mitra",
    "partner_external_id": "mitra_sinar",
    "company": "PT Maju",
    "domain": "https://www.Maju.co.id/kontak",
    "contact": {"name": "Citra", "email": "citra@maju.co.id"},
    "estimated_value": 50_000_000_000,
    "currency": "IDR",
    "qualification": {"meeting_scheduled": True, "discovery_call": True, "budget_confirmed": True},
}


@pytest.fixture
def partners(program, sinar, cahaya):
    return sinar, cahaya


def post(api, **changes):
    return api.post("/api/v1/deals", {**BODY, **changes})


def test_registration_is_201_with_the_contract_fields(api, partners, frozen_clock):
    response = post(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "status", "registered_at", "expires_at"} <= body.keys()
    assert body["status"] == "approved"
    assert body["registered_at"] == "2026-05-15T09:00:00Z"
    assert body["expires_at"] == "2026-08-13T09:00:00Z"  # 90 days


def test_unqualified_is_pending_with_a_review_time(api, partners, frozen_clock):
    body = post(api, qualification={"meeting_scheduled": True, "discovery_call": False}).json()
    assert body["status"] == "pending"
    assert body["review_due_at"] == "2026-05-19T09:00:00Z"  # Friday + 2 working days
    deal = api.get(f"/api/v1/deals/{body['id']}").json()
    assert deal["missing_checks"] == ["discovery_call", "budget_confirmed"]
    assert deal["review_overdue"] is False
    frozen_clock.advance(days=5)
    overdue = api.get("/api/v1/deals?overdue=true").json()["items"]
    assert [item["id"] for item in overdue] == [body["id"]]


def test_second_partner_gets_a_deal_conflict_without_the_holder(api, partners, frozen_clock):
    frozen_clock.advance(microseconds=527190)  # times as the API writes them: milliseconds
    first = post(api).json()
    response = post(api, partner_external_id="mitra_cahaya", domain="MAJU.co.id")
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("deal-conflict")
    assert problem["protected_until"] == first["expires_at"]
    kept = Deal.objects.get(pk=problem["deal_id"])
    assert kept.status == "conflict"
    text = response.content.decode()
    assert "mitra_sinar" not in text and "Sinar" not in text and first["id"] not in text
    listed = api.get("/api/v1/deals?status=conflict").json()["items"]
    assert [item["id"] for item in listed] == [problem["deal_id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain": ""}, "domain"),
        ({"domain": "gmail.com"}, "domain"),
        ({"domain": "https://203.0.113.9/"}, "domain"),
        ({"domain": "co.id"}, "domain"),
        ({"contact": {"name": "Citra", "email": "nope"}}, "contact"),
        ({"currency": "RUPIAH"}, "currency"),
        ({"estimated_value": -5}, "estimated_value"),
        ({"program": "nope"}, "program"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(api, partners, changes, field):
    problem = assert_problem(post(api, **changes), 422)
    assert problem["errors"][0]["loc"][1] == field
    assert not Deal.objects.exists()


def test_missing_domain_is_422(api, partners):
    body = {key: value for key, value in BODY.items() if key != "domain"}
    problem = assert_problem(api.post("/api/v1/deals", body), 422)
    assert problem["errors"][0]["loc"] == ["body", "domain"]


def test_unknown_partner_is_404(api, partners, program):
    assert_problem(post(api, partner_external_id="mitra_nobody"), 404)
    make_partner(program, "cust_7", kind="customer")
    assert_problem(post(api, partner_external_id="cust_7"), 404)


def test_approve_reject_extend(api, partners, frozen_clock):
    pending = post(api, qualification={}).json()
    frozen_clock.advance(days=1)
    approved = api.post(f"/api/v1/deals/{pending['id']}/approve", {"reason": "OK"}).json()
    assert approved["status"] == "approved"
    assert approved["decided_by"].startswith("API key")
    assert approved["expires_at"] == "2026-08-14T09:00:00Z"
    extended = api.post(f"/api/v1/deals/{pending['id']}/extend", {"days": 30}).json()
    assert extended["expires_at"] == "2026-09-13T09:00:00Z"
    by_window = api.post(f"/api/v1/deals/{pending['id']}/extend").json()
    assert by_window["expires_at"] == "2026-12-12T09:00:00Z"
    assert [step["kind"] for step in by_window["history"]] == [
        "status",
        "status",
        "extension",
        "extension",
    ]
    assert_problem(api.post(f"/api/v1/deals/{pending['id']}/approve"), 409)
    assert_problem(api.post(f"/api/v1/deals/{pending['id']}/reject", {}), 422)
    rejected = api.post(f"/api/v1/deals/{pending['id']}/reject", {"reason": "Direct deal"})
    assert rejected.json()["status"] == "rejected"
    problem = assert_problem(api.post(f"/api/v1/deals/{pending['id']}/extend"), 409)
    assert "rejected" in problem["detail"]


def test_won_and_expired_deals_cannot_be_extended(api, partners, frozen_clock):
    won = post(api).json()
    api.post(f"/api/v1/deals/{won['id']}/close", {"status": "won"})
    assert_problem(api.post(f"/api/v1/deals/{won['id']}/extend", {"days": 5}), 409)
    other = post(api, domain="lain.co.id").json()
    frozen_clock.advance(days=91)
    from tular.deals.services import deals_expire

    assert deals_expire() == 1
    assert api.get(f"/api/v1/deals/{other['id']}").json()["status"] == "expired"
    assert_problem(api.post(f"/api/v1/deals/{other['id']}/extend"), 409)


def test_activity_renews_protection(api, partners, frozen_clock):
    deal = post(api).json()
    frozen_clock.advance(days=30)
    renewed = api.post(f"/api/v1/deals/{deal['id']}/activity", {"note": "Demo"}).json()
    assert renewed["expires_at"] == (frozen_clock.now + timedelta(days=90)).isoformat().replace(
        "+00:00", "Z"
    )


def test_unknown_deal_and_other_workspace_are_404(api, outsider_api, partners):
    deal = post(api).json()
    assert_problem(api.get("/api/v1/deals/not-a-uuid"), 404)
    assert_problem(outsider_api.get(f"/api/v1/deals/{deal['id']}"), 404)
    assert_problem(outsider_api.post(f"/api/v1/deals/{deal['id']}/approve"), 404)


def test_settings(api, partners):
    assert api.get("/api/v1/deals/settings/mitra").json() == {
        "program": "mitra",
        "protection_days": 90,
        "required_checks": ["meeting_scheduled", "discovery_call", "budget_confirmed"],
        "review_working_days": 2,
        "auto_approve": True,
    }
    changed = api.request(
        "PATCH", "/api/v1/deals/settings/mitra", {"protection_days": 60, "required_checks": []}
    )
    assert changed.json()["protection_days"] == 60
    assert_problem(
        api.request("PATCH", "/api/v1/deals/settings/mitra", {"protection_days": 45}), 422
    )
    assert post(api, qualification={}).json()["status"] == "approved"


def test_idempotency_key_replays_the_registration(api, partners):
    headers = {"Idempotency-Key": "deal-1"}
    first = api.post("/api/v1/deals", BODY, headers=headers)
    again = api.post("/api/v1/deals", BODY, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Deal.objects.count() == 1


def test_a_dispute_is_decided_with_a_reason_recorded_on_both(api, partners, frozen_clock):
    holder = post(api).json()
    conflict = post(api, partner_external_id="mitra_cahaya").json()["deal_id"]
    assert_problem(api.post(f"/api/v1/deals/{holder['id']}/dispute", {"reason": "x"}), 409)
    opened = api.post(f"/api/v1/deals/{conflict}/dispute", {"reason": "We met them in March"})
    assert opened.json()["dispute"]["status"] == "open"
    assert_problem(api.post(f"/api/v1/deals/{conflict}/dispute", {"reason": "again"}), 409)
    told = api.get(f"/api/v1/deals/{holder['id']}").json()["history"]
    assert told[-1]["kind"] == "dispute" and "mitra_cahaya" not in str(told)
    frozen_clock.advance(hours=3)
    decided = api.post(
        f"/api/v1/deals/{conflict}/dispute/decide",
        {"uphold": True, "reason": "Cahaya's meeting notes predate the registration"},
    ).json()
    assert decided["status"] == "approved"
    assert decided["dispute"]["status"] == "upheld"
    assert decided["dispute"]["decided_by"].startswith("API key")
    assert decided["dispute"]["decided_at"] == "2026-05-15T12:00:00Z"
    old = api.get(f"/api/v1/deals/{holder['id']}").json()
    assert old["status"] == "rejected"
    assert old["history"][-1]["kind"] == "decision"
    assert "predate" in old["history"][-1]["reason"]
    assert_problem(
        api.post(f"/api/v1/deals/{conflict}/dispute/decide", {"uphold": False, "reason": "x"}),
        409,
    )


def test_a_dismissed_dispute_leaves_the_holder(api, partners):
    holder = post(api).json()
    conflict = post(api, partner_external_id="mitra_cahaya").json()["deal_id"]
    api.post(f"/api/v1/deals/{conflict}/dispute", {"reason": "Ours"})
    decided = api.post(
        f"/api/v1/deals/{conflict}/dispute/decide", {"uphold": False, "reason": "No evidence"}
    ).json()
    assert decided["status"] == "conflict"
    assert decided["dispute"]["status"] == "dismissed"
    assert api.get(f"/api/v1/deals/{holder['id']}").json()["status"] == "approved"


def test_a_won_deal_lists_its_commission(api, partners, program, frozen_clock):
    from tular.partners.tiers import partner_set_tier, tier_create

    program.rules = [
        {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "20"}
    ]
    program.save()
    partner_set_tier(
        participant=partners[0], tier=tier_create(program=program, name="Gold", rank=1, rate="30")
    )
    deal = post(api).json()
    assert_problem(
        api.post(f"/api/v1/deals/{deal['id']}/close", {"status": "won", "value": 0}), 422
    )
    assert_problem(
        api.post(f"/api/v1/deals/{deal['id']}/close", {"status": "lost", "value": 10}), 422
    )
    body = api.post(
        f"/api/v1/deals/{deal['id']}/close",
        {"status": "won", "value": 40_000_000_000, "customer_external_id": "cus_maju"},
    ).json()
    assert (body["status"], body["won_value"], body["won_currency"]) == (
        "won",
        40_000_000_000,
        "IDR",
    )
    assert body["lead_id"]
    [commission] = body["commission"]
    assert commission["amount"] == 12_000_000_000
    assert (commission["percent"], commission["tier"], commission["base_amount"]) == (
        "30",
        "Gold",
        40_000_000_000,
    )
    assert commission["status"] == "pending"
    assert api.get(f"/api/v1/referrals/{body['lead_id']}").json()["status"] == "won"
    again = api.post(f"/api/v1/deals/{deal['id']}/close", {"status": "won"})
    assert_problem(again, 409)


def test_listing_won_deals_reads_their_commission_in_a_fixed_number_of_queries(
    api, partners, program, frozen_clock
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    program.rules = [
        {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "20"}
    ]
    program.save()

    def win(n):
        deal = post(api, company=f"PT Maju {n}", domain=f"maju{n}.co.id").json()
        closed = api.post(f"/api/v1/deals/{deal['id']}/close", {"status": "won", "value": 10**9})
        assert closed.status_code == 200, closed.content

    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            page = api.get("/api/v1/deals").json()
        assert all(item["commission"] for item in page["items"])
        return len(queries), len(page["items"])

    win(1)
    few, one = list_queries()
    for n in range(2, 6):
        win(n)
    many, five = list_queries()
    assert (one, five) == (1, 5)
    assert many == few  # not three more per won deal (commission, tiers, settings)
