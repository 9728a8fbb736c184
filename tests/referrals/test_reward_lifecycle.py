"""Holds end without anyone acting: the worker's job approves small rewards and queues large
ones for review, with the money moving pending → approved. Time is a controlled clock."""

from datetime import timedelta

from tests.referrals.conftest import sale_body
from tular.core import clock, schedule
from tular.core.worker import load_jobs
from tular.rewards.models import Reward
from tular.rewards.services import rewards_release_due


def balances(api, participant):
    return api.get(f"/api/v1/participants/{participant['id']}").json()["balances"]


def test_hold_ends_small_reward_approved_large_one_reviewed(api, participant, budi_signed_up):
    # given two sales: 20 % gives Rp200.000 (below the Rp7.500.000 limit) and Rp10.000.000
    start = clock.now()
    api.post("/api/v1/track/sale", sale_body(event_id="small", invoice_id="1", amount=100_000_000))
    api.post(
        "/api/v1/track/sale", sale_body(event_id="large", invoice_id="2", amount=5_000_000_000)
    )
    small, large = Reward.objects.filter(recipient="referrer").order_by("amount")

    # when a day before the 14-day hold ends, nothing moves
    assert rewards_release_due(now=start + timedelta(days=13)) == 0
    # and when it has ended, both move on by themselves
    assert rewards_release_due(now=start + timedelta(days=14, minutes=1)) == 3  # + friend's

    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.status, large.status) == ("approved", "needs_review")
    assert small.approved_at is not None
    assert balances(api, participant) == [
        {"currency": "IDR", "pending": 1_000_000_000, "approved": 20_000_000, "paid": 0}
    ]
    # and running the job again changes nothing
    assert rewards_release_due(now=start + timedelta(days=15)) == 0


def test_manager_approves_the_reviewed_reward_then_cannot_twice(api, participant, budi_signed_up):
    from tular.core.errors import Conflict
    from tular.rewards.services import reward_approve

    api.post("/api/v1/track/sale", sale_body(amount=5_000_000_000))
    rewards_release_due(now=clock.now() + timedelta(days=15))
    reward = Reward.objects.get(recipient="referrer")
    assert reward.status == "needs_review"
    reward_approve(reward=reward)
    assert balances(api, participant)[0]["approved"] == 1_000_000_000
    try:
        reward_approve(reward=reward)
        raise AssertionError("approved twice")
    except Conflict:
        pass
    assert balances(api, participant)[0]["approved"] == 1_000_000_000


def test_the_worker_runs_the_hold_release_job():
    load_jobs()
    assert "tular.rewards.jobs.release_rewards_whose_hold_ended" in schedule.JOBS
