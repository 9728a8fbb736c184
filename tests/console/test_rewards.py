"""Story: a manager works the review queue — sees why each reward waits, approves one and sees
the balances move, approves a page at once (one already approved is skipped, the rest go
through), rejects with a reason."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.console.conftest import sold
from tests.rewards.books import assert_books_agree, balance
from tular.rewards.models import Reward
from tular.rewards.services import reward_approve
from tular.workspaces.models import AuditEntry

URL = "/console/rewards/"


@pytest.fixture
def rewards(program):
    """Three pending sale rewards (in their 14-day hold) of Andi, Budi and Citra."""
    return sold(program, [("Andi", 750000000), ("Budi", 1000000000), ("Citra", 400000000)])


@pytest.mark.parametrize("persona", ["owner_client", "manager_client", "viewer_client"])
def test_members_see_the_queue(request, persona, rewards):
    response = request.getfixturevalue(persona).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Budi" in page and "Rp1.250.000" in page


def test_a_viewer_sees_no_checkboxes_and_cannot_approve(viewer_client, rewards):
    page = viewer_client.get(URL).content.decode()
    assert 'name="ids"' not in page
    response = viewer_client.post(f"{URL}review", {"action": "approve", "ids": [rewards[0].pk]})
    assert response.status_code == 403
    assert Reward.objects.get(pk=rewards[0].pk).status == "pending"


def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    assert anonymous_client.post(f"{URL}review").status_code == 302


def test_the_outsider_sees_and_touches_only_their_own(outsider_client, rewards, foreign_reward):
    page = outsider_client.get(URL).content.decode()
    assert "Budi" not in page and "Orang Lain" in page
    outsider_client.post(f"{URL}review", {"action": "approve", "ids": [rewards[0].pk]})
    assert Reward.objects.get(pk=rewards[0].pk).status == "pending"


def test_the_queue_filters_by_status_program_and_participant(manager_client, rewards, program):
    reward_approve(reward=rewards[0])
    queue = manager_client.get(URL).content.decode()
    assert "Andi" not in queue.split("<tbody>")[1]  # approved: not to review any more
    approved = manager_client.get(f"{URL}?status=approved").content.decode()
    assert "Andi" in approved.split("<tbody>")[1] and "Budi" not in approved.split("<tbody>")[1]
    budi = rewards[1].participant
    mine = manager_client.get(f"{URL}?status=all&participant={budi.pk}").content.decode()
    body = mine.split("<tbody>")[1]
    assert "Budi" in body and "Citra" not in body
    none = manager_client.get(f"{URL}?program=nope").content.decode()
    assert "<tbody>" not in none


def test_approving_one_from_the_queue_moves_its_money(manager_client, rewards, program):
    # given
    budi = rewards[1]
    assert balance(budi.participant)["pending"] == 125000000
    # when
    response = manager_client.post(f"{URL}review", {"approve_one": budi.pk}, follow=True)
    # then
    assert response.status_code == 200
    assert Reward.objects.get(pk=budi.pk).status == "approved"
    assert balance(budi.participant) == {"pending": 0, "approved": 125000000, "paid": 0}
    assert Reward.objects.filter(status="pending").count() == 2
    entry = AuditEntry.objects.get(action="reward.approve")
    assert entry.actor == "manager@toko.example"
    assert_books_agree(program)


def test_bulk_approve_skips_the_one_already_approved(manager_client, rewards, program):
    # given
    reward_approve(reward=rewards[0])
    # when
    response = manager_client.post(
        f"{URL}review",
        {"action": "approve", "ids": [reward.pk for reward in rewards], "next": "status=all"},
    )
    # then
    assert response["Location"] == f"{URL}?status=all"
    assert set(Reward.objects.values_list("status", flat=True)) == {"approved"}
    page = manager_client.get(response["Location"]).content.decode()
    assert "2 disetujui, 1 dilewati" in page
    assert "Andi" in page and "disetujui" in page
    assert AuditEntry.objects.filter(action="reward.approve").count() == 3  # 1 before + 2
    assert_books_agree(program)


def test_bulk_reject_needs_a_reason(manager_client, rewards):
    response = manager_client.post(
        f"{URL}review", {"action": "reject", "ids": [rewards[0].pk]}, follow=True
    )
    assert Reward.objects.get(pk=rewards[0].pk).status == "pending"
    assert "alasan" in response.content.decode()


def test_bulk_reject_with_a_common_reason_and_a_note(manager_client, rewards, program):
    manager_client.post(
        f"{URL}review",
        {
            "action": "reject",
            "ids": [rewards[1].pk, rewards[2].pk],
            "reason_choice": "refunded",
            "reason_text": "pesanan dibatalkan",
        },
    )
    rejected = Reward.objects.filter(status="rejected")
    assert set(rejected.values_list("pk", flat=True)) == {rewards[1].pk, rewards[2].pk}
    assert set(rejected.values_list("status_reason", flat=True)) == {
        "Pelanggan minta refund: pesanan dibatalkan"
    }
    assert balance(rewards[1].participant)["pending"] == 0
    assert_books_agree(program)


def test_nothing_ticked_says_so(manager_client, rewards):
    response = manager_client.post(f"{URL}review", {"action": "approve"}, follow=True)
    assert "Centang" in response.content.decode()


def test_the_queue_takes_the_same_queries_for_more_rewards(manager_client, program, rewards):
    manager_client.get(URL)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(URL)
    sold(program, [(f"P{index}", 1000000) for index in range(15)])
    with CaptureQueriesContext(connection) as many:
        manager_client.get(URL)
    assert len(many) == len(few)
