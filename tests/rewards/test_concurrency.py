"""Payouts made at once, on real parallel PostgreSQL connections: each reward lands in exactly
one payout, and a payout is paid once. (SQLite serialises writers, and its in-memory test
database cannot be shared between threads: these run on PostgreSQL only.)"""

import threading
from collections import defaultdict

import pytest
from django.db import connection, connections

from tests.rewards.books import (
    assert_books_agree,
    balance,
    make_participant,
    make_program,
    make_referral,
    make_sale,
)
from tular.core.errors import Conflict
from tular.rewards.models import Payout, PayoutItem, Reward
from tular.rewards.payouts import payout_create, payout_mark_paid

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real parallel connections (PostgreSQL)"
    ),
]


def _in_parallel(count, work):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as exc:
            errors[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def approved_rewards(workspace, frozen):
    program = make_program(workspace, hold_days=0, auto_approve_below=10**12)
    people = [make_participant(program, f"Mitra {i}") for i in range(5)]
    for index in range(30):
        make_sale(make_referral(program, people[index % 5]), 100000000 + index)
    assert Reward.objects.filter(status="approved").count() == 30
    return program, people


@pytest.mark.parametrize("threads", [2, 4])
def test_concurrent_payouts_put_each_reward_in_exactly_one(approved_rewards, threads):
    program, _people = approved_rewards

    results, errors = _in_parallel(
        threads,
        lambda: payout_create(workspace=program.workspace, program=program, currency="IDR").pk,
    )

    assert errors == [None] * threads
    assert len(set(results)) == threads
    rewards = list(Reward.objects.filter(program=program))
    assert all(reward.payout_id in results for reward in rewards)
    # Each participant is paid exactly what their rewards are worth, across all the payouts.
    owed = defaultdict(int)
    for reward in rewards:
        owed[reward.participant_id] += reward.amount
    paid = defaultdict(int)
    for item in PayoutItem.objects.filter(payout_id__in=results):
        paid[item.participant_id] += item.amount
    assert paid == owed
    # …and each payout's items are exactly the rewards it holds.
    for payout_id in results:
        held = defaultdict(int)
        for reward in rewards:
            if reward.payout_id == payout_id:
                held[reward.participant_id] += reward.amount
        items = dict(
            PayoutItem.objects.filter(payout_id=payout_id).values_list("participant_id", "amount")
        )
        assert items == held
    assert_books_agree(program)


def test_a_payout_marked_paid_twice_at_once_is_paid_once(approved_rewards):
    program, people = approved_rewards
    payout = payout_create(workspace=program.workspace, program=program, currency="IDR")

    results, errors = _in_parallel(
        2, lambda: payout_mark_paid(Payout.objects.get(pk=payout.pk)).status
    )

    assert sorted(map(str, results)) == ["None", "paid"]
    assert sum(isinstance(error, Conflict) for error in errors) == 1
    assert sum(balance(person)["paid"] for person in people) == sum(
        Reward.objects.values_list("amount", flat=True)
    )
    assert_books_agree(program)
