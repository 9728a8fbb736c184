"""The daily rollups (issue 11, "fast at scale"): one additive `DayFigure` per program, UTC day,
key and currency, so dashboards sum a period's days instead of scanning the source tables.
The keys are listed in docs/metrics.md ("Daily rollups"); analytics.measures reads them.

How they stay current:
- A change to a source row marks the (program, UTC day) buckets it touches (`RollupMark`), in
  the caller's transaction: post_save of Referral, Conversion, ReferralChange and Reward, and
  `tular.core.changes.figures_changed` where a queryset update changes figures without a save.
- The worker's job (analytics.jobs.rollups_refresh) takes the marks, recomputes their
  referrers' `ReferrerStat` and then each marked bucket from the source rows (`rollup_day`).
- Clicks are never marked (the redirect must stay one INSERT): the job adds the clicks whose
  UUIDv7 id lies between a watermark (`RollupState` "clicks") and now - 30 s, and moves the
  watermark in the same transaction.
- `rollup_rebuild` recomputes everything with one GROUP BY query per source and key group
  (`tular manage rollups --rebuild`).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, models, transaction
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from tular.analytics import kept
from tular.analytics.models import DayFigure, ReferrerStat, RollupMark, RollupState
from tular.core import clock
from tular.participants.models import Participant
from tular.referrals.models import Conversion, ConversionKind, Referral, ReferralChange
from tular.referrals.models import ReferralStatus as S
from tular.rewards.models import Reward, RewardStatus
from tular.tracking.models import Click

# The referrer's source (keys `referrals.<source>`, `customers.<source>`, `revenue.<source>`,
# `first_sales_amount.<source>`), from the participant's kind.
SOURCES = ("customer", "partner", "employee", "network")
_SOURCE_OF_KIND = {
    "customer": "customer",
    "affiliate": "partner",
    "reseller": "partner",
    "partner": "partner",
    "employee": "employee",
    "network": "network",
    "alumni": "network",
}

OPPORTUNITY = (S.qualified, S.proposal, S.won)
CONTACTED = (S.contacted, S.qualified, S.proposal, S.won)
CLICKS = "clicks"
CLICK_LAG_SECONDS = 30  # a click whose INSERT is still in flight is not skipped
MARK_BATCH = 500


def source_of(kind: str) -> str:
    """The source of a participant kind (one of SOURCES)."""
    return _SOURCE_OF_KIND.get(kind, "customer")


class UtcDay(TruncDate):
    """The UTC day of a datetime column: TruncDate(tzinfo=UTC). On SQLite, where Django stores
    datetimes as naive UTC text ("2026-03-01 23:59:59.5"), its first ten characters: the same
    day without a Python function call per row (10M clicks)."""

    def __init__(self, expression, **extra):
        super().__init__(expression, tzinfo=UTC, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"substr({sql}, 1, 10)", params


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# ---------------------------------------------------------------- marks


def mark(*, program_id, moments: Iterable[datetime | None]) -> None:
    """Mark the (program, UTC day) buckets of `moments` for the job, in the caller's
    transaction. Within one transaction a bucket is written once (the marks already written
    are remembered until it ends); every call costs at most one INSERT."""
    if program_id is None:
        return
    program_id = program_id if isinstance(program_id, uuid.UUID) else uuid.UUID(str(program_id))
    pairs = {(program_id, utc_day(m)) for m in moments if m is not None}
    if not pairs:
        return
    seen = _marked_in_this_transaction()
    if seen is not None:
        pairs -= seen
        if not pairs:
            return
    _insert_marks(sorted(pairs))
    if seen is not None:
        seen.update(pairs)


def _marked_in_this_transaction() -> set | None:
    """The buckets already marked in the open transaction (at its current savepoint), or None
    outside one. A set lives as long as an on_commit callback of ours is still queued at the
    same savepoint depth: a commit, a rollback or a savepoint rolled back drops the callback,
    and the next mark starts afresh."""
    if not connection.in_atomic_block:
        return None
    state = getattr(connection, "_tular_rollup_marks", None)
    sids = tuple(connection.savepoint_ids)
    if (
        state is not None
        and state[1] == sids
        and any(func is state[0] for _, func, *_ in connection.run_on_commit)
    ):
        return state[2]

    def token() -> None:
        pass

    transaction.on_commit(token)
    state = (token, sids, set())
    connection._tular_rollup_marks = state
    return state[2]


def _insert_marks(pairs: list[tuple[uuid.UUID, date]]) -> None:
    if connection.vendor != "postgresql":
        # SQLite serialises writers: the job's delete of a mark cannot fall between this
        # transaction's mark and its commit, so a mark ignored as already there is safe.
        # Raw SQL: this runs in every tracked event's transaction, and bulk_create's
        # compilation measured several times SQLite's work.
        program = RollupMark._meta.get_field("program_id")
        values = ", ".join(["(%s, %s)"] * len(pairs))
        params = [
            value
            for p, d in pairs
            for value in (
                program.get_db_prep_value(p, connection),
                connection.ops.adapt_datefield_value(d),
            )
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT OR IGNORE INTO {RollupMark._meta.db_table} (program_id, day) "  # noqa: S608 - the model's own table
                f"VALUES {values}",
                params,
            )
        return
    # PostgreSQL: insert the new marks, and hold a KEY SHARE lock on the ones already there, so
    # the job's delete of such a mark waits for this transaction's commit and its recompute
    # then sees this transaction's rows. Writers share the lock (no queue on a busy day).
    table = RollupMark._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(pairs))
    params = [v for pair in pairs for v in pair]
    sql = (
        f"WITH ins AS (INSERT INTO {table} (program_id, day) VALUES {values} "  # noqa: S608 - table names from the models
        f"ON CONFLICT (program_id, day) DO NOTHING RETURNING 1), "
        f"held AS (SELECT 1 FROM {table} WHERE (program_id, day) IN ({values}) FOR KEY SHARE) "
        f"SELECT (SELECT count(*) FROM ins) + (SELECT count(*) FROM held)"
    )
    with connection.cursor() as cursor:
        for _ in range(5):  # a mark deleted between the insert and the lock: try again
            cursor.execute(sql, params + params)
            if cursor.fetchone()[0] >= len(pairs):
                return


_REFERRAL_FIELDS = {
    "created_at",
    "first_sale_at",
    "status",
    "status_changed_at",
    "cancelled_at",
    "intake",
    "deal_value",
    "deal_currency",
    "program",
    "participant",
}
_REWARD_FIELDS = {
    "status",
    "amount",
    "currency",
    "reversed_amount",
    "created_at",
    "approved_at",
    "paid_at",
    "program",
}


def _touches(update_fields, relevant: set) -> bool:
    return update_fields is None or not relevant.isdisjoint(update_fields)


def on_changed(sender, *, program_id, moments, **kwargs) -> None:
    mark(program_id=program_id, moments=moments)


def on_referral_saved(sender, instance: Referral, created: bool, update_fields=None, **kwargs):
    if not created and not _touches(update_fields, _REFERRAL_FIELDS):
        return
    moments = [
        instance.created_at,
        instance.first_sale_at,
        instance.status_changed_at,
        instance.cancelled_at,
    ]
    if not created and _touches(update_fields, {"deal_value", "deal_currency"}):
        # won_value counts the deal on the days it was won
        moments += ReferralChange.objects.filter(referral=instance, to_status=S.won).values_list(
            "at", flat=True
        )
    mark(program_id=instance.program_id, moments=moments)


def on_conversion_saved(sender, instance: Conversion, **kwargs) -> None:
    mark(
        program_id=instance.program_id, moments=[instance.occurred_at, instance.referral.created_at]
    )


def on_change_saved(sender, instance: ReferralChange, **kwargs) -> None:
    referral = instance.referral
    mark(program_id=referral.program_id, moments=[instance.at, referral.created_at])


def on_reward_saved(sender, instance: Reward, created: bool, update_fields=None, **kwargs):
    if not created and not _touches(update_fields, _REWARD_FIELDS):
        return
    mark(
        program_id=instance.program_id,
        moments=[instance.created_at, instance.approved_at, instance.paid_at],
    )


def on_participant_saved(sender, instance: Participant, created: bool, **kwargs) -> None:
    """A new participant changes the period's "all customers" (no rollup key reads it, but
    the figures kept in analytics.kept do)."""
    if created:
        mark(program_id=instance.program_id, moments=[instance.created_at])


def connect() -> None:
    """Connect the receivers (AnalyticsConfig.ready)."""
    from django.db.models.signals import post_save

    from tular.core.changes import changed

    changed.connect(on_changed, dispatch_uid="rollups.changed")
    post_save.connect(on_referral_saved, sender=Referral, dispatch_uid="rollups.referral")
    post_save.connect(on_conversion_saved, sender=Conversion, dispatch_uid="rollups.conversion")
    post_save.connect(on_change_saved, sender=ReferralChange, dispatch_uid="rollups.change")
    post_save.connect(on_reward_saved, sender=Reward, dispatch_uid="rollups.reward")
    post_save.connect(on_participant_saved, sender=Participant, dispatch_uid="rollups.participant")


# ---------------------------------------------------------------- the figures


class Figures(defaultdict):
    """{(program_id, day, key, currency): value} being summed."""

    def __init__(self):
        super().__init__(int)

    def add(self, program_id, day, key: str, value, currency: str = "") -> None:
        if value:
            self[(program_id, day, key, currency or "")] += int(value)


def _in_range(field: str, *, program_id=None, day=None, program_ids=None, via: str = "") -> Q:
    """The rows of one bucket (program_id and day) or of some programs (None: all)."""
    program = f"{via}program_id"
    if day is not None:
        start, end = day_bounds(day)
        return Q(**{program: program_id, f"{field}__gte": start, f"{field}__lt": end})
    q = Q(**{f"{field}__isnull": False})
    if program_ids is not None:
        q &= Q(**{f"{program}__in": program_ids})
    return q


def _referral_figures(figures: Figures, where: dict) -> None:
    """By the referral's created_at: referrals (by source), leads and the cohorts."""
    lead = ~Q(intake="")
    changes = ReferralChange.objects.filter(referral=OuterRef("pk"))
    to_opportunity = Exists(changes.filter(to_status__in=OPPORTUNITY))
    contacted = changes.filter(to_status__in=CONTACTED)
    within_48h = ExpressionWrapper(
        OuterRef("created_at") + timedelta(hours=48), output_field=models.DateTimeField()
    )
    rows = (
        Referral.objects.filter(_in_range("created_at", **where))
        .annotate(d=UtcDay("created_at"))
        .values("program_id", "d", "participant__kind")
        .annotate(
            n=Count("pk"),
            leads=Count("pk", filter=lead),
            customers=Count("pk", filter=Q(first_sale_at__isnull=False)),
            won=Count("pk", filter=Q(status=S.won)),
            opportunities=Count("pk", filter=Q(status__in=OPPORTUNITY) | Q(to_opportunity)),
            contacted=Count("pk", filter=lead & Q(Exists(contacted))),
            contacted_48h=Count(
                "pk", filter=lead & Q(Exists(contacted.filter(at__lte=within_48h)))
            ),
        )
        .order_by()
    )
    for row in rows:
        p, d = row["program_id"], row["d"]
        figures.add(p, d, "referrals", row["n"])
        figures.add(p, d, f"referrals.{source_of(row['participant__kind'])}", row["n"])
        figures.add(p, d, "leads", row["leads"])
        figures.add(p, d, "cohort_customers", row["customers"])
        figures.add(p, d, "cohort_won", row["won"])
        figures.add(p, d, "cohort_opportunities", row["opportunities"])
        figures.add(p, d, "cohort_contacted", row["contacted"])
        figures.add(p, d, "cohort_contacted_48h", row["contacted_48h"])


def _customer_figures(figures: Figures, where: dict) -> None:
    """By the referral's first_sale_at: new paying customers (by source)."""
    rows = (
        Referral.objects.filter(_in_range("first_sale_at", **where))
        .annotate(d=UtcDay("first_sale_at"))
        .values("program_id", "d", "participant__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        p, d = row["program_id"], row["d"]
        figures.add(p, d, "customers", row["n"])
        figures.add(p, d, f"customers.{source_of(row['participant__kind'])}", row["n"])


def _conversion_figures(figures: Figures, where: dict) -> None:
    """By occurred_at: sales, refunds, revenue (sales - refunds) and first sales' amounts."""
    same_moment_before = Conversion.objects.filter(
        referral=OuterRef("referral"),
        kind=ConversionKind.sale,
        occurred_at=OuterRef("occurred_at"),
        pk__lt=OuterRef("pk"),
    )
    first_sale = (
        Q(kind=ConversionKind.sale)
        & Q(occurred_at=F("referral__first_sale_at"))
        & ~Q(Exists(same_moment_before))
    )
    rows = (
        Conversion.objects.filter(_in_range("occurred_at", **where))
        .filter(kind__in=(ConversionKind.sale, ConversionKind.refund))
        .annotate(d=UtcDay("occurred_at"))
        .values("program_id", "d", "kind", "currency", "referral__participant__kind")
        .annotate(n=Count("pk"), total=Sum("amount"), first=Sum("amount", filter=first_sale))
        .order_by()
    )
    for row in rows:
        p, d, currency = row["program_id"], row["d"], row["currency"]
        source = source_of(row["referral__participant__kind"])
        if row["kind"] == ConversionKind.sale:
            figures.add(p, d, "sales", row["n"])
            revenue = row["total"] or 0
        else:
            figures.add(p, d, "refunds", row["n"])
            revenue = -(row["total"] or 0)
        if currency:
            figures.add(p, d, "revenue", revenue, currency)
            figures.add(p, d, f"revenue.{source}", revenue, currency)
            figures.add(p, d, "first_sales_amount", row["first"], currency)
            figures.add(p, d, f"first_sales_amount.{source}", row["first"], currency)


def _change_figures(figures: Figures, where: dict) -> None:
    """By the pipeline move's `at`: qualified, won (and the won deals' value), lost."""
    rows = (
        ReferralChange.objects.filter(_in_range("at", via="referral__", **where))
        .filter(to_status__in=(S.qualified, S.won, S.lost, S.dark))
        .annotate(d=UtcDay("at"))
        .values("referral__program_id", "d", "to_status", "referral__deal_currency")
        .annotate(n=Count("pk"), value=Sum("referral__deal_value"))
        .order_by()
    )
    for row in rows:
        p, d, status = row["referral__program_id"], row["d"], row["to_status"]
        if status == S.qualified:
            figures.add(p, d, "qualified", row["n"])
        elif status == S.won:
            figures.add(p, d, "won", row["n"])
            if row["referral__deal_currency"]:
                figures.add(p, d, "won_value", row["value"], row["referral__deal_currency"])
        else:
            figures.add(p, d, "lost", row["n"])


def _reward_figures(figures: Figures, where: dict) -> None:
    """Rewards by created_at (the program's reward cost) and by paid_at."""
    net = F("amount") - F("reversed_amount")
    rows = (
        Reward.objects.filter(_in_range("created_at", **where))
        .filter(amount__isnull=False)
        .exclude(status=RewardStatus.rejected)
        .annotate(d=UtcDay("created_at"))
        .values("program_id", "d", "currency")
        .annotate(value=Sum(net))
        .order_by()
    )
    for row in rows:
        figures.add(row["program_id"], row["d"], "rewards", row["value"], row["currency"])
    within_7d = ExpressionWrapper(
        F("referred_at") + timedelta(days=7), output_field=models.DateTimeField()
    )
    rows = (
        Reward.objects.filter(_in_range("paid_at", **where))
        .annotate(d=UtcDay("paid_at"))
        .values("program_id", "d", "currency")
        .annotate(
            n=Count("pk"),
            n7=Count("pk", filter=Q(paid_at__lte=within_7d)),
            value=Sum(net),
        )
        .order_by()
    )
    for row in rows:
        p, d = row["program_id"], row["d"]
        figures.add(p, d, "rewards_paid", row["n"])
        figures.add(p, d, "rewards_paid_7d", row["n7"])
        if row["currency"]:
            figures.add(p, d, "rewards_paid_amount", row["value"], row["currency"])


SOURCE_FIGURES = (
    _referral_figures,
    _customer_figures,
    _conversion_figures,
    _change_figures,
    _reward_figures,
)


def _new_referrers_of_day(figures: Figures, *, program_id, day: date) -> None:
    """Participants whose first referral was on `day` (as ReferrerStat.first_referred_at)."""
    start, _ = day_bounds(day)
    earlier = Referral.objects.filter(participant=OuterRef("participant"), created_at__lt=start)
    count = (
        Referral.objects.filter(_in_range("created_at", program_id=program_id, day=day))
        .filter(~Exists(earlier))
        .values("participant")
        .distinct()
        .count()
    )
    figures.add(program_id, day, "new_referrers", count)


def day_figures(*, program_id, day: date) -> Figures:
    """Every key but clicks of one bucket, computed from the source rows."""
    figures = Figures()
    where = {"program_id": program_id, "day": day}
    for compute in SOURCE_FIGURES:
        compute(figures, where)
    _new_referrers_of_day(figures, program_id=program_id, day=day)
    return figures


def rollup_day(*, program_id, day: date) -> int:
    """Recompute one (program, UTC day) bucket from the source rows and replace its DayFigure
    rows (its clicks stay: only the click increment and a rebuild change them). Returns the
    number of rows written. Safe to run twice, also at once."""
    figures = day_figures(program_id=program_id, day=day)
    with transaction.atomic():
        DayFigure.objects.filter(program_id=program_id, day=day).exclude(key=CLICKS).delete()
        DayFigure.objects.bulk_create(
            [
                DayFigure(program_id=p, day=d, key=k, currency=c, value=v)
                for (p, d, k, c), v in figures.items()
                if v
            ],
            update_conflicts=True,
            unique_fields=["program", "day", "key", "currency"],
            update_fields=["value"],
        )
    return sum(1 for v in figures.values() if v)


# ---------------------------------------------------------------- referrer stats


def _write_referrer_stats(participants_sql: str, params: list) -> None:
    """ReferrerStat rows for the referring participants selected by `participants_sql` (a
    SELECT of participant ids), from their referrals: INSERT … SELECT … GROUP BY."""
    r, p = Referral._meta.db_table, Participant._meta.db_table
    stat = ReferrerStat._meta.db_table
    sql = (
        f"INSERT INTO {stat} (participant_id, program_id, first_referred_at, last_referred_at, "  # noqa: S608 - table names from the models
        f"referrals, customers, won) "
        f"SELECT r.participant_id, p.program_id, MIN(r.created_at), MAX(r.created_at), "
        f"COUNT(*), COUNT(r.first_sale_at), SUM(CASE WHEN r.status = %s THEN 1 ELSE 0 END) "
        f"FROM {r} r JOIN {p} p ON p.id = r.participant_id "
        f"WHERE r.participant_id IN ({participants_sql}) "
        f"GROUP BY r.participant_id, p.program_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [S.won.value, *params])


def refresh_referrer_stats(buckets: Iterable[tuple]) -> set[tuple]:
    """Recompute the ReferrerStat of everyone who referred in the given (program, day)
    buckets. Returns the buckets whose new_referrers changed besides them: the old first day of
    a referrer whose first referral moved (an event recorded late)."""
    by_program: dict = defaultdict(list)
    for program_id, day in buckets:
        by_program[program_id].append(day)
    extra = set()
    for program_id, days in by_program.items():
        q = Q()
        for day in days:
            q |= _in_range("created_at", program_id=program_id, day=day)
        referrers = Referral.objects.filter(q).values("participant_id").distinct()
        with transaction.atomic():
            before = dict(
                ReferrerStat.objects.filter(participant_id__in=referrers).values_list(
                    "participant_id", "first_referred_at"
                )
            )
            ReferrerStat.objects.filter(participant_id__in=referrers).delete()
            sql, params = referrers.query.sql_with_params()
            _write_referrer_stats(sql, list(params))
            after = dict(
                ReferrerStat.objects.filter(participant_id__in=before).values_list(
                    "participant_id", "first_referred_at"
                )
            )
        for participant_id, first in before.items():
            if after.get(participant_id) != first:
                extra.add((program_id, utc_day(first)))
    return extra - {(p, d) for p, d in buckets}


# ---------------------------------------------------------------- clicks


def uuid7_floor(unix_seconds: float) -> uuid.UUID:
    """The smallest UUIDv7 of that moment's millisecond: every id made earlier is below it."""
    return uuid.UUID(int=int(unix_seconds * 1000) << 80)


def _click_range(*, lag_seconds: float) -> tuple[str, uuid.UUID | None, uuid.UUID] | None:
    """(the watermark as stored, from, to): the clicks not counted yet, up to now - lag; None
    when there is nothing to count (or the watermark row is new and was just made)."""
    state = RollupState.objects.filter(name=CLICKS).values_list("position", flat=True).first()
    if state is None:
        RollupState.objects.bulk_create([RollupState(name=CLICKS)], ignore_conflicts=True)
        state = ""
    start = uuid.UUID(state) if state else None
    end = uuid7_floor(time.time() - lag_seconds)
    if start is not None and end <= start:
        return None
    return state, start, end


def uncounted_clicks(*, programs, first: date, last: date) -> dict[date, int]:
    """{UTC day: clicks} of the clicks the job has not counted yet (ids at or above the click
    watermark; every click when the job never ran) of `programs` (ids) over the days [first,
    last]: what a reader adds to the `clicks` rollup to be exact before the job runs. The
    WHERE holds only the id range (the primary key, a few seconds of clicks); the programs and
    the days are a FILTER on those rows: with them in the WHERE, SQLite picks the
    (participant, created_at) index and skip-scans every participant."""
    position = RollupState.objects.filter(name=CLICKS).values_list("position", flat=True).first()
    pending = Click.objects.filter(id__gte=uuid.UUID(position)) if position else Click.objects
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    rows = (
        pending.annotate(day=UtcDay("created_at"))
        .values("day")
        .annotate(
            n=Count(
                "pk",
                filter=Q(program_id__in=programs, created_at__gte=start, created_at__lt=end),
            )
        )
        .order_by()
    )
    return {
        date.fromisoformat(row["day"]) if isinstance(row["day"], str) else row["day"]: row["n"]
        for row in rows
        if row["n"]
    }


def _click_counts(*, start, end, program_ids=None):
    clicks = Click.objects.filter(id__lt=end)
    if start is not None:
        clicks = clicks.filter(id__gte=start)
    if program_ids is not None:
        clicks = clicks.filter(program_id__in=program_ids)
    return (
        clicks.annotate(d=UtcDay("created_at"))
        .values_list("program_id", "d")
        .annotate(n=Count("pk"))
        .order_by()
    )


def clicks_increment(*, lag_seconds: float = CLICK_LAG_SECONDS, exclude_programs=()) -> int:
    """Add the clicks made since the watermark and before now - lag to their days' `clicks`,
    and move the watermark, in one transaction. Returns the clicks counted."""
    claimed = _click_range(lag_seconds=lag_seconds)
    if claimed is None:
        return 0
    state, start, end = claimed
    # Counted before the write: clicks below `end` never change (append-only, and the lag
    # leaves time for every INSERT in flight), so reading them needs no lock, and on SQLite the
    # write lock (which every redirect's INSERT needs) is held only for the few UPDATEs below.
    rows = list(_click_counts(start=start, end=end))
    with transaction.atomic():
        # The conditional UPDATE makes one of several workers win; the loser adds nothing.
        moved = RollupState.objects.filter(name=CLICKS, position=state).update(
            position=end.hex, updated_at=clock.now()
        )
        if not moved:
            return 0
        return _add_clicks(rows, exclude_programs)


def _add_clicks(rows, exclude_programs=()) -> int:
    total = 0
    for program_id, day, n in rows:
        if program_id in exclude_programs:
            continue
        total += n
        row = DayFigure.objects.filter(program_id=program_id, day=day, key=CLICKS, currency="")
        if not row.update(value=F("value") + n):
            DayFigure.objects.create(program_id=program_id, day=day, key=CLICKS, value=n)
    return total


# ---------------------------------------------------------------- the job's work


@dataclass
class RefreshResult:
    buckets: int = 0
    rows: int = 0
    clicks: int = 0
    marks_left: bool = False
    rewarmed: int = 0


def take_marks(limit: int = MARK_BATCH) -> list[tuple]:
    """Take up to `limit` marks: each deleted on its own (autocommit), and ours if we deleted
    it. Several workers may take at once; a bucket is never lost (a change after our delete
    marks it again), at worst recomputed twice."""
    taken = []
    rows = RollupMark.objects.order_by("pk").values_list("pk", "program_id", "day")[:limit]
    for pk, program_id, day in list(rows):
        with transaction.atomic():  # the mark goes, the program's kept figures with it
            if RollupMark.objects.filter(pk=pk).delete()[0]:
                kept.bump([(program_id, day)])
                taken.append((program_id, day))
    return taken


def rollups_refresh(*, limit: int = MARK_BATCH, click_lag_seconds=CLICK_LAG_SECONDS):
    """The worker's job: recompute the marked buckets (and their referrers' stats), then add
    the new clicks."""
    result = RefreshResult()
    taken = take_marks(limit)
    if taken:
        try:
            buckets = set(taken) | refresh_referrer_stats(taken)
            for program_id, day in sorted(buckets):
                result.rows += rollup_day(program_id=program_id, day=day)
            result.buckets = len(buckets)
            # what was kept while the pass wrote may have read half of it
            kept.bump(buckets)
        except Exception:
            with transaction.atomic():  # put them back for the next run
                for program_id, day in taken:
                    _insert_marks([(program_id, day)])
            raise
    result.marks_left = len(taken) >= limit
    result.clicks = clicks_increment(lag_seconds=click_lag_seconds)
    kept.forget_old()
    if taken and not result.marks_left:
        result.rewarmed = kept.rewarm()  # what people look at, kept again before they look
    return result


def rollups_catch_up(*, click_lag_seconds=CLICK_LAG_SECONDS) -> RefreshResult:
    """Run the job until no marks remain (tests, the demo, the benchmarks)."""
    total = RefreshResult()
    while True:
        result = rollups_refresh(click_lag_seconds=click_lag_seconds)
        total.buckets += result.buckets
        total.rows += result.rows
        total.clicks += result.clicks
        if not RollupMark.objects.exists():
            return total


# ---------------------------------------------------------------- rebuild


def _referrer_stat_rows(participants_sql: str, params: list) -> list[ReferrerStat]:
    """The ReferrerStat rows of the participants selected by `participants_sql`, read with the
    same GROUP BY as `_write_referrer_stats` (for a rebuild, which writes them later)."""
    r, p = Referral._meta.db_table, Participant._meta.db_table
    sql = (
        f"SELECT r.participant_id, p.program_id, MIN(r.created_at), MAX(r.created_at), "  # noqa: S608 - table names from the models
        f"COUNT(*), COUNT(r.first_sale_at), SUM(CASE WHEN r.status = %s THEN 1 ELSE 0 END) "
        f"FROM {r} r JOIN {p} p ON p.id = r.participant_id "
        f"WHERE r.participant_id IN ({participants_sql}) "
        f"GROUP BY r.participant_id, p.program_id"
    )
    moment = ReferrerStat._meta.get_field("first_referred_at")
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [S.won.value, *params])
        for participant_id, program_id, first, last, referrals, customers, won in cursor:
            participant_id, program_id = _uuid(participant_id), _uuid(program_id)
            rows.append(
                ReferrerStat(
                    participant_id=participant_id,
                    program_id=program_id,
                    first_referred_at=_aware(moment.to_python(first)),
                    last_referred_at=_aware(moment.to_python(last)),
                    referrals=referrals,
                    customers=customers,
                    won=won,
                )
            )
    return rows


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class RebuildResult:
    buckets: int
    rows: int
    seconds: float


def rollup_rebuild(
    *, program_ids=None, click_lag_seconds=CLICK_LAG_SECONDS, drop_marks: bool = False
) -> RebuildResult:
    """Rebuild the rollups and referrer stats of `program_ids` (None: every program) from the
    source tables, with one GROUP BY query per source and key group.

    The queries run first, outside any transaction (on SQLite the database's write lock is not
    held meanwhile, so clicks and events keep being written); then one short transaction
    replaces the programs' DayFigure and ReferrerStat rows and moves the click watermark to
    now - lag (the other programs get their clicks increment, as the job would). Marks are left
    for the job: a change made while the queries ran is marked and recomputed after. Only when
    nothing else writes (the demo loader, tests) may `drop_marks` drop the programs' marks."""
    started = time.monotonic()
    ids = None if program_ids is None else [uuid.UUID(str(p)) for p in program_ids]
    if drop_marks:
        marks = RollupMark.objects.all()
        (marks if ids is None else marks.filter(program_id__in=ids)).delete()

    # ---- the queries
    end = uuid7_floor(time.time() - click_lag_seconds)
    figures = Figures()
    for compute in SOURCE_FIGURES:
        compute(figures, {"program_ids": ids})
    referrers = (
        Participant.objects.all() if ids is None else Participant.objects.filter(program_id__in=ids)
    )
    sql, params = referrers.values("id").query.sql_with_params()
    stat_rows = _referrer_stat_rows(sql, list(params))
    for stat in stat_rows:
        figures.add(stat.program_id, utc_day(stat.first_referred_at), "new_referrers", 1)
    for program_id, day, n in _click_counts(start=None, end=end, program_ids=ids):
        figures.add(program_id, day, CLICKS, n)

    # ---- one short transaction
    with transaction.atomic():
        # The UPDATE first: it takes SQLite's write lock (PostgreSQL: the row's), so the job's
        # click increment waits for this transaction instead of racing it.
        locked = RollupState.objects.filter(name=CLICKS).update(updated_at=clock.now())
        position = RollupState.objects.filter(name=CLICKS).values_list("position", flat=True)
        position = uuid.UUID(position[0]) if locked and position[0] else None
        if position is not None and position > end:
            # The job counted past `end` meanwhile: ours get those clicks too.
            for program_id, day, n in _click_counts(start=end, end=position, program_ids=ids):
                figures.add(program_id, day, CLICKS, n)
        else:
            if ids is not None:
                others = _click_counts(start=position, end=end)
                _add_clicks(others, exclude_programs=set(ids))
            if locked:
                RollupState.objects.filter(name=CLICKS).update(position=end.hex)
            else:
                RollupState.objects.create(name=CLICKS, position=end.hex)
        rows_out = DayFigure.objects.all()
        stats_out = ReferrerStat.objects.all()
        if ids is not None:
            rows_out = rows_out.filter(program_id__in=ids)
            stats_out = stats_out.filter(program_id__in=ids)
        rows_out.delete()
        stats_out.delete()
        rows = [
            DayFigure(program_id=p, day=d, key=k, currency=c, value=v)
            for (p, d, k, c), v in figures.items()
            if v
        ]
        DayFigure.objects.bulk_create(rows, batch_size=1000)
        ReferrerStat.objects.bulk_create(stat_rows, batch_size=1000)
        kept.forget_everything()
    buckets = len({(p, d) for p, d, _, _ in figures})
    return RebuildResult(
        buckets=buckets, rows=len(rows), seconds=round(time.monotonic() - started, 2)
    )
