"""Rewards fixtures: a program with a 12.5 % sale rule and a fixed friend signup reward, built
through the ORM (the track/* endpoints are not needed to earn rewards), on the one frozen clock
(tests/conftest.py) starting at T0."""

import pytest

from tests.rewards.books import T0, assert_ledger_balances, make_participant, make_program


@pytest.fixture
def clock_start():
    return T0


@pytest.fixture
def books_program(workspace, frozen_clock):
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
