"""/api/v1/partner-tiers, /api/v1/partner-applications, /api/v1/partners."""

import pytest

from tests.helpers import assert_problem
from tular.messaging.models import OutboundEmail
from tular.participants.services import participant_enrol

APPLICATION = {
    "program": "mitra",
    "company": "PT Solusi Digital",
    "contact_name": "Budi Santoso",
    "contact_email": "budi@solusi.example",
    "website": "https://solusi.example",
    "country": "ID",
    "language": "en",
}


@pytest.fixture
def gold(api, reseller_program):
    api.post("/api/v1/partner-tiers", {"program": "mitra", "name": "Registered", "rank": 0})
    response = api.post(
        "/api/v1/partner-tiers",
        {"program": "mitra", "name": "Gold", "rank": 2, "rate": "35", "rate_kind": "margin"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_tiers_are_created_and_listed(api, gold):
    assert gold["rate"] == "35" and gold["rate_kind"] == "margin" and gold["program"] == "mitra"
    listed = api.get("/api/v1/partner-tiers?program=mitra").json()
    assert [tier["name"] for tier in listed["items"]] == ["Registered", "Gold"]


def test_bad_tiers_are_problems(api, gold):
    assert_problem(
        api.post("/api/v1/partner-tiers", {"program": "mitra", "name": "X", "rank": 3, "rate": 35}),
        422,
    )
    assert_problem(
        api.post("/api/v1/partner-tiers", {"program": "mitra", "name": "Gold", "rank": 7}), 409
    )
    assert_problem(
        api.post("/api/v1/partner-tiers", {"program": "nope", "name": "Y", "rank": 4}), 422
    )


def test_an_application_is_approved_and_the_partner_gets_its_first_tier(api, gold):
    created = api.post("/api/v1/partner-applications", APPLICATION)
    assert created.status_code == 201, created.content
    application = created.json()
    assert application["status"] == "pending"
    pending = api.get("/api/v1/partner-applications?status=pending").json()["items"]
    assert [item["id"] for item in pending] == [application["id"]]
    approved = api.post(f"/api/v1/partner-applications/{application['id']}/approve", {})
    assert approved.status_code == 200, approved.content
    partner_id = approved.json()["partner_id"]
    partner = api.get(f"/api/v1/partners/{partner_id}").json()
    assert partner["legal_name"] == "PT Solusi Digital" and partner["tier"]["name"] == "Registered"
    assert [member["role"] for member in partner["members"]] == ["owner"]
    assert partner["tier_history"][0]["source"] == "application"
    assert OutboundEmail.objects.filter(kind="portal_invitation").count() == 1
    again = api.post(f"/api/v1/partner-applications/{application['id']}/reject", {"reason": "x"})
    assert_problem(again, 409)


def test_a_rejection_without_a_reason_is_refused(api, gold):
    application = api.post("/api/v1/partner-applications", APPLICATION).json()
    assert_problem(api.post(f"/api/v1/partner-applications/{application['id']}/reject", {}), 422)


def test_bulk_decisions(api, gold):
    first = api.post("/api/v1/partner-applications", APPLICATION).json()
    second = api.post(
        "/api/v1/partner-applications",
        {**APPLICATION, "contact_email": "ani@toko.example", "company": "CV Ani"},
    ).json()
    response = api.post(
        "/api/v1/partner-applications/decide",
        {"ids": [first["id"], second["id"]], "decision": "reject", "reason": "Penuh"},
    )
    assert response.status_code == 200, response.content
    assert {item["status"] for item in response.json()["decided"]} == {"rejected"}
    response = api.post(
        "/api/v1/partner-applications/decide", {"ids": [first["id"]], "decision": "approve"}
    )
    assert response.json()["decided"] == [] and response.json()["skipped"][0]["id"] == first["id"]


def test_a_manager_sets_a_tier_and_the_partner_list_shows_it(api, gold, partner):
    response = api.post(
        f"/api/v1/partners/{partner.pk}/tier", {"tier": gold["id"], "reason": "QBR"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tier"]["name"] == "Gold" and body["tier_by_hand"]
    assert body["tier_history"][0]["reason"] == "QBR"
    listed = api.get(f"/api/v1/partners?program=mitra&tier={gold['id']}").json()["items"]
    assert [item["id"] for item in listed] == [str(partner.pk)]


def test_unknown_partner_or_foreign_tier(api, gold, partner, outsider_api, reseller_program):
    assert_problem(api.get("/api/v1/partners/0190a0a0-0000-7000-8000-000000000000"), 404)
    assert_problem(api.get("/api/v1/partners/not-an-id"), 404)
    assert_problem(outsider_api.get(f"/api/v1/partners/{partner.pk}"), 404)
    assert_problem(
        api.post(
            f"/api/v1/partners/{partner.pk}/tier",
            {"tier": "0190a0a0-0000-7000-8000-000000000000"},
        ),
        422,
    )
    customer, _ = participant_enrol(
        program=reseller_program, email="c@pelanggan.example", kind="customer"
    )
    assert_problem(api.get(f"/api/v1/partners/{customer.pk}"), 404)


def test_a_publishable_key_is_refused(publishable_api, reseller_program):
    assert_problem(publishable_api.get("/api/v1/partners"), 403)
