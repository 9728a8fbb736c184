"""Managers see rewards, payouts and the ledger in the admin, and cannot edit money there."""

import pytest
from django.test import Client

from tests.rewards.books import make_referral, make_sale
from tular.rewards.models import LedgerTransaction, Payout, Reward
from tular.rewards.payouts import payout_create
from tular.rewards.services import rewards_release_due


@pytest.fixture
def manager(django_user_model, books_program, andi, frozen_clock):
    make_sale(make_referral(books_program, andi), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout_create(workspace=books_program.workspace, program=books_program, currency="IDR")
    user = django_user_model.objects.create_superuser("manajer", "manajer@toko.example", "x")
    client = Client()
    client.force_login(user)
    return client


def test_manager_sees_the_rewards_admin_pages(manager):
    reward, payout = Reward.objects.first(), Payout.objects.first()
    transaction = LedgerTransaction.objects.first()
    for path in (
        "/admin/rewards/reward/",
        f"/admin/rewards/reward/{reward.pk}/change/",
        "/admin/rewards/payout/",
        f"/admin/rewards/payout/{payout.pk}/change/",
        "/admin/rewards/ledgertransaction/",
        f"/admin/rewards/ledgertransaction/{transaction.pk}/change/",
    ):
        response = manager.get(path)
        assert response.status_code == 200, path
        assert b'name="_save"' not in response.content


def test_money_cannot_be_added_in_the_admin(manager):
    for model in ("reward", "payout", "ledgertransaction"):
        assert manager.get(f"/admin/rewards/{model}/add/").status_code == 403
