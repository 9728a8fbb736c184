"""Bulk history for bench/dashboard.py: participants, referrals, clicks, sales and rewards
written with set-based SQL (INSERT … SELECT over a generated series), never through HTTP or
the ORM one row at a time. Then the daily rollups are rebuilt (`rollup_rebuild`), timed.

Runs inside Django against the database the environment names (TULAR_DATA_DIR or
DATABASE_URL), in the workspace `tular up --demo` made, in a program of its own (`bench`):

    TULAR_DATA_DIR=… uv run python bench/dashboard_data.py --referrals 1000000 --clicks 10000000

The history spans the last two years, oldest first. Every id is a UUIDv7-shaped value built
from the row's own time, so the ids of clicks are time-ordered like the redirect's (the
rollups' click watermark relies on it). Of the referrals: 30 % buy (one sale each, three days
after the referral, a 10 % reward paid ten days later when that is in the past), 5 % are leads
in the pipeline (contacted the next day; half of them qualified after five days; a quarter won
after twenty). Referrers are spread over the sources (customer, partner, employee, network).
Prints one JSON line of counts and seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta

DAYS = 730


def setup_django():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    import django

    django.setup()


def bench_program():
    from tular.programs.models import Program

    template = Program.objects.order_by("created_at").first()
    if template is None:
        raise SystemExit("no program: run `tular up --demo` on this database first")
    program = Program.objects.filter(workspace_id=template.workspace_id, slug="bench").first()
    if program is None:
        program = Program.objects.get(pk=template.pk)
        program.pk = None
        program.slug, program.name = "bench", "Bench"
        program.save()
    return program


class Sql:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def series(self, n: int) -> str:
        """A table `s(i)` of 1..n."""
        if self.pg:
            return f"generate_series(1::bigint, {n}) AS s(i)"
        return (
            f"(WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) "
            "SELECT i FROM g) AS s"
        )

    def ts(self, start: datetime, seconds_expr: str) -> str:
        """A timestamp `seconds_expr` seconds after `start` (UTC)."""
        if self.pg:
            return f"(TIMESTAMPTZ '{start.isoformat()}' + ({seconds_expr}) * INTERVAL '1 second')"
        base = start.replace(tzinfo=None).isoformat(sep=" ")
        return f"strftime('%Y-%m-%d %H:%M:%f', '{base}', '+' || ({seconds_expr}) || ' seconds')"

    def plus_days(self, ts_expr: str, days: int) -> str:
        if self.pg:
            return f"({ts_expr} + INTERVAL '{days} days')"
        return f"strftime('%Y-%m-%d %H:%M:%f', {ts_expr}, '+{days} days')"

    def uuid(self, ms_expr: str, salt: str) -> str:
        """A UUIDv7-shaped id: 48 bits of milliseconds, then a per-row hash of `salt`."""
        if self.pg:
            return (
                f"(lpad(to_hex(({ms_expr})::bigint), 12, '0') || '7' || "
                f"substr(md5({salt}::text), 1, 3) || '8' || substr(md5({salt}::text), 4, 15))::uuid"
            )
        return (
            f"lower(printf('%012x', {ms_expr}) || '7' || substr(hex(randomblob(2)), 1, 3) || "
            f"'8' || substr(hex(randomblob(8)), 1, 15))"
        )

    def fixed_id(self, prefix: str, number_expr: str) -> str:
        """A deterministic id for row `number_expr` of a kind (`prefix`: 4 hex digits)."""
        if self.pg:
            return f"('{prefix}' || lpad(to_hex({number_expr}), 28, '0'))::uuid"
        return f"('{prefix}' || printf('%028x', {number_expr}))"

    def epoch_ms(self, ts_expr: str) -> str:
        if self.pg:
            return f"(extract(epoch from {ts_expr}) * 1000)::bigint"
        return f"CAST((julianday({ts_expr}) - 2440587.5) * 86400000 AS INTEGER)"


def generate(*, referrals: int, clicks: int, participants: int) -> dict:
    from django.db import connection, transaction

    program = bench_program()
    sql = Sql(connection.vendor)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400
    ws, prog = program.workspace_id, program.pk
    prog_sql = f"'{prog}'" if sql.pg else f"'{prog.hex}'"
    figures = {"vendor": connection.vendor, "program": program.slug}
    kinds = (
        "CASE i % 10 WHEN 0 THEN 'partner' WHEN 1 THEN 'employee' WHEN 2 THEN 'network' "
        "ELSE 'customer' END"
    )

    def run(label: str, statement: str) -> None:
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        figures[f"{label}_s"] = round(time.perf_counter() - began, 1)

    joined = sql.ts(start, f"(i * {span // 2}) / {participants}")  # joined in the first year
    run(
        "participants",
        "INSERT INTO participants_participant (id, external_id, email, email_normalised, name, "
        "kind, locale, code, created_at, program_id, workspace_id, leaderboard_consent) "
        f"SELECT {sql.fixed_id('b0b0', 'i')}, NULL, 'b' || i || '@bench.example', "
        f"'b' || i || '@bench.example', 'Bench ' || i, {kinds}, 'id', 'BENCH' || i, {joined}, "
        f"{prog_sql}, {ws}, {'true' if sql.pg else '1'} FROM {sql.series(participants)}",
    )
    referred = sql.ts(start, f"(i * {span}) / {referrals}")
    recent = referrals - referrals * 3 // DAYS - 1  # the last three days have not bought yet
    sold = f"CASE WHEN i % 10 < 3 AND i < {recent} THEN {sql.plus_days(referred, 3)} END"
    lead = "i % 20 = 7"
    status = (
        f"CASE WHEN {lead} THEN (CASE WHEN i % 80 = 7 THEN 'won' WHEN i % 40 = 7 THEN 'qualified' "
        "ELSE 'contacted' END) ELSE 'active' END"
    )
    run(
        "referrals",
        "INSERT INTO referrals_referral (id, customer_external_id, email, email_normalised, name, "
        "company, status, flag_reason, user_agent, created_at, first_sale_at, participant_id, "
        "program_id, workspace_id, review_reason, case_study, company_domain, deal_currency, "
        "deal_value, due_kind, heard_from, intake, lead_notes, lead_score, overdue_told, phone, "
        "status_changed_at) "
        f"SELECT {sql.fixed_id('b1b1', 'i')}, 'bench-' || i, 'f' || i || '@bench.example', "
        f"'f' || i || '@bench.example', 'Friend ' || i, '', {status}, '', '', {referred}, "
        f"CASE WHEN {lead} THEN NULL ELSE {sold} END, "
        f"{sql.fixed_id('b0b0', f'(i % {participants}) + 1')}, {prog_sql}, {ws}, '', '', '', "
        f"CASE WHEN i % 80 = 7 THEN '{program.currency}' ELSE '' END, "
        "CASE WHEN i % 80 = 7 THEN 25000000 END, '', '', "
        f"CASE WHEN {lead} THEN 'api' ELSE '' END, '', 0, '', '', "
        f"CASE WHEN {lead} THEN {referred} END FROM {sql.series(referrals)}",
    )
    # The pipeline's history: contacted the next day, qualified after 5, won after 20.
    steps = [
        ("contacted", 1, "i % 20 = 7"),
        ("qualified", 5, "i % 40 = 7"),
        ("won", 20, "i % 80 = 7"),
    ]
    for to_status, days, which in steps:
        run(
            f"changes_{to_status}",
            "INSERT INTO referrals_referralchange (id, from_status, to_status, at, actor, reason, "
            "reopened, referral_id) "
            f"SELECT {sql.fixed_id('b2b' + str(days % 10), 'i')}, '', '{to_status}', "
            f"{sql.plus_days(referred, days)}, 'bench', '', {'false' if sql.pg else '0'}, "
            f"{sql.fixed_id('b1b1', 'i')} FROM {sql.series(referrals)} WHERE {which} "
            f"AND i < {referrals - referrals * days // DAYS - 1}",  # nothing in the future
        )
    run(
        "events",
        "INSERT INTO referrals_trackedevent (workspace_id, event_id, kind, response, created_at) "
        f"SELECT {ws}, 'bench-sale-' || i, 'sale', '{{}}', {sql.plus_days(referred, 3)} "
        f"FROM {sql.series(referrals)} WHERE NOT ({lead}) AND ({sold}) IS NOT NULL",
    )
    run(
        "sales",
        "INSERT INTO referrals_conversion (id, kind, invoice_id, amount, currency, occurred_at, "
        "created_at, program_id, workspace_id, referral_id, event_id) "
        f"SELECT {sql.fixed_id('b3b3', 'i')}, 'sale', 'bench-inv-' || i, "
        "1000000 + (i % 7) * 250000, "
        f"'{program.currency}', {sql.plus_days(referred, 3)}, {sql.plus_days(referred, 3)}, "
        f"{prog_sql}, {ws}, {sql.fixed_id('b1b1', 'i')}, e.id FROM {sql.series(referrals)} "
        f"JOIN referrals_trackedevent e ON e.workspace_id = {ws} "
        "AND e.event_id = 'bench-sale-' || i "
        f"WHERE NOT ({lead}) AND ({sold}) IS NOT NULL",
    )
    paid_at = sql.plus_days(sql.plus_days(referred, 3), 10)
    is_paid = f"i < {referrals} - {referrals * 45 // DAYS}"
    run(
        "rewards",
        "INSERT INTO rewards_reward (id, rule_index, trigger, recipient, kind, amount, currency, "
        "perk, status, status_reason, reversed_amount, hold_until, referred_at, converted_at, "
        "created_at, approved_at, paid_at, conversion_id, participant_id, program_id, "
        "referral_id, workspace_id) "
        f"SELECT {sql.fixed_id('b4b4', 'i')}, 0, 'sale', 'referrer', 'percent', "
        f"100000 + (i % 7) * 25000, '{program.currency}', '', "
        f"CASE WHEN {is_paid} THEN 'paid' ELSE 'approved' END, '', 0, "
        f"{sql.plus_days(referred, 3)}, {referred}, {sql.plus_days(referred, 3)}, "
        f"{sql.plus_days(referred, 3)}, {sql.plus_days(referred, 3)}, "
        f"CASE WHEN {is_paid} THEN {paid_at} END, {sql.fixed_id('b3b3', 'i')}, "
        f"{sql.fixed_id('b0b0', f'(i % {participants}) + 1')}, {prog_sql}, "
        f"{sql.fixed_id('b1b1', 'i')}, {ws} FROM {sql.series(referrals)} "
        f"WHERE NOT ({lead}) AND ({sold}) IS NOT NULL",
    )
    batch = 1_000_000
    began = time.perf_counter()
    # A bulk load: the participant index is dropped and built once at the end (one sort instead
    # of ten million random B-tree inserts), as one loads a table in any database.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS click_participant_time")
    for first in range(0, clicks, batch):
        size = min(batch, clicks - first)
        number = f"(i + {first})"
        at = sql.ts(start, f"({number} * {span}) / {clicks}")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tracking_click (id, created_at, source, landing_url, referrer, "
                "user_agent, participant_id, program_id, workspace_id, channel) "
                f"SELECT {sql.uuid(sql.epoch_ms(at), number)}, {at}, 'redirect', '', '', '', "
                f"{sql.fixed_id('b0b0', f'({number} % {participants}) + 1')}, {prog_sql}, {ws}, "
                f"CASE {number} % 4 WHEN 0 THEN 'whatsapp' ELSE '' END FROM {sql.series(size)}"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX click_participant_time ON tracking_click (participant_id, created_at)"
        )
    figures["clicks_s"] = round(time.perf_counter() - began, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    try:
        from tular.analytics.rollups import rollup_rebuild
    except ImportError:
        rollup_rebuild = None
    if rollup_rebuild is not None:
        began = time.perf_counter()
        rollup_rebuild()
        figures["rollup_rebuild_s"] = round(time.perf_counter() - began, 1)

    from tular.analytics.models import DayFigure
    from tular.referrals.models import Conversion, Referral
    from tular.tracking.models import Click

    figures.update(
        referrals=Referral.objects.filter(program=program).count(),
        clicks=Click.objects.filter(program=program).count() if clicks <= 100_000 else clicks,
        sales=Conversion.objects.filter(program=program).count(),
        rollup_rows=DayFigure.objects.count(),
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--clicks", type=int, default=10_000_000)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument(
        "--rollup-loop",
        type=float,
        metavar="SECONDS",
        help="instead: run the rollup job back to back for SECONDS, print how many passes",
    )
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between two passes")
    args = parser.parse_args()
    setup_django()
    if args.rollup_loop:
        from tular.analytics.jobs import rollups_refresh

        passes, until = 0, time.monotonic() + args.rollup_loop
        while time.monotonic() < until:
            rollups_refresh()
            passes += 1
            time.sleep(args.pause)
        print(f"rollup job: {passes} passes in {args.rollup_loop:.0f} s")
        return 0
    print(
        json.dumps(
            generate(referrals=args.referrals, clicks=args.clicks, participants=args.participants)
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
