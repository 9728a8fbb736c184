"""Story: a manager's back office lists rewards, approves or rejects the ones under review, makes
a payout, downloads it for the bank and marks it paid — through /api/v1 with a secret key."""

import csv
import io

import pytest

from tests.helpers import assert_problem
from tests.rewards.books import assert_books_agree, balance, make_referral, make_sale
from tular.rewards.models import Payout, Reward
from tular.rewards.services import rewards_release_due

REWARD_FIELDS = {
    "id",
    "participant_id",
    "program",
    "referral_id",
    "conversion_id",
    "recipient",
    "trigger",
    "kind",
    "amount",
    "currency",
    "perk",
    "status",
    "status_reason",
    "reversed_amount",
    "hold_until",
    "created_at",
    "approved_at",
    "paid_at",
}


@pytest.fixture
def earned(books_program, andi, budi, frozen_clock):
    """Andi: Rp937.500 (auto-approved after the hold); Budi: Rp1.250.000 (needs review)."""
    make_sale(make_referral(books_program, andi), 750000000)
    make_sale(make_referral(books_program, budi), 1000000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    return {
        "andi": Reward.objects.get(participant=andi),
        "budi": Reward.objects.get(participant=budi),
    }


def test_rewards_are_listed_with_the_contracts_fields(api, earned, andi):
    response = api.get("/api/v1/rewards")
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 2
    assert all(item.keys() >= REWARD_FIELDS for item in items)
    andis = next(item for item in items if item["participant_id"] == str(andi.pk))
    expected = {
        "program": "hadiah",
        "referral_id": str(earned["andi"].referral_id),
        "conversion_id": str(earned["andi"].conversion_id),
        "recipient": "referrer",
        "trigger": "sale",
        "kind": "percent",
        "amount": 93750000,
        "currency": "IDR",
        "perk": None,
        "status": "approved",
        "status_reason": "",
        "reversed_amount": 0,
        "hold_until": "2026-05-18T09:00:00Z",
        "created_at": "2026-05-04T09:00:00Z",
        "approved_at": "2026-05-18T09:00:00Z",
        "paid_at": None,
    }
    assert {key: andis[key] for key in expected} == expected


def test_rewards_filter_by_participant_and_status(api, earned, andi, budi):
    by_andi = api.get(f"/api/v1/rewards?participant={andi.pk}").json()["items"]
    assert [item["id"] for item in by_andi] == [str(earned["andi"].pk)]
    review = api.get("/api/v1/rewards?status=needs_review").json()["items"]
    assert [item["id"] for item in review] == [str(earned["budi"].pk)]
    none = api.get(f"/api/v1/rewards?participant={andi.pk}&status=needs_review").json()
    assert none == {"items": [], "next": None}


def test_an_unknown_status_filter_is_a_422(api, earned):
    assert_problem(api.get("/api/v1/rewards?status=lunas"), 422)


def test_a_malformed_participant_filter_is_a_422(api, earned):
    assert_problem(api.get("/api/v1/rewards?participant=andi"), 422)


def test_rewards_are_paged_with_after(api, earned):
    first = api.get("/api/v1/rewards?limit=1").json()
    assert len(first["items"]) == 1 and first["next"] == first["items"][0]["id"]
    second = api.get(f"/api/v1/rewards?limit=1&after={first['next']}").json()
    assert [item["id"] for item in second["items"]] != [item["id"] for item in first["items"]]
    third = api.get(f"/api/v1/rewards?limit=1&after={second['next']}").json()
    assert third == {"items": [], "next": None}


def test_another_workspace_sees_none_of_the_rewards(outsider_api, earned):
    assert outsider_api.get("/api/v1/rewards").json()["items"] == []
    reward = earned["budi"]
    assert_problem(outsider_api.get(f"/api/v1/rewards/{reward.pk}"), 404)
    assert_problem(outsider_api.post(f"/api/v1/rewards/{reward.pk}/approve"), 404)
    assert_problem(outsider_api.post(f"/api/v1/rewards/{reward.pk}/reject"), 404)
    reward.refresh_from_db()
    assert reward.status == "needs_review"


def test_approving_a_reward_under_review(api, earned, budi, books_program):
    reward = earned["budi"]
    response = api.post(f"/api/v1/rewards/{reward.pk}/approve")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["approved_at"]) == (
        str(reward.pk),
        "approved",
        "2026-05-18T09:00:00Z",
    )
    assert balance(budi) == {"pending": 0, "approved": 125000000, "paid": 0}
    assert_books_agree(books_program)


def test_approving_twice_is_a_409(api, earned):
    reward = earned["andi"]  # already approved
    body = assert_problem(api.post(f"/api/v1/rewards/{reward.pk}/approve"), 409)
    assert "approved" in body["detail"]


def test_rejecting_with_a_reason(api, earned, budi, books_program):
    reward = earned["budi"]
    response = api.post(f"/api/v1/rewards/{reward.pk}/reject", {"reason": "pesanan palsu"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "rejected",
        "pesanan palsu",
    )
    assert balance(budi) == {"pending": 0, "approved": 0, "paid": 0}
    assert_problem(api.post(f"/api/v1/rewards/{reward.pk}/reject"), 409)
    assert_problem(api.post(f"/api/v1/rewards/{reward.pk}/approve"), 409)
    assert_books_agree(books_program)


def test_rejecting_without_a_body(api, earned):
    reward = earned["budi"]
    response = api.post(f"/api/v1/rewards/{reward.pk}/reject", raw="")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"


def test_rejecting_with_an_unknown_field_is_a_422(api, earned):
    reward = earned["budi"]
    assert_problem(api.post(f"/api/v1/rewards/{reward.pk}/reject", {"alasan": "x"}), 422)


def test_an_unknown_or_malformed_reward_id_is_a_404(api, earned):
    assert_problem(api.post("/api/v1/rewards/0190a0a0-0000-7000-8000-000000000000/approve"), 404)
    assert_problem(api.post("/api/v1/rewards/bukan-id/approve"), 404)


def test_the_payout_flow(api, earned, andi, budi, books_program, frozen_clock):
    # when a payout is made
    response = api.post("/api/v1/payouts", {"program": "hadiah", "currency": "IDR"})

    # then Andi's approved reward is in it, Budi's (under review) is not
    assert response.status_code == 201, response.content
    payout = response.json()
    assert {"id", "total", "currency", "status", "items"} <= payout.keys()
    assert (payout["total"], payout["currency"], payout["status"]) == (93750000, "IDR", "draft")
    assert [(i["participant_id"], i["amount"]) for i in payout["items"]] == [
        (str(andi.pk), 93750000)
    ]
    assert api.get(f"/api/v1/payouts/{payout['id']}").json() == payout

    # and its export is a CSV attachment for the bank
    export = api.get(f"/api/v1/payouts/{payout['id']}/export.csv")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert export["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["name"], r["amount"], r["amount_minor"]) for r in rows] == [
        ("Andi", "Rp937.500", "93750000")
    ]

    # when it is marked paid
    frozen_clock.advance(days=1)
    paid = api.post(f"/api/v1/payouts/{payout['id']}/mark-paid")

    # then its rewards are paid and the money moved
    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["paid_at"]) == ("paid", "2026-05-19T09:00:00Z")
    listed = api.get(f"/api/v1/rewards?participant={andi.pk}").json()["items"]
    assert [(r["status"], r["paid_at"]) for r in listed] == [("paid", "2026-05-19T09:00:00Z")]
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000}
    assert_problem(api.post(f"/api/v1/payouts/{payout['id']}/mark-paid"), 409)
    assert_books_agree(books_program)


def test_a_payout_with_no_approved_rewards_is_a_422_and_none_is_made(api, books_program):
    body = assert_problem(
        api.post("/api/v1/payouts", {"program": "hadiah", "currency": "IDR"}), 422
    )
    assert body["detail"] == "nothing to pay: no approved rewards in IDR in program hadiah"
    assert not Payout.objects.exists()


def test_a_payout_of_an_unknown_program_is_a_422(api, books_program):
    body = assert_problem(
        api.post("/api/v1/payouts", {"program": "tidak-ada", "currency": "IDR"}), 422
    )
    assert body["errors"][0]["loc"] == ["body", "program"]


@pytest.mark.parametrize(
    "body",
    [
        {"program": "hadiah"},
        {"program": "hadiah", "currency": "idr"},
        {"program": "hadiah", "currency": "XYZ"},
        {"program": "hadiah", "currency": "IDR", "extra": 1},
        {"currency": "IDR"},
    ],
)
def test_a_bad_payout_request_is_a_422(api, books_program, body):
    assert_problem(api.post("/api/v1/payouts", body), 422)


def test_another_workspaces_payout_is_a_404(api, outsider_api, earned):
    payout = api.post("/api/v1/payouts", {"program": "hadiah", "currency": "IDR"}).json()
    for path in (f"/api/v1/payouts/{payout['id']}", f"/api/v1/payouts/{payout['id']}/export.csv"):
        assert_problem(outsider_api.get(path), 404)
    assert_problem(outsider_api.post(f"/api/v1/payouts/{payout['id']}/mark-paid"), 404)
    # nor may the outsider pay out a program of ours
    assert_problem(
        outsider_api.post("/api/v1/payouts", {"program": "hadiah", "currency": "IDR"}), 422
    )
    assert api.get(f"/api/v1/payouts/{payout['id']}").json()["status"] == "draft"


def test_the_endpoints_need_a_secret_key(anonymous_api, publishable_api, earned):
    reward = earned["budi"]
    for client, status in ((anonymous_api, 401), (publishable_api, 403)):
        assert_problem(client.get("/api/v1/rewards"), status)
        assert_problem(client.post(f"/api/v1/rewards/{reward.pk}/approve"), status)
        assert_problem(
            client.post("/api/v1/payouts", {"program": "hadiah", "currency": "IDR"}), status
        )


def test_the_openapi_document_lists_the_reward_and_payout_paths(anonymous_api):
    paths = anonymous_api.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/rewards"]
    assert "post" in paths["/api/v1/rewards/{reward_id}/approve"]
    assert "post" in paths["/api/v1/rewards/{reward_id}/reject"]
    assert "post" in paths["/api/v1/payouts"]
    assert "get" in paths["/api/v1/payouts/{payout_id}/export.csv"]
    assert "post" in paths["/api/v1/payouts/{payout_id}/mark-paid"]
    assert "get" in paths["/api/v1/payouts"]
    assert "post" in paths["/api/v1/payouts/{payout_id}/send"]
    assert "post" in paths["/api/v1/payouts/{payout_id}/mark-failed"]


def test_the_export_has_one_200_response_in_the_served_document(anonymous_api):
    import json

    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    text = anonymous_api.get("/api/v1/openapi.json").content.decode()
    document = json.loads(text, object_pairs_hook=no_duplicates)
    responses = document["paths"]["/api/v1/payouts/{payout_id}/export.csv"]["get"]["responses"]
    assert list(responses).count("200") == 1
    assert "text/csv" in responses["200"]["content"]
    item = document["components"]["schemas"]["PayoutItemOut"]["properties"]
    assert "reversed_after_send" in item and item["reversed_after_send"]["description"]
