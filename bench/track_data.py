"""Data for bench/track.py, written with set-based SQL (never through HTTP, never one ORM row
at a time), in the program `bench` that track.py created through the API:

    TULAR_DATA_DIR=… uv run python bench/track_data.py seed --referrers 100 --customers 1000
    TULAR_DATA_DIR=… uv run python bench/track_data.py history --sales 1000000
    TULAR_DATA_DIR=… uv run python bench/track_data.py count --prefix run1

`seed`: the referrers (codes `TRK1`…) and their referred customers (`cust-1`…, each a referral
with its friend enrolled, as a sign-up leaves it), spread evenly over the referrers.

`history`: existing sales up to `--sales` in total (adds only what is missing, so 10k then 1M
reuses the first 10k): other customers, two sales each, ten customers per referrer (a
referrer's own history stays the same size whatever the table's), one sale a minute going
back from an hour ago. Each sale has its tracked event, its conversion, its referrer's reward
and the reward's ledger transaction with two entries, as track/sale writes them (integer ids
negative, never among those the database hands out). Then ANALYZE.

`count`: the tracked events, conversions and referrals whose event_id starts with `--prefix`
(what a run acknowledged must all be there), as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from dashboard_data import Sql  # noqa: E402

BATCH = 250_000


def setup_django():
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    import django

    django.setup()


def bench_program():
    from tular.programs.models import Program

    program = Program.objects.filter(slug="bench").order_by("created_at").first()
    if program is None:
        raise SystemExit("no program 'bench': bench/track.py creates it through the API")
    return program


class Writer:
    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.sql = Sql(connection.vendor)
        self.program = bench_program()
        self.ws = self.program.workspace_id
        self.prog = f"'{self.program.pk}'" if self.sql.pg else f"'{self.program.pk.hex}'"
        self.currency = self.program.currency
        self.true = "true" if self.sql.pg else "1"
        self.figures: dict = {"vendor": connection.vendor}

    def run(self, label: str, statement: str) -> None:
        from django.db import transaction

        began = time.perf_counter()
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.execute(statement)
        self.figures[f"{label}_s"] = round(
            self.figures.get(f"{label}_s", 0) + time.perf_counter() - began, 1
        )

    def scalar(self, statement: str):
        with self.connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()[0]

    def participants(self, *, prefix: str, first: int, last: int, code: str, ext: str, at: str):
        """Participants `first..last` (ids `prefix` + number)."""
        sql = self.sql
        number = f"(i + {first - 1})"
        self.run(
            "participants",
            "INSERT INTO participants_participant (id, external_id, email, email_normalised, "
            "name, kind, locale, code, created_at, program_id, workspace_id, "
            "leaderboard_consent) "
            f"SELECT {sql.fixed_id(prefix, number)}, {ext.format(n=number)}, "
            f"'{code.lower()}' || {number} || '@bench.example', "
            f"'{code.lower()}' || {number} || '@bench.example', 'Bench ' || {number}, "
            f"'customer', 'id', '{code}' || {number}, {at}, {self.prog}, {self.ws}, {self.true} "
            f"FROM {sql.series(last - first + 1)}",
        )


def ago(sql: Sql, moment: datetime, seconds_expr: str) -> str:
    """The timestamp `seconds_expr` seconds before `moment` (UTC)."""
    if sql.pg:
        return f"(TIMESTAMPTZ '{moment.isoformat()}' - ({seconds_expr}) * INTERVAL '1 second')"
    base = moment.replace(tzinfo=None).isoformat(sep=" ")
    return f"strftime('%Y-%m-%d %H:%M:%f', '{base}', '-' || ({seconds_expr}) || ' seconds')"


def referral_columns() -> str:
    return (
        "INSERT INTO referrals_referral (id, customer_external_id, email, email_normalised, "
        "name, company, status, flag_reason, user_agent, created_at, first_sale_at, "
        "participant_id, friend_id, program_id, workspace_id, review_reason, case_study, "
        "company_domain, deal_currency, deal_value, due_kind, heard_from, intake, lead_notes, "
        "lead_score, overdue_told, phone, status_changed_at) "
    )


def seed(*, referrers: int, customers: int) -> dict:
    w = Writer()
    sql = w.sql
    joined = sql.ts(datetime.now(UTC) - timedelta(days=400), "i")
    w.participants(prefix="a0a0", first=1, last=referrers, code="TRK", ext="NULL", at=joined)
    # The friends: enrolled at sign-up with the customer's id as their external id.
    w.participants(
        prefix="a2a2", first=1, last=customers, code="TRKF", ext="'cust-' || {n}", at=joined
    )
    referred = sql.ts(datetime.now(UTC) - timedelta(days=10), "i")
    w.run(
        "customers",
        referral_columns()
        + f"SELECT {sql.fixed_id('a1a1', 'i')}, 'cust-' || i, 'trkf' || i || '@bench.example', "
        f"'trkf' || i || '@bench.example', 'Friend ' || i, '', 'active', '', '', {referred}, "
        f"NULL, {sql.fixed_id('a0a0', f'((i - 1) % {referrers}) + 1')}, "
        f"{sql.fixed_id('a2a2', 'i')}, {w.prog}, {w.ws}, '', '', '', '', NULL, '', '', '', '', "
        f"0, '', '', NULL FROM {sql.series(customers)}",
    )
    with w.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    w.figures.update(referrers=referrers, customers=customers)
    return w.figures


def history(*, sales: int) -> dict:
    """Existing sales up to `sales` (numbered 1…): sale j is the ((j + 1) // 2)-th history
    customer's, at now - 1 h - j minutes; customer r belongs to history referrer (r - 1) // 10
    + 1."""
    w = Writer()
    sql = w.sql
    have = w.scalar(
        f"SELECT count(*) FROM referrals_trackedevent WHERE workspace_id = {w.ws} "
        "AND event_id LIKE 'hist-sale-%'"
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    # Every stage on one time line: sale j at `now` - j minutes, whatever `sales` is.
    if have:
        newest = w.scalar(
            "SELECT max(occurred_at) FROM referrals_conversion WHERE invoice_id = 'hist-inv-1'"
        )
        if isinstance(newest, str):
            newest = datetime.fromisoformat(newest)
        if newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        now = newest + timedelta(minutes=1)  # sale 1 is at now - 1 minute
    began = time.perf_counter()
    for first in range(have + 1, sales + 1, BATCH):
        last = min(sales, first + BATCH - 1)
        size = last - first + 1
        j = f"(i + {first - 1})"  # the sale's number
        at = ago(sql, now, f"60 * {j}")
        referred = ago(sql, now, f"60 * {j} + 3 * 86400")
        # History customers first (one per two sales, the odd-numbered sale makes it), then
        # their referrers (one per ten customers).
        r_first, r_last = (first + 1) // 2, (last + 1) // 2
        if first % 2 == 0:
            r_first += 1
        if r_last >= r_first:
            p_first, p_last = (r_first - 1) // 10 + 1, (r_last - 1) // 10 + 1
            have_p = w.scalar(
                "SELECT count(*) FROM participants_participant WHERE code LIKE 'TRKH%'"
            )
            if p_last > have_p:
                w.participants(
                    prefix="a3a3",
                    first=max(p_first, have_p + 1),
                    last=p_last,
                    code="TRKH",
                    ext="NULL",
                    at=sql.ts(now - timedelta(days=800), "i"),
                )
            r = f"(i + {r_first - 1})"
            r_at = ago(sql, now, f"60 * (2 * {r}) + 3 * 86400")
            w.run(
                "referrals",
                referral_columns() + f"SELECT {sql.fixed_id('a4a4', r)}, 'hist-' || {r}, "
                f"'h' || {r} || '@bench.example', 'h' || {r} || '@bench.example', "
                f"'History ' || {r}, '', 'active', '', '', {r_at}, "
                f"{ago(sql, now, f'60 * (2 * {r})')}, "
                f"{sql.fixed_id('a3a3', f'(({r} - 1) / 10) + 1')}, NULL, {w.prog}, {w.ws}, "
                "'', '', '', '', NULL, '', '', '', '', 0, '', '', NULL "
                f"FROM {sql.series(r_last - r_first + 1)}",
            )
        customer = f"(({j} + 1) / 2)"
        referrer = sql.fixed_id("a3a3", f"(({customer} - 1) / 10) + 1")
        amount = f"(1000000 + ({j} % 7) * 250000)"
        w.run(
            "events",
            "INSERT INTO referrals_trackedevent (id, workspace_id, event_id, kind, response, "
            f"created_at) SELECT -{j}, {w.ws}, 'hist-sale-' || {j}, 'sale', '{{}}', "
            f"{at} FROM {sql.series(size)}",
        )
        w.run(
            "sales",
            "INSERT INTO referrals_conversion (id, kind, invoice_id, amount, currency, "
            "occurred_at, created_at, program_id, workspace_id, referral_id, event_id) "
            f"SELECT {sql.fixed_id('a5a5', j)}, 'sale', 'hist-inv-' || {j}, {amount}, "
            f"'{w.currency}', {at}, {at}, {w.prog}, {w.ws}, {sql.fixed_id('a4a4', customer)}, "
            f"-{j} FROM {sql.series(size)}",
        )
        w.run(
            "rewards",
            "INSERT INTO rewards_reward (id, rule_index, trigger, recipient, kind, amount, "
            "currency, perk, percent, base_amount, status, status_reason, reversed_amount, "
            "hold_until, referred_at, converted_at, created_at, approved_at, paid_at, "
            "conversion_id, participant_id, program_id, referral_id, workspace_id) "
            f"SELECT {sql.fixed_id('a6a6', j)}, 0, 'sale', 'referrer', 'percent', "
            f"{amount} / 10, '{w.currency}', '', 10, {amount}, 'pending', '', 0, "
            f"{sql.plus_days(at, 14)}, {referred}, {at}, {at}, NULL, NULL, "
            f"{sql.fixed_id('a5a5', j)}, {referrer}, {w.prog}, "
            f"{sql.fixed_id('a4a4', customer)}, {w.ws} FROM {sql.series(size)}",
        )
        w.run(
            "ledger",
            "INSERT INTO rewards_ledgertransaction (id, workspace_id, kind, reward_id, "
            f"payout_id, memo, created_at) SELECT -{j}, {w.ws}, 'earned', "
            f"{sql.fixed_id('a6a6', j)}, NULL, '', {at} FROM {sql.series(size)}",
        )
        for leg, account, sign, owner in (
            (0, "program_expense", "-", "NULL"),
            (1, "pending", "", referrer),
        ):
            w.run(
                "ledger",
                "INSERT INTO rewards_ledgerentry (id, transaction_id, workspace_id, "
                "program_id, participant_id, account, currency, amount) "
                f"SELECT -(2 * {j} + {leg}), -{j}, {w.ws}, {w.prog}, "
                f"{owner}, '{account}', '{w.currency}', {sign}({amount} / 10) "
                f"FROM {sql.series(size)}",
            )
    with w.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # The bulk load's writes go to disk now, not during the measured runs: PostgreSQL's
        # checkpoint of these gigabytes of WAL otherwise ran for tens of seconds into them
        # and stalled their commits (a p99 of 150-240 ms at 1M, none at 10k).
        if w.connection.vendor == "postgresql":
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    w.figures.update(
        sales=sales, added=max(0, sales - have), seconds=round(time.perf_counter() - began, 1)
    )
    return w.figures


def count(*, prefix: str) -> dict:
    w = Writer()
    like = f"'{prefix}%'"
    return {
        "events": w.scalar(
            f"SELECT count(*) FROM referrals_trackedevent WHERE event_id LIKE {like}"
        ),
        "sales": w.scalar(
            "SELECT count(*) FROM referrals_conversion c JOIN referrals_trackedevent e "
            f"ON e.id = c.event_id WHERE e.event_id LIKE {like} AND c.kind = 'sale'"
        ),
        "signups": w.scalar(
            f"SELECT count(*) FROM referrals_referral WHERE customer_external_id LIKE {like}"
        ),
        "rewards": w.scalar(
            "SELECT count(*) FROM rewards_reward r JOIN referrals_conversion c "
            "ON c.id = r.conversion_id JOIN referrals_trackedevent e ON e.id = c.event_id "
            f"WHERE e.event_id LIKE {like}"
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--referrers", type=int, default=100)
    seeding.add_argument("--customers", type=int, default=1000)
    past = commands.add_parser("history")
    past.add_argument("--sales", type=int, required=True)
    counting = commands.add_parser("count")
    counting.add_argument("--prefix", required=True)
    args = parser.parse_args()
    setup_django()
    if args.command == "seed":
        figures = seed(referrers=args.referrers, customers=args.customers)
    elif args.command == "history":
        figures = history(sales=args.sales)
    else:
        figures = count(prefix=args.prefix)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
