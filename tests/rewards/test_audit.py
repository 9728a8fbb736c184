"""Approving, rejecting and every payout step are in the audit log: who (API key, user or the
system), what, before and after, in the same transaction; a refused action writes nothing."""

import pytest
from django.test import Client

from tests.rewards.books import make_referral, make_sale
from tular.core.errors import Conflict
from tular.rewards.models import Payout, Reward
from tular.rewards.payouts import payout_create, payout_mark_failed, payout_mark_paid, payout_send
from tular.rewards.services import reward_approve, reward_reject, rewards_release_due
from tular.workspaces.audit import Actor
from tular.workspaces.models import ApiKey, AuditEntry


def _entries(action=None):
    entries = AuditEntry.objects.order_by("pk")
    return list(entries.filter(action=action) if action else entries)


@pytest.fixture
def under_review(books_program, andi, budi, frozen_clock):
    """Andi: Rp937.500 approved after the hold; Budi: Rp1.250.000 waiting for review."""
    make_sale(make_referral(books_program, andi), 750000000)
    make_sale(make_referral(books_program, budi), 1000000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    return Reward.objects.get(participant=budi)


def test_approve_records_who_and_the_status_before_and_after(under_review, django_user_model):
    user = django_user_model.objects.create_user("manajer", "m@toko.example", "x")

    reward_approve(reward=under_review, actor=Actor.for_user(user))

    [entry] = _entries("reward.approve")
    assert (entry.actor, entry.actor_user_id, entry.target_id) == (
        "manajer",
        user.pk,
        str(under_review.pk),
    )
    assert entry.before == {
        "status": "needs_review",
        "amount": 125000000,
        "reversed_amount": 0,
        "currency": "IDR",
    }
    assert entry.after["status"] == "approved"


def test_reject_records_the_reason_and_a_refusal_writes_nothing(under_review):
    reward_reject(reward=under_review, reason="pesanan palsu")
    [entry] = _entries("reward.reject")
    assert (entry.actor, entry.after["status"], entry.after["reason"]) == (
        "system",
        "rejected",
        "pesanan palsu",
    )

    with pytest.raises(Conflict):
        reward_approve(reward=under_review)
    with pytest.raises(Conflict):
        reward_reject(reward=under_review)
    assert len(_entries()) == 1


def test_every_payout_step_is_recorded(books_program, under_review, andi):
    payout = payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")
    payout_send(payout=payout)
    payout_mark_failed(payout=payout, reason="rekening salah")
    again = payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")
    payout_mark_paid(payout=again)  # a draft: sent, then paid

    actions = [(entry.action, entry.target_id) for entry in _entries()]
    assert actions == [
        ("payout.create", str(payout.pk)),
        ("payout.send", str(payout.pk)),
        ("payout.mark_failed", str(payout.pk)),
        ("payout.create", str(again.pk)),
        ("payout.send", str(again.pk)),
        ("payout.mark_paid", str(again.pk)),
    ]
    created, sent, failed, *_rest, paid = _entries()
    assert created.before is None
    assert created.after == {
        "status": "draft",
        "currency": "IDR",
        "total": 93750000,
        "items": [{"participant_id": str(andi.pk), "amount": 93750000}],
    }
    assert (sent.before["status"], sent.after["status"]) == ("draft", "sent")
    assert (failed.after["status"], failed.after["reason"]) == ("failed", "rekening salah")
    assert (paid.before["status"], paid.after["status"], paid.after["total"]) == (
        "sent",
        "paid",
        93750000,
    )


def test_refused_payout_steps_write_nothing(books_program, under_review):
    payout = payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")
    count = len(_entries())
    with pytest.raises(Conflict):
        payout_mark_failed(payout=payout, reason="x")  # a draft was never sent
    payout_mark_paid(payout=payout)
    for refused in (
        lambda: payout_send(payout=payout),
        lambda: payout_mark_paid(payout=payout),
        lambda: payout_mark_failed(payout=payout, reason="x"),
    ):
        with pytest.raises(Conflict):
            refused()
    assert len(_entries()) == count + 2  # the send and the payment, nothing more
    from tular.core.errors import Invalid

    with pytest.raises(Invalid):
        payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")
    assert len(_entries()) == count + 2
    assert Payout.objects.count() == 1


def test_the_api_records_the_key(api, books_program, under_review):
    assert api.post(f"/api/v1/rewards/{under_review.pk}/approve").status_code == 200
    created = api.post("/api/v1/payouts", {"program": "hadiah", "currency": "IDR"})
    assert created.status_code == 201
    payout_id = created.json()["id"]
    assert api.post(f"/api/v1/payouts/{payout_id}/send").status_code == 200
    assert api.post(f"/api/v1/payouts/{payout_id}/mark-failed", {"reason": "x"}).status_code == 200
    entries = [entry for entry in _entries() if not entry.action.startswith("api_key.")]
    assert [entry.action for entry in entries] == [
        "reward.approve",
        "payout.create",
        "payout.send",
        "payout.mark_failed",
    ]
    key = ApiKey.objects.get(workspace=books_program.workspace, prefix=api.key[: len(key_prefix())])
    assert {(entry.actor_api_key_id, entry.actor) for entry in entries} == {
        (key.pk, f"API key {key.prefix}…")
    }


def key_prefix() -> str:
    from tular.workspaces.services import SECRET_KEY_PREFIX

    return SECRET_KEY_PREFIX + "x" * 6


def test_the_admin_actions_record_the_signed_in_user(
    books_program, under_review, django_user_model
):
    user = django_user_model.objects.create_superuser("admin", "admin@toko.example", "x")
    client = Client()
    client.force_login(user)

    response = client.post(
        "/admin/rewards/reward/",
        {"action": "approve", "_selected_action": [str(under_review.pk)]},
    )
    assert response.status_code == 302
    payout = payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")
    for action in ("send", "mark_paid"):
        response = client.post(
            "/admin/rewards/payout/", {"action": action, "_selected_action": [str(payout.pk)]}
        )
        assert response.status_code == 302
    assert Payout.objects.get(pk=payout.pk).status == "paid"
    by_user = [(e.action, e.actor, e.actor_user_id) for e in _entries() if e.actor_user_id]
    assert by_user == [
        ("reward.approve", "admin", user.pk),
        ("payout.send", "admin", user.pk),
        ("payout.mark_paid", "admin", user.pk),
    ]
    # a refused action is a warning in the admin, not an error page, and writes nothing
    response = client.post(
        "/admin/rewards/payout/",
        {"action": "mark_failed", "_selected_action": [str(payout.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert not _entries("payout.mark_failed")
