"""Program metrics over a period (api-v1 Metrics; R13, R30, R41, R44). Reads only.

A period is a range of whole UTC days, both ends included: [first day 00:00 UTC, day after the
last day 00:00 UTC). Every figure below is for one program and that period:

- ``clicks``: Click rows of the program's participants whose ``created_at`` is in the period.
- ``signups``: Referral rows of the program whose ``created_at`` (the referral time) is in the
  period: tracked sign-ups, leads submitted to the pipeline and referrals flagged for review
  alike.
- ``conversions``: sale Conversions of the program whose ``occurred_at`` is in the period (every
  sale, first or repeat; refunds and cancellations are not conversions).
- ``participants``: participants who joined the program in the period (``created_at``, the
  enrolment, in the period).
- ``participants_total``: participants of the program by the period's end (joined before it
  ended), plus any who referred during the period although enrolled later (history sent
  afterwards enrols its people on the day it arrives): every referrer of the period is counted,
  so a rate below never passes 100.
- ``referring_participants``: the participants who referred at least one of the referrals
  counted in ``signups``.
- ``converted_signups``: of the referrals counted in ``signups`` (a cohort), those whose customer
  made a first sale before the period ended (``first_sale_at`` before its end).

- ``revenue``: per currency, the sale amounts with ``occurred_at`` in the period minus the
  refund amounts with ``occurred_at`` in the period (a refund counts when it happens, even for
  an earlier sale; a currency's figure can thus be negative). Minor units.
- ``rewards``: per currency, the monetary rewards with ``created_at`` in the period, each net of
  its ``reversed_amount`` as it stands now (a later refund lowers the earlier period's figure),
  rejected ones left out (a fully reversed reward adds 0). Minor units. Perks have no amount
  and are not counted.
- Time to reward (R30, R44), medians in hours with 2 decimals, null when there is nothing to
  measure, each with the number of rewards behind it:

  - ``time_to_reward_hours``: referral → payment (``referred_at`` → ``paid_at``) over the
    rewards paid in the period. The seeds' measure; target under 7 days
    (``time_to_reward_target_hours``: 168).
  - ``conversion_to_approval_hours``: conversion → approval (``converted_at`` →
    ``approved_at``) over the rewards approved in the period, whatever their status since.
  - ``conversion_to_payment_hours``: conversion → payment (``converted_at`` → ``paid_at``) over
    the rewards paid in the period.

  "Conversion" is the event the reward was earned for (the sale, or the sign-up, qualification
  or win for rules with those triggers).

Every rate is a percentage as a decimal string, rounded half to even to 2 decimals, without
trailing zeros (``"25"``, ``"12.5"``, ``"33.33"``), null when its denominator is 0:

- ``referral_rate`` (R41: referring customers / all customers * 100):
  ``referring_participants / participants_total * 100``.
- ``conversion_rate`` (R42, the referred leads that became customers):
  ``converted_signups / signups * 100``; never above 100.

The median of an even count is the mean of the two middle values. Medians are rounded half to
even. Per-currency lists are sorted by currency and never add two currencies together.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import F, Q, Sum

from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Conversion, ConversionKind, Referral
from tular.rewards.models import Reward, RewardStatus
from tular.tracking.models import Click

TIME_TO_REWARD_TARGET_HOURS = 7 * 24  # R30: referral to payment in under 7 days
DEFAULT_PERIOD_DAYS = 30
# The longest period one call may ask for: 3 years, leap day included, counted inclusively.
MAX_PERIOD_DAYS = 3 * 365 + 1


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:  # excluded
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def default_period(today: date, *, first: date | None = None, last: date | None = None) -> Period:
    """Fill in what the caller left out: the last day defaults to today (UTC), the first to
    the 30-day period ending on the last day."""
    last = last or today
    first = first or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return Period(first=first, last=last)


def percent(numerator: int, denominator: int) -> str | None:
    """numerator / denominator * 100 as the API writes every rate: half-even to 2 decimals,
    trailing zeros dropped ("25", "12.5", "33.33"); None when the denominator is 0."""
    if denominator == 0:
        return None
    value = (Decimal(numerator * 100) / Decimal(denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )
    return format(value.normalize(), "f")


def median_hours(seconds: list[int]) -> str | None:
    """The median of durations given in whole seconds, in hours with 2 decimals."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        median = Decimal(ordered[middle])
    else:
        median = Decimal(ordered[middle - 1] + ordered[middle]) / 2
    hours = median / Decimal(3600)
    return str(hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def _durations(rows) -> list[int]:
    return [int((until - since).total_seconds()) for since, until in rows]


def _per_currency(totals: dict[str, int]) -> list[dict]:
    return [{"currency": c, "amount": totals[c]} for c in sorted(totals)]


def clicks_between(participants, start: datetime, end: datetime) -> int:
    """Clicks of these participants (a queryset of pks) in [start, end). Through the
    participants: Click's one index is (participant, created_at)."""
    return Click.objects.filter(
        participant_id__in=participants, created_at__gte=start, created_at__lt=end
    ).count()


def revenue_rows(conversions, *keys: str):
    """Sales minus refunds (`total`) per currency, and per `keys` (e.g. "program_id"), of a
    Conversion queryset: one grouped query."""
    return (
        conversions.filter(
            kind__in=(ConversionKind.sale, ConversionKind.refund), amount__isnull=False
        )
        .values(*keys, "currency")
        .annotate(
            total=Sum("amount", filter=Q(kind=ConversionKind.sale), default=0)
            - Sum("amount", filter=Q(kind=ConversionKind.refund), default=0)
        )
        .order_by(*keys, "currency")
    )


def reward_rows(rewards, *keys: str):
    """Monetary rewards net of reversals (`total`), rejected ones left out, per currency and
    per `keys`, of a Reward queryset: one grouped query."""
    return (
        rewards.filter(amount__isnull=False)
        .exclude(status=RewardStatus.rejected)
        .values(*keys, "currency")
        .annotate(total=Sum(F("amount") - F("reversed_amount"), default=0))
        .order_by(*keys, "currency")
    )


def net_revenue(conversions) -> dict[str, int]:
    """{currency: sales minus refunds} of a Conversion queryset, every currency it holds."""
    return {row["currency"]: row["total"] for row in revenue_rows(conversions)}


def net_rewards(rewards) -> dict[str, int]:
    """{currency: amounts net of reversals} of a Reward queryset's monetary rewards, rejected
    ones left out."""
    return {row["currency"]: row["total"] for row in reward_rows(rewards)}


def clicks_count(program: Program, period: Period) -> int:
    participants = Participant.objects.filter(program=program).values("pk")
    return clicks_between(participants, period.start, period.end)


def revenue(program: Program, period: Period) -> list[dict]:
    conversions = Conversion.objects.filter(
        program=program, occurred_at__gte=period.start, occurred_at__lt=period.end
    )
    return _per_currency(net_revenue(conversions))


def rewards_total(program: Program, period: Period) -> list[dict]:
    rewards = Reward.objects.filter(
        program=program, created_at__gte=period.start, created_at__lt=period.end
    )
    return _per_currency(net_rewards(rewards))


def time_to_reward(program: Program, period: Period) -> dict:
    # Medians in Python over the raw durations, reading only the two columns each needs: fine
    # for now; at scale a daily rollup (or percentile_cont on PostgreSQL) replaces this.
    rewards = Reward.objects.filter(program=program)
    paid = rewards.filter(paid_at__gte=period.start, paid_at__lt=period.end)
    approved = rewards.filter(approved_at__gte=period.start, approved_at__lt=period.end)
    paid_rows = list(paid.values_list("referred_at", "converted_at", "paid_at"))
    referral_to_paid = _durations((referred, paid_at) for referred, _, paid_at in paid_rows)
    conversion_to_paid = _durations((converted, paid_at) for _, converted, paid_at in paid_rows)
    conversion_to_approval = _durations(approved.values_list("converted_at", "approved_at"))
    return {
        "time_to_reward_hours": median_hours(referral_to_paid),
        "time_to_reward_count": len(referral_to_paid),
        "time_to_reward_target_hours": TIME_TO_REWARD_TARGET_HOURS,
        "conversion_to_approval_hours": median_hours(conversion_to_approval),
        "conversion_to_approval_count": len(conversion_to_approval),
        "conversion_to_payment_hours": median_hours(conversion_to_paid),
        "conversion_to_payment_count": len(conversion_to_paid),
    }


def program_metrics(program: Program, period: Period) -> dict:
    """Every figure of the module docstring for `program` over `period`, as plain fields."""
    referrals = Referral.objects.filter(
        program=program, created_at__gte=period.start, created_at__lt=period.end
    )
    signups = referrals.count()
    converted = referrals.filter(first_sale_at__lt=period.end).count()
    referrers = referrals.values("participant_id").distinct()
    referring = referrers.count()
    enrolled = Participant.objects.filter(program=program)
    joined = enrolled.filter(created_at__gte=period.start, created_at__lt=period.end).count()
    total = enrolled.filter(Q(created_at__lt=period.end) | Q(pk__in=referrers)).count()
    conversions = Conversion.objects.filter(
        program=program,
        kind=ConversionKind.sale,
        occurred_at__gte=period.start,
        occurred_at__lt=period.end,
    ).count()
    return {
        "program": program.slug,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "clicks": clicks_count(program, period),
        "signups": signups,
        "conversions": conversions,
        "converted_signups": converted,
        "referring_participants": referring,
        "participants": joined,
        "participants_total": total,
        "conversion_rate": percent(converted, signups),
        "referral_rate": percent(referring, total),
        "revenue": revenue(program, period),
        "rewards": rewards_total(program, period),
        **time_to_reward(program, period),
    }
