"""Every measure of issue 11 (R41-R45) for one program, or for the workspace (program=None:
all its programs summed, money per currency), over a `metrics.Period`.

Reads the daily rollups (`DayFigure`, keys in /docs/metrics.md and `analytics.rollups`) with ONE
grouped query per call, plus a handful of indexed queries: the entered figures (costs, outside
figures, settings), `ReferrerStat`, and the medians computed in SQL (count, then ORDER BY the
duration LIMIT 2 OFFSET (n-1)//2 over an indexed range). It never loads all rows of anything.

Money is never mixed: every money figure is {currency: minor units}, and a ratio of two money
figures (ROI, revenue share, payback...) is computed per currency, only where both are in that
currency. A measure that cannot be computed is None, and `notes[key]` says why ("no cost
entered", "no outside figures entered", ...).

docs/metrics.md lists every field with its formula, unit and band.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Conversion, ConversionKind, Referral, ReferralChange
from tular.rewards.models import Reward

from . import kept, metrics
from .bands import bands_for, judge_all, settings_for
from .metrics import Period
from .models import CostEntry, DayFigure, MonthFigure, ReferrerStat
from .rollups import uncounted_clicks

# The referrer's source (keys.md): customer, partner, employee, network.
SOURCES = ("customer", "partner", "employee", "network")
CONTACT_STATUSES = ("contacted", "qualified", "proposal", "won")
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12: a period's length in months
CONCENTRATION_SHARE = Decimal(80)  # alert when 80 % of referrals come from the top 5 %
TWO = Decimal("0.01")


def _q(value: Decimal | Fraction | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(TWO, rounding=ROUND_HALF_EVEN)


def ratio(numerator, denominator, *, scale: int = 1) -> Decimal | None:
    """numerator / denominator * scale, half-even to 2 decimals; None when the denominator is
    0 or missing."""
    if numerator is None or not denominator:
        return None
    return _q(Fraction(numerator) * scale / Fraction(denominator))


def pct(numerator, denominator) -> Decimal | None:
    return ratio(numerator, denominator, scale=100)


@dataclass(frozen=True)
class FunnelStep:
    """One step of the funnel: `count` in the period, `rate` = count / the step before (%),
    `drop_off` = 100 - rate (None for the first step or when the step before is 0). The
    counts are flows of the period, so a step can exceed the one before (a negative drop-off)."""

    key: str  # clicks, signups, qualified, won_or_paid
    count: int
    rate: Decimal | None
    drop_off: Decimal | None


@dataclass(frozen=True)
class Median:
    """A median duration over `count` items (None when there is none), in hours."""

    hours: Decimal | None
    count: int

    @property
    def days(self) -> Decimal | None:
        return None if self.hours is None else _q(self.hours / 24)


@dataclass
class Measures:
    """Every measure for `program` (None: the workspace) over `period`. Counts are ints, rates
    are percentages (Decimal, 2 decimals), multiples are Decimals ("x"), money is {currency:
    minor units}. None = cannot tell; `notes[field]` says why.

    Volume (from the rollups, by the day each thing happened):
      clicks, signups (referrals created), leads (referrals submitted to the pipeline),
      customers (new paying referred customers: first sales), qualified, won, lost (pipeline
      moves), sales, refunds; signups_by_source, customers_by_source {source: int};
      source_mix {source: % of signups}.
    Referral rate (R41): referring_participants (participants who referred in the period) /
      all_customers (the program's participants enrolled by the period's end, plus any who
      referred in it: everyone the program can ask) * 100 = referral_rate (%).
    Conversion (R42, R56; the cohort of referrals created in the period, as things stand now):
      cohort_opportunities (reached qualified/proposal/won), cohort_won, cohort_customers;
      referral_to_opportunity = cohort_opportunities / leads, opportunity_to_won = cohort_won /
      cohort_opportunities, lead_to_won = cohort_won / leads, referral_to_customer =
      cohort_customers / signups (%). Other channels (entered per month, prorated by days):
      other_leads, other_opportunities, other_won, other_referral_to_opportunity,
      other_opportunity_to_won, other_lead_to_won (%); conversion_multiple = lead_to_won /
      other_lead_to_won (x; 2-3 healthy).
    Time (medians in SQL): time_to_close (referral → won, over wins in the period; the sales
      cycle, `sales_cycle_days`), time_to_contact (lead → first move to contacted or later, over
      leads created in the period that were contacted), contacted_48h_share (% of the period's
      leads contacted within 48 h), time_to_reward (referral → payment, rewards paid in the
      period), time_to_reward_from_conversion (conversion → payment), rewards_paid,
      rewards_paid_7d_share (% paid within 7 days of the referral).
    Money (R42, R43): revenue, revenue_by_source {source: {cur: int}}, first_sales_amount,
      deal_size (first sale per new customer; per currency, only when the period's first sales
      are in one currency), won_value, won_deal_size (likewise per won deal),
      lifetime_value_by_source {source: {cur: int}} (all revenue ever from the source's referred
      customers / their number; one currency only), all_new_revenue (entered), revenue_share
      (revenue / all new revenue, %), rewards (the ledger's program expense), costs (entered:
      technology, marketing, management; months prorated by days), cost_entered (any entered
      cost in the period), program_cost = rewards + costs, roi_percent = (revenue - cost) / cost
      * 100, roi_multiple = revenue / cost, cost_per_referral = cost / signups, cost_per_customer
      = cost / customers, paid_ads_cost_per_customer (entered, {cur: int}), cac_multiple = paid
      ads' cost per customer / ours (x), payback_months = cost / (revenue per month).
    Referrers (ReferrerStat, as of `today`): referrers (ever referred), active_referrers_90d,
      active_referrers_12m (last referral within 90 days / 12 months of `today`),
      repeat_referrers (2+ referrals ever), repeat_referrers_period (2+ referrals in the
      period), top10_share / top5_share (% of all referrals made by the top 10 % / 5 % of
      referrers), concentration_alert (top5_share >= 80).
    funnel: [FunnelStep] clicks → signups → qualified → won_or_paid (qualified is left out
      and won_or_paid is customers when the period has no pipeline leads).
    satisfaction: analytics.survey.satisfaction_summary (surveys sent in the period: sent,
      answered, average 1-5, distribution, response_rate); tree: analytics.tree.tree_summary
      (programs only: friends who went on to refer, second-generation referrals and revenue).
    judgements: {band key: bands.Judgement} of each banded measure (per currency money ratios
      are judged in the program's own currency, or the first one).
    """

    program: Program | None
    period: Period
    today: date
    # volume
    clicks: int = 0
    signups: int = 0
    leads: int = 0
    customers: int = 0
    qualified: int = 0
    won: int = 0
    lost: int = 0
    sales: int = 0
    refunds: int = 0
    signups_by_source: dict[str, int] = field(default_factory=dict)
    customers_by_source: dict[str, int] = field(default_factory=dict)
    source_mix: dict[str, Decimal | None] = field(default_factory=dict)
    # referral rate
    referring_participants: int = 0
    all_customers: int = 0
    referral_rate: Decimal | None = None
    # conversion
    cohort_opportunities: int = 0
    cohort_won: int = 0
    cohort_customers: int = 0
    referral_to_opportunity: Decimal | None = None
    opportunity_to_won: Decimal | None = None
    lead_to_won: Decimal | None = None
    referral_to_customer: Decimal | None = None
    other_leads: Decimal | None = None
    other_opportunities: Decimal | None = None
    other_won: Decimal | None = None
    other_referral_to_opportunity: Decimal | None = None
    other_opportunity_to_won: Decimal | None = None
    other_lead_to_won: Decimal | None = None
    conversion_multiple: Decimal | None = None
    # time
    time_to_close: Median = field(default_factory=lambda: Median(None, 0))
    time_to_contact: Median = field(default_factory=lambda: Median(None, 0))
    contacted_48h_share: Decimal | None = None
    time_to_reward: Median = field(default_factory=lambda: Median(None, 0))
    time_to_reward_from_conversion: Median = field(default_factory=lambda: Median(None, 0))
    rewards_paid: int = 0
    rewards_paid_7d_share: Decimal | None = None
    # money
    revenue: dict[str, int] = field(default_factory=dict)
    revenue_by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    first_sales_amount: dict[str, int] = field(default_factory=dict)
    deal_size: dict[str, int] = field(default_factory=dict)
    won_value: dict[str, int] = field(default_factory=dict)
    won_deal_size: dict[str, int] = field(default_factory=dict)
    lifetime_value_by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    all_new_revenue: dict[str, int] | None = None
    revenue_share: dict[str, Decimal | None] = field(default_factory=dict)
    rewards: dict[str, int] = field(default_factory=dict)
    costs: dict[str, int] = field(default_factory=dict)
    cost_entered: bool = False
    program_cost: dict[str, int] = field(default_factory=dict)
    roi_percent: dict[str, Decimal | None] = field(default_factory=dict)
    roi_multiple: dict[str, Decimal | None] = field(default_factory=dict)
    cost_per_referral: dict[str, int | None] = field(default_factory=dict)
    cost_per_customer: dict[str, int | None] = field(default_factory=dict)
    paid_ads_cost_per_customer: dict[str, int] | None = None
    cac_multiple: dict[str, Decimal | None] = field(default_factory=dict)
    payback_months: dict[str, Decimal | None] = field(default_factory=dict)
    # referrers
    referrers: int = 0
    active_referrers_90d: int = 0
    active_referrers_12m: int = 0
    repeat_referrers: int = 0
    repeat_referrers_period: int = 0
    top10_share: Decimal | None = None
    top5_share: Decimal | None = None
    concentration_alert: bool = False
    funnel: list[FunnelStep] = field(default_factory=list)
    satisfaction: dict | None = None
    tree: dict | None = None
    judgements: dict = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def sales_cycle_days(self) -> Decimal | None:
        return self.time_to_close.days

    def as_dict(self) -> dict:
        """JSON-ready: Decimals as strings ("12.5"), medians as {hours, count}."""
        data = asdict(self)
        data.pop("judgements")
        data["program"] = self.program.slug if self.program else None
        data["period"] = {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()}
        data["today"] = self.today.isoformat()
        data["sales_cycle_days"] = self.sales_cycle_days
        data["bands"] = {
            key: {
                "value": j.value,
                "position": j.position,
                "good": j.good,
                **j.band.as_dict(),
            }
            for key, j in self.judgements.items()
        }
        return _jsonable(data)


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value else None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# ----------------------------------------------------------------- reading


def programs_of(*, workspace, program=None) -> list:
    """The ids of the programs a measure covers: [program's] or the workspace's. A literal list
    (not a subquery) lets SQLite use the (program, ...) indexes for each id."""
    if program is not None:
        return [program.pk]
    return list(Program.objects.filter(workspace=workspace).values_list("pk", flat=True))


def day_totals(*, programs, first: date, last: date) -> dict[tuple[str, str], int]:
    """{(key, currency): sum of value} over the days [first, last]: one grouped query."""
    rows = (
        DayFigure.objects.filter(program__in=programs, day__gte=first, day__lte=last)
        .values("key", "currency")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {(row["key"], row["currency"]): row["total"] for row in rows}


class _Totals:
    def __init__(self, totals: dict[tuple[str, str], int]):
        self.totals = totals

    def count(self, key: str) -> int:
        return int(self.totals.get((key, ""), 0))

    def money(self, key: str) -> dict[str, int]:
        return {
            currency: int(value)
            for (k, currency), value in sorted(self.totals.items())
            if k == key and currency and value
        }


def _months(period: Period):
    """(first day of month, Fraction of that month inside the period) for every month the
    period touches."""
    month = period.first.replace(day=1)
    while month <= period.last:
        following = (month + timedelta(days=32)).replace(day=1)
        inside_first = max(month, period.first)
        inside_last = min(following - timedelta(days=1), period.last)
        share = Fraction((inside_last - inside_first).days + 1, (following - month).days)
        yield month, share
        month = following


def _prorated(rows, period: Period) -> dict[str, Fraction]:
    """{currency: sum of each month's value times the share of that month in the period} of
    rows (month, currency, value)."""
    shares = dict(_months(period))
    result: dict[str, Fraction] = defaultdict(Fraction)
    for month, currency, value in rows:
        result[currency] += value * shares.get(month, Fraction(0))
    return dict(result)


def _round(value: Fraction) -> int:
    """A whole number of minor units, half to even."""
    value = Fraction(value)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def outside_figures(*, workspace, program, period: Period) -> dict[str, dict[str, Fraction]]:
    """{key: {currency: prorated value}} of the entered MonthFigures covering the period: the
    program's own; for the workspace, its own entries (no program) for a key that has any,
    else the sum of its programs' entries. One query."""
    months = [m for m, _share in _months(period)]
    rows = MonthFigure.objects.filter(
        workspace=workspace, month__gte=months[0], month__lte=months[-1]
    )
    if program is not None:
        rows = rows.filter(program=program)
    by_key: dict[tuple[str, bool], list] = defaultdict(list)
    for key, month, currency, value, program_id in rows.values_list(
        "key", "month", "currency", "value", "program_id"
    ):
        by_key[(key, program_id is None)].append((month, currency, value))
    result = {}
    for key in {k for k, _own in by_key}:
        chosen = by_key.get((key, True)) if program is None else None
        chosen = chosen or by_key.get((key, False)) or by_key.get((key, True))
        result[key] = _prorated(chosen, period)
    return result


def entered_costs(*, workspace, program, period: Period) -> tuple[dict[str, Fraction], bool]:
    """({currency: prorated cost}, any entry at all) of the entered costs covering the period:
    the program's; for the workspace, every entry (its own and its programs')."""
    months = [m for m, _share in _months(period)]
    rows = CostEntry.objects.filter(
        workspace=workspace, month__gte=months[0], month__lte=months[-1]
    )
    if program is not None:
        rows = rows.filter(program=program)
    listed = list(rows.values("month", "currency").annotate(total=Sum("amount")).order_by())
    prorated = _prorated(((r["month"], r["currency"], r["total"]) for r in listed), period)
    return prorated, bool(listed)


class FirstOfMonth(TruncMonth):
    """TruncMonth of a date column; on SQLite, where dates are "YYYY-MM-DD" text, by its first
    seven characters instead of Django's Python function per row."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"(substr({sql}, 1, 7) || '-01')", params


class Microseconds(Func):
    """`until - since` in whole microseconds, with the database's own functions (never a
    Python function per row): on SQLite, whose datetimes are text ("2026-03-01 23:59:59.5"),
    the whole seconds by strftime('%s') plus the fraction's digits, exact; on PostgreSQL the
    interval's epoch."""

    output_field = BigIntegerField()

    def __init__(self, until, since):
        super().__init__(until, since)

    def as_sqlite(self, compiler, connection, **extra_context):
        parts = []
        params = []
        for expression in self.source_expressions:
            text, own = compiler.compile(expression)
            # The text appears three times: its parameters too.
            parts.append(
                f"(CAST(strftime('%%s', {text}) AS INTEGER) * 1000000 + "
                f"CASE WHEN length({text}) > 19 "
                f"THEN CAST(substr({text} || '000000', 21, 6) AS INTEGER) ELSE 0 END)"
            )
            params += [*own, *own, *own]
        return f"({parts[0]} - {parts[1]})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        until, until_params = compiler.compile(self.source_expressions[0])
        since, since_params = compiler.compile(self.source_expressions[1])
        return (
            f"CAST(EXTRACT(EPOCH FROM ({until} - {since})) * 1000000 AS BIGINT)",
            (*until_params, *since_params),
        )


def _median_hours(queryset, since, until) -> Median:
    """The median of `until - since` (expressions or field names) over `queryset`, in SQL:
    count, then ORDER BY the duration LIMIT 2 OFFSET (n-1)//2. Each duration is taken in whole
    seconds (truncated, like metrics.median_hours); the median of an even count is the mean of
    the two middle ones; hours with 2 decimals, half to even."""
    since = F(since) if isinstance(since, str) else since
    until = F(until) if isinstance(until, str) else until
    annotated = queryset.annotate(_duration=Microseconds(until, since))
    count = annotated.count()
    if not count:
        return Median(None, 0)
    offset = (count - 1) // 2
    middle = list(
        annotated.order_by("_duration").values_list("_duration", flat=True)[offset : offset + 2]
    )
    seconds = [int(Decimal(value) / 1_000_000) for value in middle]
    value = Decimal(seconds[0]) if count % 2 else Decimal(seconds[0] + seconds[1]) / 2
    return Median((value / Decimal(3600)).quantize(TWO, rounding=ROUND_HALF_EVEN), count)


def _seconds(value) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return int(value) / 1_000_000  # a backend returning microseconds


def clicks_count(*, programs, period: Period, rolled: int | None = None) -> int:
    """Clicks in the period: the rollups' `clicks` (`rolled`, read here when not given) plus
    the clicks the worker has not counted yet (ids at or above the click watermark, a short
    range of the primary key; every click when the job never ran)."""
    if rolled is None:
        totals = day_totals(programs=programs, first=period.first, last=period.last)
        rolled = int(totals.get(("clicks", ""), 0))
    pending = uncounted_clicks(programs=programs, first=period.first, last=period.last)
    return rolled + sum(pending.values())


def paid_rewards(*, programs, period: Period):
    return Reward.objects.filter(
        program__in=programs, paid_at__gte=period.start, paid_at__lt=period.end
    )


def approved_rewards(*, programs, period: Period):
    return Reward.objects.filter(
        program__in=programs,
        approved_at__gte=period.start,
        approved_at__lt=period.end,
    )


def _time_to_reward(*, programs, period: Period) -> Median:
    """Referral → payment over the rewards paid in the period."""
    return _median_hours(paid_rewards(programs=programs, period=period), "referred_at", "paid_at")


def _time_to_reward_from_conversion(*, programs, period: Period) -> Median:
    """Conversion → payment over the rewards paid in the period."""
    return _median_hours(paid_rewards(programs=programs, period=period), "converted_at", "paid_at")


def _conversion_to_approval(*, programs, period: Period) -> Median:
    """Conversion → approval over the rewards approved in the period."""
    return _median_hours(
        approved_rewards(programs=programs, period=period), "converted_at", "approved_at"
    )


def _time_to_close(*, programs, period: Period) -> Median:
    """Referral → won over the moves to won in the period (the sales cycle)."""
    wins = ReferralChange.objects.filter(
        at__gte=period.start,
        at__lt=period.end,
        to_status="won",
        referral__program__in=programs,
    )
    return _median_hours(wins, "referral__created_at", "at")


def _time_to_contact(*, programs, period: Period) -> Median:
    """Lead → first move to contacted (or further) over the period's leads that were
    contacted."""
    first_contact = (
        ReferralChange.objects.filter(referral=OuterRef("pk"), to_status__in=CONTACT_STATUSES)
        .order_by()
        .values("referral")
        .annotate(first=Min("at"))
        .values("first")
    )
    leads = (
        Referral.objects.filter(
            program__in=programs,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .exclude(intake="")
        .annotate(_contacted=Subquery(first_contact, output_field=DateTimeField()))
        .filter(_contacted__isnull=False)
    )
    return _median_hours(leads, "created_at", "_contacted")


def _referring_in(*, programs, period: Period) -> tuple[int, int]:
    """(participants who referred in the period, of them those who referred twice or more):
    one grouped query over the (program, created_at, participant) index."""
    per_referrer = (
        Referral.objects.filter(
            program__in=programs,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .values("participant_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    # aggregate() over an annotated values() is a subquery: both counts in one statement.
    counts = per_referrer.annotate(
        twice=Case(When(n__gte=2, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).aggregate(referring=Count("participant_id"), repeat=Sum("twice", default=0))
    return counts["referring"] or 0, counts["repeat"] or 0


def _all_customers(*, programs, period: Period) -> int:
    """Everyone the program can ask (metrics.participants_total): participants enrolled by the
    period's end plus any who referred in the period although enrolled later."""
    referrers = Referral.objects.filter(
        program__in=programs,
        created_at__gte=period.start,
        created_at__lt=period.end,
    ).values("participant_id")
    return Participant.objects.filter(
        Q(program__in=programs) & (Q(created_at__lt=period.end) | Q(pk__in=referrers))
    ).count()


def _referrer_figures(*, programs, today: date) -> dict:
    """ReferrerStat as of `today`: referrers, active in 90 days / 12 months, repeat, and the
    share of all referrals made by the top 10 % and top 5 % (at least one referrer each)."""
    stats = ReferrerStat.objects.filter(program__in=programs)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time()).replace(
        tzinfo=Period(today, today).start.tzinfo
    )
    figures = stats.aggregate(
        referrers=Count("pk"),
        made=Sum("referrals", default=0),
        active_90=Count("pk", filter=Q(last_referred_at__gte=end - timedelta(days=90))),
        active_12m=Count("pk", filter=Q(last_referred_at__gte=end - timedelta(days=365))),
        repeat=Count("pk", filter=Q(referrals__gte=2)),
    )
    n, total = figures["referrers"], figures["made"] or 0

    def top(share: int) -> Decimal | None:
        if not n or not total:
            return None
        k = max(1, -(-n * share // 100))  # ceil(n * share / 100)
        ordered = stats.order_by("-referrals").values("referrals")[:k]
        made = sum(row["referrals"] for row in ordered)
        return pct(made, total)

    return {
        "referrers": n,
        "active_referrers_90d": figures["active_90"],
        "active_referrers_12m": figures["active_12m"],
        "repeat_referrers": figures["repeat"],
        "top10_share": top(10),
        "top5_share": top(5),
    }


# ------------------------------------------------- kept once computed (analytics.kept)


def _median_out(m: Median) -> list:
    return [None if m.hours is None else str(m.hours), m.count]


def _median_in(stored: list) -> Median:
    return Median(None if stored[0] is None else Decimal(stored[0]), stored[1])


def _median_recipe(kind: str, compute) -> None:
    kept.recipe(kind, encode=_median_out, decode=_median_in)(
        lambda *, programs, period, extra: compute(programs=programs, period=period)
    )


_median_recipe("time_to_reward", _time_to_reward)
_median_recipe("time_to_reward_from_conversion", _time_to_reward_from_conversion)
_median_recipe("conversion_to_approval", _conversion_to_approval)
_median_recipe("time_to_close", _time_to_close)
# a move marks the lead's own day too, so the period's days are all it reads
_median_recipe("time_to_contact", _time_to_contact)


def time_to_reward(*, programs, period: Period) -> Median:
    """Referral → payment over the rewards paid in the period."""
    return kept.kept("time_to_reward", programs=programs, period=period)


def time_to_reward_from_conversion(*, programs, period: Period) -> Median:
    """Conversion → payment over the rewards paid in the period."""
    return kept.kept("time_to_reward_from_conversion", programs=programs, period=period)


def conversion_to_approval(*, programs, period: Period) -> Median:
    """Conversion → approval over the rewards approved in the period."""
    return kept.kept("conversion_to_approval", programs=programs, period=period)


def time_to_close(*, programs, period: Period) -> Median:
    """Referral → won over the moves to won in the period (the sales cycle)."""
    return kept.kept("time_to_close", programs=programs, period=period)


def time_to_contact(*, programs, period: Period) -> Median:
    """Lead → first move to contacted (or further) over the period's leads that were
    contacted."""
    return kept.kept("time_to_contact", programs=programs, period=period)


@kept.recipe("referring_in", encode=list, decode=tuple)
def _referring_in_recipe(*, programs, period: Period, extra: str) -> tuple[int, int]:
    return _referring_in(programs=programs, period=period)


def referring_in(*, programs, period: Period) -> tuple[int, int]:
    """(participants who referred in the period, of them those who referred twice or more)."""
    return kept.kept("referring_in", programs=programs, period=period)


@kept.recipe("all_customers", from_epoch=True)  # everyone enrolled by the period's end
def _all_customers_recipe(*, programs, period: Period, extra: str) -> int:
    return _all_customers(programs=programs, period=period)


def all_customers(*, programs, period: Period) -> int:
    """Everyone the program can ask by the period's end (`_all_customers`; a new participant
    marks its day)."""
    return kept.kept("all_customers", programs=programs, period=period)


_SHARES = ("top10_share", "top5_share")


def _shares_out(figures: dict) -> dict:
    return {k: (str(v) if k in _SHARES and v is not None else v) for k, v in figures.items()}


def _shares_in(stored: dict) -> dict:
    return {k: (Decimal(v) if k in _SHARES and v is not None else v) for k, v in stored.items()}


@kept.recipe("referrer_figures", encode=_shares_out, decode=_shares_in, from_epoch=True)
def _referrer_figures_recipe(*, programs, period: Period, extra: str) -> dict:
    return _referrer_figures(programs=programs, today=period.last)


def referrer_figures(*, programs, today: date) -> dict:
    """`_referrer_figures` as of `today`, kept until the job changes the referrer stats."""
    return kept.kept("referrer_figures", programs=programs, period=Period(today, today))


def _per_currency_ratio(numerators: dict, denominators: dict, *, scale=1) -> dict:
    return {
        currency: ratio(numerators.get(currency), denominators.get(currency), scale=scale)
        for currency in sorted(set(numerators) | set(denominators))
    }


def _only_currency(amounts: dict[str, int]) -> str | None:
    return next(iter(amounts)) if len(amounts) == 1 else None


def _guarded(module: str, function: str, **kwargs):
    """The result of analytics.<module>.<function>(**kwargs) when another part provides it."""
    import importlib

    try:
        found = getattr(importlib.import_module(f"tular.analytics.{module}"), function)
    except (ImportError, AttributeError):
        return None
    return found(**kwargs)


# ----------------------------------------------------------------- the measures


def measures(
    *,
    workspace,
    program=None,
    period: Period,
    today: date,
    with_satisfaction: bool = True,
    with_tree: bool = True,
) -> Measures:
    """Every measure (class `Measures`) for `program` (None: the workspace) over `period`.
    `with_satisfaction`: also the referrer satisfaction (analytics.survey); `with_tree`: for a
    program, the referral tree (analytics.tree), which walks the period's referrals."""
    programs = programs_of(workspace=workspace, program=program)
    m = Measures(program=program, period=period, today=today)
    t = _Totals(day_totals(programs=programs, first=period.first, last=period.last))

    # volume
    m.clicks = clicks_count(programs=programs, period=period, rolled=t.count("clicks"))
    for key in ("leads", "customers", "qualified", "won", "lost", "sales", "refunds"):
        setattr(m, key, t.count(key))
    m.signups = t.count("referrals")
    m.signups_by_source = {s: t.count(f"referrals.{s}") for s in SOURCES}
    m.customers_by_source = {s: t.count(f"customers.{s}") for s in SOURCES}
    m.source_mix = {s: pct(m.signups_by_source[s], m.signups) for s in SOURCES}

    # referral rate
    m.referring_participants, m.repeat_referrers_period = referring_in(
        programs=programs, period=period
    )
    m.all_customers = all_customers(programs=programs, period=period)
    m.referral_rate = pct(m.referring_participants, m.all_customers)

    # conversion of the period's cohort
    m.cohort_opportunities = t.count("cohort_opportunities")
    m.cohort_won = t.count("cohort_won")
    m.cohort_customers = t.count("cohort_customers")
    m.referral_to_opportunity = pct(m.cohort_opportunities, m.leads)
    m.opportunity_to_won = pct(m.cohort_won, m.cohort_opportunities)
    m.lead_to_won = pct(m.cohort_won, m.leads)
    m.referral_to_customer = pct(m.cohort_customers, m.signups)
    if not m.leads:
        m.notes["lead_to_won"] = _("no pipeline leads in the period")
    outside = outside_figures(workspace=workspace, program=program, period=period)

    def outside_count(key: str) -> Fraction | None:
        return outside[key].get("") if key in outside else None

    other_leads = outside_count("other_leads")
    other_opps = outside_count("other_opportunities")
    other_won = outside_count("other_won")
    m.other_leads, m.other_opportunities, m.other_won = (
        _q(other_leads),
        _q(other_opps),
        _q(other_won),
    )
    m.other_referral_to_opportunity = pct(other_opps, other_leads)
    m.other_opportunity_to_won = pct(other_won, other_opps)
    m.other_lead_to_won = pct(other_won, other_leads)
    if other_leads is None:
        m.notes["conversion_multiple"] = _("no other channels' leads entered")
    elif m.lead_to_won is not None and m.other_lead_to_won:
        m.conversion_multiple = ratio(m.lead_to_won, m.other_lead_to_won)
    elif not m.other_lead_to_won and m.other_lead_to_won is not None:
        m.notes["conversion_multiple"] = _("other channels won nothing")
    else:
        m.notes.setdefault("conversion_multiple", _("no pipeline leads in the period"))

    # time
    m.time_to_close = time_to_close(programs=programs, period=period)
    m.time_to_contact = time_to_contact(programs=programs, period=period)
    m.contacted_48h_share = pct(t.count("cohort_contacted_48h"), m.leads)
    m.time_to_reward = time_to_reward(programs=programs, period=period)
    m.time_to_reward_from_conversion = time_to_reward_from_conversion(
        programs=programs, period=period
    )
    m.rewards_paid = t.count("rewards_paid")
    m.rewards_paid_7d_share = pct(t.count("rewards_paid_7d"), m.rewards_paid)

    # money
    m.revenue = t.money("revenue")
    m.revenue_by_source = {s: t.money(f"revenue.{s}") for s in SOURCES}
    m.first_sales_amount = t.money("first_sales_amount")
    m.won_value = t.money("won_value")
    only = _only_currency(m.first_sales_amount)
    if only and m.customers:
        m.deal_size = {only: _round(Fraction(m.first_sales_amount[only], m.customers))}
    elif len(m.first_sales_amount) > 1:
        m.notes["deal_size"] = _("first sales in several currencies")
    only = _only_currency(m.won_value)
    if only and m.won:
        m.won_deal_size = {only: _round(Fraction(m.won_value[only], m.won))}
    elif len(m.won_value) > 1:
        m.notes["won_deal_size"] = _("deals won in several currencies")
    m.lifetime_value_by_source = lifetime_values(programs=programs, today=today)

    if "all_new_revenue" in outside:
        m.all_new_revenue = {c: _round(v) for c, v in sorted(outside["all_new_revenue"].items())}
        m.revenue_share = {
            c: pct(m.revenue.get(c, 0), outside["all_new_revenue"][c])
            for c in sorted(outside["all_new_revenue"])
        }
    else:
        m.notes["revenue_share"] = _("no new revenue from all channels entered")

    m.rewards = t.money("rewards")
    costs, m.cost_entered = entered_costs(workspace=workspace, program=program, period=period)
    m.costs = {c: _round(v) for c, v in sorted(costs.items())}
    cost = defaultdict(Fraction)
    for c, v in m.rewards.items():
        cost[c] += v
    for c, v in costs.items():
        cost[c] += v
    m.program_cost = {c: _round(v) for c, v in sorted(cost.items()) if v}
    if not m.cost_entered:
        m.notes["costs"] = _("no cost entered: the program cost is the rewards alone")
    if not m.program_cost:
        for key in ("roi_percent", "roi_multiple", "payback_months", "cost_per_customer"):
            m.notes[key] = _("no cost entered")
    months = Decimal(period.days) / DAYS_PER_MONTH
    for c in sorted(cost):
        if not cost[c]:
            continue
        rev = m.revenue.get(c)
        if rev is None:
            m.roi_percent[c] = m.roi_multiple[c] = m.payback_months[c] = None
            m.notes.setdefault("roi_percent", _("no revenue in %(currency)s") % {"currency": c})
        else:
            m.roi_percent[c] = pct(rev - cost[c], cost[c])
            m.roi_multiple[c] = ratio(rev, cost[c])
            monthly = Fraction(rev) / Fraction(months)
            m.payback_months[c] = ratio(cost[c], monthly) if monthly > 0 else None
        m.cost_per_referral[c] = _round(cost[c] / m.signups) if m.signups else None
        m.cost_per_customer[c] = _round(cost[c] / m.customers) if m.customers else None

    stored = settings_for(workspace=workspace, program=program)
    if stored.paid_ads_cost_per_customer is not None and stored.paid_ads_currency:
        paid = {stored.paid_ads_currency: stored.paid_ads_cost_per_customer}
        m.paid_ads_cost_per_customer = paid
        for c, ours in m.cost_per_customer.items():
            if c in paid and ours:
                m.cac_multiple[c] = ratio(paid[c], ours)
        if not m.cac_multiple:
            m.notes["cac_multiple"] = _("no cost per customer in the paid ads' currency")
    else:
        m.notes["cac_multiple"] = _("paid ads' cost per customer not entered")

    # referrers
    for key, value in referrer_figures(programs=programs, today=today).items():
        setattr(m, key, value)
    m.concentration_alert = m.top5_share is not None and m.top5_share >= CONCENTRATION_SHARE

    m.funnel = funnel(m)
    if with_satisfaction:
        summary = _guarded(
            "survey",
            "satisfaction_summary",
            workspace=workspace,
            program=program,
            period=(period.first, period.last),
        )
        m.satisfaction = summary.as_dict() if summary is not None else None
    if with_tree and program is not None:
        m.tree = _guarded(
            "tree", "tree_summary", program=program, period=period, with_generations=False
        )
    elif with_tree:
        m.notes["tree"] = _("the referral tree is per program")

    currency = program.currency if program is not None else None
    money_currency = currency if currency in m.roi_multiple else next(iter(m.roi_multiple), None)
    m.judgements = judge_all(
        bands_for(workspace=workspace, program=program),
        {
            "referral_rate": m.referral_rate,
            "conversion_multiple": m.conversion_multiple,
            "revenue_share": m.revenue_share.get(money_currency or currency or ""),
            "roi_multiple": m.roi_multiple.get(money_currency) if money_currency else None,
            "payback_months": m.payback_months.get(money_currency) if money_currency else None,
            "time_to_reward_hours": m.time_to_reward.hours,
            "time_to_contact_hours": m.time_to_contact.hours,
            "cac_multiple": next(iter(m.cac_multiple.values()), None),
        },
    )
    return m


def lifetime_values(*, programs, today: date) -> dict[str, dict[str, int]]:
    """{source: {currency: all revenue ever from the source's referred customers / their
    number}} up to `today`, only where the source's revenue is in one currency: one grouped
    query over the rollups."""
    rows = (
        DayFigure.objects.filter(
            program__in=programs,
            day__lte=today,
            key__in=[f"revenue.{s}" for s in SOURCES] + [f"customers.{s}" for s in SOURCES],
        )
        .values("key", "currency")
        .annotate(total=Sum("value"))
        .order_by()
    )
    t = _Totals({(r["key"], r["currency"]): r["total"] for r in rows})
    result = {}
    for source in SOURCES:
        revenue, customers = t.money(f"revenue.{source}"), t.count(f"customers.{source}")
        only = _only_currency(revenue)
        result[source] = (
            {only: _round(Fraction(revenue[only], customers))} if only and customers else {}
        )
    return result


def funnel(m: Measures) -> list[FunnelStep]:
    """click → sign-up → qualified → won / paid, with the rate and drop-off of each step."""
    if m.leads:
        steps = [("clicks", m.clicks), ("signups", m.signups), ("qualified", m.qualified)]
        steps.append(("won_or_paid", m.won))
    else:
        steps = [("clicks", m.clicks), ("signups", m.signups), ("won_or_paid", m.customers)]
    result, before = [], None
    for key, count in steps:
        rate = pct(count, before) if before is not None else None
        result.append(
            FunnelStep(
                key=key,
                count=count,
                rate=rate,
                # Steps count events of the period, not one cohort: a later step can outnumber
                # an earlier one (wins of leads qualified last month). No drop-off then.
                drop_off=None if rate is None or rate > 100 else 100 - rate,
            )
        )
        before = count
    return result


# ----------------------------------------------------------------- charts


def _quarter(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def series_periods(*, grain: str, count: int, today: date) -> list[Period]:
    """The last `count` months or quarters up to and including the one holding `today`."""
    if grain not in ("month", "quarter"):
        raise ValueError("grain is month or quarter")
    step = 1 if grain == "month" else 3
    start = today.replace(day=1) if grain == "month" else _quarter(today)
    periods = []
    for i in range(count - 1, -1, -1):
        months = start.year * 12 + start.month - 1 - i * step
        first = date(months // 12, months % 12 + 1, 1)
        after = months + step
        following = date(after // 12, after % 12 + 1, 1)
        periods.append(Period(first=first, last=following - timedelta(days=1)))
    return periods


@dataclass(frozen=True)
class SeriesPoint:
    """One month or quarter: `counts` {key: int} and `money` {key: {currency: int}} of the
    rollups, and the rates charts need (% or None): referral_to_customer (the cohort's
    customers / signups) and lead_to_won (the cohort's won / leads)."""

    period: Period
    counts: dict[str, int]
    money: dict[str, dict[str, int]]
    referral_to_customer: Decimal | None
    lead_to_won: Decimal | None


def series(
    *, workspace, program=None, grain: str = "month", count: int = 12, today: date
) -> list[SeriesPoint]:
    """The rollups by month or quarter for charts, oldest first: ONE grouped query (sum by
    key, currency and month)."""
    periods = series_periods(grain=grain, count=count, today=today)
    programs = programs_of(workspace=workspace, program=program)
    rows = (
        DayFigure.objects.filter(
            program__in=programs,
            day__gte=periods[0].first,
            day__lte=periods[-1].last,
        )
        .annotate(month=FirstOfMonth("day"))
        .values("month", "key", "currency")
        .annotate(total=Sum("value"))
        .order_by()
    )
    buckets: dict[date, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        bucket = month if grain == "month" else _quarter(month)
        buckets[bucket][(row["key"], row["currency"])] += int(row["total"])
    points = []
    for p in periods:
        t = _Totals(dict(buckets.get(p.first, {})))
        counts = {k: v for (k, c), v in t.totals.items() if not c}
        money: dict[str, dict[str, int]] = defaultdict(dict)
        for (k, c), v in sorted(t.totals.items()):
            if c:
                money[k][c] = v
        points.append(
            SeriesPoint(
                period=p,
                counts=counts,
                money=dict(money),
                referral_to_customer=pct(t.count("cohort_customers"), t.count("referrals")),
                lead_to_won=pct(t.count("cohort_won"), t.count("leads")),
            )
        )
    return points


# ----------------------------------------------------------------- GET /api/v1/metrics


def _per_currency_list(totals: dict[str, int]) -> list[dict]:
    return [{"currency": c, "amount": totals[c]} for c in sorted(totals)]


@kept.recipe("api_counts")
def _api_counts(*, programs, period: Period, extra: str = "") -> dict:
    """The contract's counts and sums over the period's source rows (indexed ranges)."""
    referrals = Referral.objects.filter(
        program__in=programs, created_at__gte=period.start, created_at__lt=period.end
    )
    in_period = {"occurred_at__gte": period.start, "occurred_at__lt": period.end}
    return {
        "signups": referrals.count(),
        "converted": referrals.filter(first_sale_at__lt=period.end).count(),
        "participants": Participant.objects.filter(
            program__in=programs, created_at__gte=period.start, created_at__lt=period.end
        ).count(),
        "conversions": Conversion.objects.filter(
            program__in=programs, kind=ConversionKind.sale, **in_period
        ).count(),
        "revenue": metrics.net_revenue(
            Conversion.objects.filter(program__in=programs, **in_period)
        ),
        "rewards": metrics.net_rewards(
            Reward.objects.filter(
                program__in=programs, created_at__gte=period.start, created_at__lt=period.end
            )
        ),
    }


def _hours_text(median: Median) -> str | None:
    return None if median.hours is None else str(median.hours)


def api_figures(*, workspace, program=None, period: Period, found: Measures | None = None) -> dict:
    """The figures of GET /api/v1/metrics with exactly the meanings of `analytics.metrics`
    (its module docstring) for a program or (program=None) every program of the workspace:
    clicks from the rollups (plus the clicks not counted yet), medians in SQL, the rest from
    indexed ranges of the source rows, so they are exact even before the worker runs. `found`:
    the same period's `measures`, whose identical figures are then not read again."""
    programs = programs_of(workspace=workspace, program=program)
    counts = kept.kept("api_counts", programs=programs, period=period)
    if found is not None:
        referring, total = found.referring_participants, found.all_customers
        to_reward, to_payment = found.time_to_reward, found.time_to_reward_from_conversion
        clicks = found.clicks
    else:
        referring, _repeat = referring_in(programs=programs, period=period)
        total = all_customers(programs=programs, period=period)
        to_reward = time_to_reward(programs=programs, period=period)
        to_payment = time_to_reward_from_conversion(programs=programs, period=period)
        clicks = clicks_count(programs=programs, period=period)
    signups, converted = counts["signups"], counts["converted"]
    joined, conversions = counts["participants"], counts["conversions"]
    revenue, rewards = counts["revenue"], counts["rewards"]
    to_approval = conversion_to_approval(programs=programs, period=period)
    return {
        "program": program.slug if program is not None else None,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "clicks": clicks,
        "signups": signups,
        "conversions": conversions,
        "converted_signups": converted,
        "referring_participants": referring,
        "participants": joined,
        "participants_total": total,
        "conversion_rate": metrics.percent(converted, signups),
        "referral_rate": metrics.percent(referring, total),
        "revenue": _per_currency_list(revenue),
        "rewards": _per_currency_list(rewards),
        "time_to_reward_hours": _hours_text(to_reward),
        "time_to_reward_count": to_reward.count,
        "time_to_reward_target_hours": metrics.TIME_TO_REWARD_TARGET_HOURS,
        "conversion_to_approval_hours": _hours_text(to_approval),
        "conversion_to_approval_count": to_approval.count,
        "conversion_to_payment_hours": _hours_text(to_payment),
        "conversion_to_payment_count": to_payment.count,
    }
