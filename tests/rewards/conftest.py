"""Rewards fixtures: a program with a 12.5 % sale rule and a fixed friend signup reward, built
through the ORM (the track/* endpoints are not needed to earn rewards), on a frozen clock."""

from datetime import timedelta

import pytest

from tests.rewards.books import T0, assert_ledger_balances, make_participant, make_program
from tular.core import clock


class Clock:
    def __init__(self, start):
        self.now = start
        clock.freeze(start)

    def advance(self, **delta):
        self.now += timedelta(**delta)
        clock.freeze(self.now)
        return self.now


@pytest.fixture
def frozen():
    yield Clock(T0)
    clock.freeze(None)


@pytest.fixture
def books_program(workspace, frozen):
    program = make_program(workspace)
    yield program
    # The ledger invariant after every scenario that touched it.
    assert_ledger_balances()


@pytest.fixture
def andi(books_program):
    return make_participant(books_program, "Andi")


@pytest.fixture
def budi(books_program):
    return make_participant(books_program, "Budi")
