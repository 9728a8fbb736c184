"""Story: a manager approves or rejects a page of the review queue at once; a reward that cannot
be (already approved, unknown, another workspace's) is skipped with the reason and the others go
through — as a service and through /api/v1/rewards/bulk-approve|bulk-reject."""

import uuid

import pytest

from tests.helpers import assert_problem
from tests.rewards.books import assert_books_agree, balance, make_referral, make_sale
from tular.rewards.models import Reward
from tular.rewards.services import reward_approve, rewards_review_many
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry


@pytest.fixture
def in_review(books_program, andi, budi):
    """Two pending sale rewards (in their hold): Rp937.500 for Andi, Rp1.250.000 for Budi."""
    make_sale(make_referral(books_program, andi), 750000000)
    make_sale(make_referral(books_program, budi), 1000000000)
    return [Reward.objects.get(participant=andi), Reward.objects.get(participant=budi)]


def test_bulk_approve_moves_the_money_and_skips_what_is_done(books_program, in_review, andi):
    # given: Andi's reward was approved already
    reward_approve(reward=in_review[0])
    ids = [str(reward.pk) for reward in in_review]
    # when
    outcomes = rewards_review_many(
        workspace=books_program.workspace,
        reward_ids=ids,
        action="approve",
        actor=Actor(label="rina"),
    )
    # then
    assert [(o.done, o.status) for o in outcomes] == [(False, "approved"), (True, "approved")]
    assert "approved" in outcomes[0].detail
    assert balance(in_review[1].participant)["approved"] == 125000000
    assert AuditEntry.objects.filter(action="reward.approve", actor="rina").count() == 1
    assert_books_agree(books_program)


def test_bulk_reject_keeps_the_reason(books_program, in_review):
    outcomes = rewards_review_many(
        workspace=books_program.workspace,
        reward_ids=[reward.pk for reward in in_review],
        action="reject",
        reason="Dugaan penipuan",
    )
    assert all(outcome.done for outcome in outcomes)
    assert set(Reward.objects.values_list("status_reason", flat=True)) == {"Dugaan penipuan"}
    assert balance(in_review[0].participant)["pending"] == 0
    assert_books_agree(books_program)


def test_api_bulk_approve_reports_each_id(api, in_review):
    # given
    reward_approve(reward=in_review[0])
    unknown = str(uuid.uuid4())
    # when
    response = api.post(
        "/api/v1/rewards/bulk-approve",
        {"ids": [str(in_review[0].pk), str(in_review[1].pk), unknown]},
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["skipped"]) == (1, 2)
    results = {result["id"]: result for result in body["results"]}
    assert results[str(in_review[1].pk)] == {
        "id": str(in_review[1].pk), "done": True, "status": "approved", "detail": "",
    }  # fmt: skip
    assert results[str(in_review[0].pk)]["done"] is False
    assert results[unknown] == {
        "id": unknown, "done": False, "status": None, "detail": "no reward with this id",
    }  # fmt: skip


def test_api_bulk_reject_with_a_reason(api, in_review):
    response = api.post(
        "/api/v1/rewards/bulk-reject",
        {"ids": [str(reward.pk) for reward in in_review], "reason": "Pesanan palsu"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["done"] == 2
    assert set(Reward.objects.values_list("status", "status_reason")) == {
        ("rejected", "Pesanan palsu")
    }


def test_api_bulk_of_another_workspace_touches_nothing(outsider_api, in_review):
    response = outsider_api.post(
        "/api/v1/rewards/bulk-approve", {"ids": [str(reward.pk) for reward in in_review]}
    )
    assert response.status_code == 200
    assert response.json()["done"] == 0
    assert set(Reward.objects.values_list("status", flat=True)) == {"pending"}


@pytest.mark.parametrize(
    "body", [{}, {"ids": []}, {"ids": ["not-a-uuid"]}, {"ids": [], "extra": 1}]
)
def test_api_bulk_with_a_bad_body_is_422(api, books_program, body):
    assert_problem(api.post("/api/v1/rewards/bulk-approve", body), 422)
