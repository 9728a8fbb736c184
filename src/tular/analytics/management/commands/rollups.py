"""`tular manage rollups [--rebuild [--program SLUG]]`: the daily rollups (docs/metrics.md).

Without --rebuild it catches up: recomputes every marked (program, day) and adds the new
clicks, as the worker's job does. With --rebuild it rebuilds them from the source tables."""

import time

from django.core.management.base import BaseCommand, CommandError

from tular.analytics.rollups import CLICK_LAG_SECONDS, rollup_rebuild, rollups_catch_up
from tular.programs.models import Program


class Command(BaseCommand):
    help = "Catch up the daily rollups, or rebuild them (--rebuild) from the source tables."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="rebuild from the source rows")
        parser.add_argument(
            "--program", action="append", default=[], help="only this program (slug; repeatable)"
        )
        parser.add_argument(
            "--click-lag",
            type=float,
            default=CLICK_LAG_SECONDS,
            help="count clicks older than this many seconds (default 30)",
        )

    def handle(self, *args, rebuild: bool, program: list[str], click_lag: float, **options):
        program_ids = None
        if program:
            found = dict(Program.objects.filter(slug__in=program).values_list("slug", "pk"))
            missing = sorted(set(program) - set(found))
            if missing:
                raise CommandError(f"No program with the slug {', '.join(missing)}.")
            program_ids = list(found.values())
        if rebuild:
            result = rollup_rebuild(program_ids=program_ids, click_lag_seconds=click_lag)
            self.stdout.write(
                f"rollups rebuilt: {result.buckets} buckets, {result.rows} rows, {result.seconds} s"
            )
            return
        if program_ids is not None:
            raise CommandError("--program goes with --rebuild; catching up does every program.")
        started = time.monotonic()
        result = rollups_catch_up(click_lag_seconds=click_lag)
        self.stdout.write(
            f"rollups caught up: {result.buckets} buckets, {result.rows} rows, "
            f"{result.clicks} clicks, {time.monotonic() - started:.2f} s"
        )
