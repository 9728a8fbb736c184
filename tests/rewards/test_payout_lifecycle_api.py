"""Story (issue 7): a reward taken back while its payout is unsent is never paid out.

Through /api/v1 only, as an integrator runs it: Andi refers Budi, Budi buys for Rp1.000.000
(Andi earns 20 % = Rp200.000), the manager approves it, makes a payout, and then Budi cancels
or refunds before the payout is marked paid."""

import csv
import io

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def approved(api, participant):
    """Andi's Rp200.000 reward on Budi's sale, approved by the manager."""
    signup = {
        "event_id": "signup-budi",
        "code": participant["code"],
        "customer": {"external_id": "cust_budi", "email": "budi@example.com", "name": "Budi"},
    }
    assert api.post("/api/v1/track/signup", signup).status_code == 201
    sale = {
        "event_id": "sale-1",
        "customer_external_id": "cust_budi",
        "amount": 100_000_000,
        "currency": "IDR",
        "invoice_id": "inv-1",
    }
    response = api.post("/api/v1/track/sale", sale)
    assert response.status_code == 201, response.content
    reward = next(r for r in response.json()["rewards"] if r["recipient"] == "referrer")
    assert reward["amount"] == 20_000_000
    assert api.post(f"/api/v1/rewards/{reward['id']}/approve").status_code == 200
    return reward


def _balance(api, participant) -> dict:
    body = api.get(f"/api/v1/participants/{participant['id']}").json()
    idr = [b for b in body["balances"] if b["currency"] == "IDR"]
    return {key: idr[0][key] for key in ("pending", "approved", "paid")} if idr else {}


def _csv_rows(api, payout_id) -> list[dict]:
    export = api.get(f"/api/v1/payouts/{payout_id}/export.csv")
    assert export.status_code == 200
    return list(csv.DictReader(io.StringIO(export.content.decode())))


def _payout(api) -> dict:
    response = api.post("/api/v1/payouts", {"program": "pelanggan", "currency": "IDR"})
    assert response.status_code == 201, response.content
    return response.json()


TAKE_BACK = {
    "cancel": (
        "/api/v1/track/cancel",
        {"event_id": "cancel-1", "customer_external_id": "cust_budi"},
    ),
    "full refund": (
        "/api/v1/track/refund",
        {
            "event_id": "refund-1",
            "customer_external_id": "cust_budi",
            "invoice_id": "inv-1",
            "amount": 100_000_000,
            "currency": "IDR",
        },
    ),
}  # fmt: skip


@pytest.mark.parametrize("how", list(TAKE_BACK))
def test_a_reward_taken_back_before_its_payout_is_paid_pays_nothing(
    api, participant, approved, how
):
    # given the approved reward is in a payout (a draft)
    payout = _payout(api)
    assert [(i["participant_id"], i["amount"]) for i in payout["items"]] == [
        (participant["id"], 20_000_000)
    ]

    # when the customer cancels (or is refunded in full) before the payout is paid
    path, body = TAKE_BACK[how]
    assert api.post(path, body).status_code == 201

    # then the draft no longer pays it: no item, no CSV row
    now = api.get(f"/api/v1/payouts/{payout['id']}").json()
    assert (now["status"], now["total"], now["items"]) == ("draft", 0, [])
    assert _csv_rows(api, payout["id"]) == []
    reward = api.get(f"/api/v1/rewards/{approved['id']}").json()
    assert (reward["status"], reward["payout_id"]) == ("reversed", None)

    # and marking it paid pays nothing (409: nothing left to pay), the books are square
    assert_problem(api.post(f"/api/v1/payouts/{payout['id']}/mark-paid"), 409)
    assert _balance(api, participant) == {"pending": 0, "approved": 0, "paid": 0}


def test_a_partial_refund_while_draft_lowers_the_item(api, participant, approved):
    payout = _payout(api)
    refund = {**TAKE_BACK["full refund"][1], "amount": 25_000_000}  # a quarter
    assert api.post("/api/v1/track/refund", refund).status_code == 201

    now = api.get(f"/api/v1/payouts/{payout['id']}").json()
    assert (now["total"], [i["amount"] for i in now["items"]]) == (15_000_000, [15_000_000])
    assert [row["amount_minor"] for row in _csv_rows(api, payout["id"])] == ["15000000"]

    paid = api.post(f"/api/v1/payouts/{payout['id']}/mark-paid")
    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["total"]) == ("paid", 15_000_000)
    assert paid.json()["sent_at"] is not None
    assert _balance(api, participant) == {"pending": 0, "approved": 0, "paid": 15_000_000}


def test_a_reversal_after_send_is_a_debt_the_next_payout_nets(api, participant, approved):
    # given the payout was sent (frozen_clock)
    payout = _payout(api)
    sent = api.post(f"/api/v1/payouts/{payout['id']}/send")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    export = api.get(f"/api/v1/payouts/{payout['id']}/export.csv")
    assert export["Content-Disposition"] == f'attachment; filename="payout-{payout["id"]}.csv"'

    # when the sale is refunded in full
    path, body = TAKE_BACK["full refund"]
    assert api.post(path, body).status_code == 201

    # then the sent payout still pays what the bank was told, and shows the debt
    now = api.get(f"/api/v1/payouts/{payout['id']}").json()
    assert now["total"] == 20_000_000
    assert now["items"][0]["reversed_after_send"] == 20_000_000
    assert now["reversed_after_send"] == 20_000_000
    assert [row["amount_minor"] for row in _csv_rows(api, payout["id"])] == ["20000000"]
    paid = api.post(f"/api/v1/payouts/{payout['id']}/mark-paid")
    assert paid.status_code == 200
    assert _balance(api, participant) == {"pending": 0, "approved": -20_000_000, "paid": 20_000_000}


def test_send_then_mark_failed_frees_the_rewards_for_a_later_payout(api, participant, approved):
    payout = _payout(api)
    # a draft's export is a preview, and says so
    export = api.get(f"/api/v1/payouts/{payout['id']}/export.csv")
    assert "draft-preview" in export["Content-Disposition"]
    assert api.post(f"/api/v1/payouts/{payout['id']}/send").status_code == 200
    assert_problem(api.post(f"/api/v1/payouts/{payout['id']}/send"), 409)

    failed = api.post(f"/api/v1/payouts/{payout['id']}/mark-failed", {"reason": "rekening salah"})
    assert failed.status_code == 200, failed.content
    body = failed.json()
    assert (body["status"], body["failure_reason"]) == ("failed", "rekening salah")
    assert body["failed_at"] is not None
    reward = api.get(f"/api/v1/rewards/{approved['id']}").json()
    assert (reward["status"], reward["payout_id"]) == ("approved", None)
    assert _balance(api, participant) == {"pending": 0, "approved": 20_000_000, "paid": 0}
    assert_problem(api.post(f"/api/v1/payouts/{payout['id']}/mark-paid"), 409)
    assert_problem(api.post(f"/api/v1/payouts/{payout['id']}/mark-failed", {"reason": "lagi"}), 409)

    # and a later payout pays the reward
    later = _payout(api)
    assert later["total"] == 20_000_000
    assert api.post(f"/api/v1/payouts/{later['id']}/mark-paid").status_code == 200
    assert _balance(api, participant) == {"pending": 0, "approved": 0, "paid": 20_000_000}


def test_mark_failed_needs_a_sent_payout_and_a_reason(api, participant, approved):
    payout = _payout(api)
    path = f"/api/v1/payouts/{payout['id']}/mark-failed"
    assert_problem(api.post(path, {"reason": "x"}), 409)  # a draft was never sent
    api.post(f"/api/v1/payouts/{payout['id']}/send")
    assert_problem(api.post(path, {}), 422)
    assert_problem(api.post(path, {"reason": ""}), 422)


def test_nothing_to_pay_is_a_422_and_no_payout(api, program):
    body = assert_problem(
        api.post("/api/v1/payouts", {"program": "pelanggan", "currency": "IDR"}), 422
    )
    assert body["detail"] == "nothing to pay: no approved rewards in IDR in program pelanggan"
    assert api.get("/api/v1/payouts").json() == {"items": [], "next": None}


def test_payouts_are_listed_filtered_and_paged(api, outsider_api, participant, approved):
    first = _payout(api)
    api.post(f"/api/v1/payouts/{first['id']}/send")
    api.post(f"/api/v1/payouts/{first['id']}/mark-failed", {"reason": "ditolak bank"})
    second = _payout(api)

    listed = api.get("/api/v1/payouts").json()
    assert [p["id"] for p in listed["items"]] == [first["id"], second["id"]]
    assert listed["next"] is None
    assert listed["items"][1] == api.get(f"/api/v1/payouts/{second['id']}").json()
    drafts = api.get("/api/v1/payouts?status=draft").json()["items"]
    assert [p["id"] for p in drafts] == [second["id"]]
    assert api.get("/api/v1/payouts?program=lain").json()["items"] == []
    page = api.get("/api/v1/payouts?limit=1").json()
    assert [p["id"] for p in page["items"]] == [first["id"]] and page["next"] == first["id"]
    rest = api.get(f"/api/v1/payouts?limit=1&after={page['next']}").json()
    assert [p["id"] for p in rest["items"]] == [second["id"]]
    assert_problem(api.get("/api/v1/payouts?status=open"), 422)
    assert outsider_api.get("/api/v1/payouts").json()["items"] == []
    for action in ("send", "mark-paid"):
        assert_problem(outsider_api.post(f"/api/v1/payouts/{second['id']}/{action}"), 404)
