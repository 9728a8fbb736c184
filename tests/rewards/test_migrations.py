"""The payout lifecycle migration: a payout still `open` (made, not paid) becomes a `draft`."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("rewards", "0002_payoutitem")]
AFTER = [("rewards", "0005_money_constraints")]


@pytest.mark.django_db(transaction=True)
def test_open_payouts_become_drafts_and_paid_ones_stay_paid():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    workspace = apps.get_model("workspaces", "Workspace").objects.create(slug="lama", name="Lama")
    program = apps.get_model("programs", "Program").objects.create(
        workspace=workspace,
        slug="lama",
        name="Lama",
        kind="customer",
        currency="IDR",
        destination_url="https://toko.example/",
        attribution={"model": "last_touch", "window_days": 30},
        rules=[],
    )
    Payout = apps.get_model("rewards", "Payout")
    at = datetime(2026, 5, 4, tzinfo=UTC)
    open_id = Payout.objects.create(
        workspace=workspace, program=program, currency="IDR", status="open", created_at=at
    ).pk
    paid_id = Payout.objects.create(
        workspace=workspace, program=program, currency="IDR", status="paid", created_at=at
    ).pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    Payout = executor.loader.project_state(AFTER).apps.get_model("rewards", "Payout")
    assert Payout.objects.get(pk=open_id).status == "draft"
    assert Payout.objects.get(pk=paid_id).status == "paid"

    # and back to the latest state for the next tests
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
