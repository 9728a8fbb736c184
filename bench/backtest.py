"""The reward-rule backtest over 100k sales: how long `tular.analytics.backtest.backtest` takes.

Writes, in a fresh database, one program with 5,000 referrers, 100,000 referred customers (each
with their own participant, R3), a sign-up each, one sale each (100,000 conversions over a
year, 1 % refunded in part, 0.5 % cancelled) and the rewards the program's rules would have
given; then times the backtest of a changed rule set over that year. Bulk inserts, no HTTP.

    TULAR_DATA_DIR=/tmp/bench-backtest uv run python bench/backtest.py            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tular_bench_backtest \\
        uv run python bench/backtest.py                                           # PostgreSQL
    uv run python bench/backtest.py --sales 10000                                 # smaller
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")

RULES = [
    {
        "trigger": "sale",
        "recipient": "referrer",
        "kind": "percent",
        "percent": "10",
        "duration_months": 12,
        "tiers": [{"min_conversions": 10, "percent": "15"}],
        "cap": {"amount": 500_000_000, "period": "quarter"},
    },
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5_000_000},
]
DRAFT = [
    {**RULES[0], "percent": "12", "cap": {"amount": 300_000_000, "period": "month"}},
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 10_000_000},
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=100_000)
    parser.add_argument("--referrers", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tular.analytics.backtest import backtest
    from tular.participants.models import Participant
    from tular.programs.models import Program
    from tular.referrals.models import Conversion, Referral, TrackedEvent
    from tular.rewards.models import Reward
    from tular.workspaces.services import workspace_get_or_create

    call_command("migrate", verbosity=0)
    workspace = workspace_get_or_create(slug="bench-backtest", name="Bench")[0]
    Program.objects.filter(workspace=workspace, slug="bench-backtest").delete()
    program = Program.objects.create(
        workspace=workspace,
        slug="bench-backtest",
        name="Bench",
        kind="customer",
        currency="IDR",
        destination_url="https://bench.example/",
        rules=RULES,
    )
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    written = time.perf_counter()
    with transaction.atomic():
        referrers = Participant.objects.bulk_create(
            [
                Participant(
                    workspace=workspace,
                    program=program,
                    email=f"r{i}@bench.example",
                    name=f"Referrer {i}",
                    kind="customer",
                    code=f"bbr{i}",
                    created_at=start,
                )
                for i in range(args.referrers)
            ],
            batch_size=2000,
        )
        friends = Participant.objects.bulk_create(
            [
                Participant(
                    workspace=workspace,
                    program=program,
                    email=f"f{i}@bench.example",
                    name=f"Friend {i}",
                    kind="customer",
                    code=f"bbf{i}",
                    created_at=start,
                )
                for i in range(args.sales)
            ],
            batch_size=2000,
        )
        moments = sorted(
            start + timedelta(seconds=rng.randrange(364 * 86400)) for _ in range(args.sales)
        )
        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    workspace=workspace,
                    program=program,
                    participant=referrers[i % len(referrers)],
                    friend=friends[i],
                    customer_external_id=f"bc{i}",
                    email=f"f{i}@bench.example",
                    status="active",
                    created_at=moments[i],
                    first_sale_at=moments[i] + timedelta(hours=1),
                )
                for i in range(args.sales)
            ],
            batch_size=2000,
        )
        events = TrackedEvent.objects.bulk_create(
            [
                TrackedEvent(workspace=workspace, event_id=f"bench-{i}", kind="sale")
                for i in range(args.sales + args.sales // 100 + args.sales // 200)
            ],
            batch_size=5000,
        )
        sales = Conversion.objects.bulk_create(
            [
                Conversion(
                    workspace=workspace,
                    program=program,
                    referral=referrals[i],
                    kind="sale",
                    amount=rng.randrange(10_000_000, 1_000_000_000),
                    currency="IDR",
                    event=events[i],
                    occurred_at=moments[i] + timedelta(hours=1),
                )
                for i in range(args.sales)
            ],
            batch_size=2000,
        )
        extra = args.sales
        refunds = []
        for i in rng.sample(range(args.sales), args.sales // 100):
            refunds.append(
                Conversion(
                    workspace=workspace,
                    program=program,
                    referral=referrals[i],
                    kind="refund",
                    amount=sales[i].amount // 2,
                    currency="IDR",
                    sale=sales[i],
                    event=events[extra],
                    occurred_at=sales[i].occurred_at + timedelta(days=3),
                )
            )
            extra += 1
        for i in rng.sample(range(args.sales), args.sales // 200):
            refunds.append(
                Conversion(
                    workspace=workspace,
                    program=program,
                    referral=referrals[i],
                    kind="cancel",
                    event=events[extra],
                    occurred_at=sales[i].occurred_at + timedelta(days=10),
                )
            )
            extra += 1
        Conversion.objects.bulk_create(refunds, batch_size=2000)
        Reward.objects.bulk_create(
            [
                Reward(
                    workspace=workspace,
                    program=program,
                    participant=referrals[i].participant,
                    referral=referrals[i],
                    conversion=sales[i],
                    rule_index=0,
                    trigger="sale",
                    recipient="referrer",
                    kind="percent",
                    amount=sales[i].amount // 10,
                    currency="IDR",
                    status="approved",
                    hold_until=sales[i].occurred_at,
                    referred_at=referrals[i].created_at,
                    converted_at=sales[i].occurred_at,
                    created_at=sales[i].occurred_at,
                )
                for i in range(args.sales)
            ],
            batch_size=2000,
        )
    print(
        f"{connection.vendor}: wrote {args.sales:,} referrals, sales and rewards "
        f"in {time.perf_counter() - written:.1f} s"
    )
    for _ in range(args.runs):
        started = time.perf_counter()
        result = backtest(
            program=program, rules=DRAFT, first=date(2025, 1, 1), last=date(2025, 12, 31)
        )
        seconds = time.perf_counter() - started
        print(
            f"{connection.vendor}: backtest of {result['occurrences']['sale']:,} sales, "
            f"{result['occurrences']['signup']:,} sign-ups, {result['occurrences']['refund']:,} "
            f"refunds, {result['occurrences']['cancel']:,} cancellations: {seconds:.2f} s; "
            f"{len(result['participants']):,} participants; "
            f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
