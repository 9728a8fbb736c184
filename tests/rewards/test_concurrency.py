"""Payouts made at once, on real parallel PostgreSQL connections: each reward lands in exactly
one payout, and a payout is paid once. (SQLite serialises writers, and its in-memory test
database cannot be shared between threads: these run on PostgreSQL only.)"""

import threading
import time
from collections import defaultdict

import pytest
from django.db import connection, connections, transaction

from tests.helpers import in_parallel, needs_parallel_connections
from tests.rewards.books import (
    assert_books_agree,
    balance,
    make_participant,
    make_program,
    make_referral,
    make_refund,
    make_sale,
)
from tular.core.errors import Conflict, Invalid
from tular.rewards.models import Payout, PayoutItem, Reward
from tular.rewards.payouts import lock_program, payout_create, payout_mark_paid, payout_send
from tular.rewards.services import reward_approve

pytestmark = needs_parallel_connections


@pytest.fixture
def approved_rewards(workspace, frozen_clock):
    program = make_program(workspace, hold_days=0, auto_approve_below=10**12)
    people = [make_participant(program, f"Mitra {i}") for i in range(5)]
    for index in range(30):
        make_sale(make_referral(program, people[index % 5]), 100000000 + index)
    assert Reward.objects.filter(status="approved").count() == 30
    return program, people


@pytest.mark.parametrize("threads", [2, 4])
def test_concurrent_payouts_put_each_reward_in_exactly_one(approved_rewards, threads):
    program, _people = approved_rewards

    results, errors = in_parallel(
        threads,
        lambda: payout_create(workspace=program.workspace, program=program, currency="IDR").pk,
    )

    # The first payout gathers everything; the others find nothing to pay and are not made.
    made = [result for result in results if result is not None]
    assert len(made) == len(set(made)) >= 1
    assert all(isinstance(error, Invalid) for error in errors if error is not None)
    assert sum(error is None for error in errors) == len(made)
    assert set(Payout.objects.values_list("pk", flat=True)) == set(made)
    results = made
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

    results, errors = in_parallel(
        2, lambda: payout_mark_paid(payout=Payout.objects.get(pk=payout.pk)).status
    )

    assert sorted(map(str, results)) == ["None", "paid"]
    assert sum(isinstance(error, Conflict) for error in errors) == 1
    assert sum(balance(person)["paid"] for person in people) == sum(
        Reward.objects.values_list("amount", flat=True)
    )
    assert_books_agree(program)


@pytest.mark.parametrize("action", ["send", "mark_paid"])
def test_a_refund_racing_a_send_is_either_dropped_from_the_draft_or_a_debt(
    approved_rewards, action
):
    program, _people = approved_rewards
    payout = payout_create(workspace=program.workspace, program=program, currency="IDR")
    reward = Reward.objects.filter(payout=payout).order_by("pk").first()
    sale = reward.conversion
    change = {"send": payout_send, "mark_paid": payout_mark_paid}[action]
    works = [
        lambda: make_refund(sale, sale.amount)[1],
        lambda: change(payout=Payout.objects.get(pk=payout.pk)).status,
    ]

    _results, errors = in_parallel(2, lambda index: works[index]())

    assert errors == [None, None]
    reward.refresh_from_db()
    item = PayoutItem.objects.get(payout=payout, participant_id=reward.participant_id)
    if reward.payout_id is None:  # the refund came first: the draft dropped the reward
        assert reward.status == "reversed"
        assert item.reversed_after_send == 0
    else:  # the payout was frozen_clock first: the refund is a debt on the sent item
        assert item.reversed_after_send == reward.amount
    assert_books_agree(program)


def test_approving_a_reward_never_waits_on_its_program(books_program, andi):
    # A reversal or a payout holds the program's lock while it works. Approving a reward locks
    # the reward alone: it must not also lock the program (a join FOR UPDATE locks every joined
    # row), or the two can wait on each other in a circle (a deadlock found by the fuzzer).
    reward = make_sale(make_referral(books_program, andi), 100000000)[1][0]
    assert reward.status == "pending"
    held, release = threading.Event(), threading.Event()

    def hold_the_program():
        with transaction.atomic():
            lock_program(books_program.pk)
            held.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold_the_program)
    holder.start()
    try:
        assert held.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            started = time.monotonic()
            approved = reward_approve(reward=reward)
        assert approved.status == "approved"
        assert time.monotonic() - started < 3
    finally:
        release.set()
        holder.join(timeout=10)
        connections.close_all()
