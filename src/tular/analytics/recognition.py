"""Recognition (R40, R61): leaderboards per period, badges at milestones, contests whose
winners get a bonus reward through the reward engine and the ledger, and the champions segment.

What counts, everywhere here: a program's referrals except those flagged for review or rejected.
A referral counts in a period when it was made in it (`created_at`, UTC); of those, a *paying
customer* is one with a first sale and a *won* lead one won in the pipeline, both by the end of
the period. Ranks are by the chosen measure, ties broken by who reached their figure first (the
time of the last referral, first sale or win that counted), then by who joined first.

- `leaderboard(program=, period=, limit=, viewer=)`: the top `limit` and the viewer's own row in
  one grouped query over Referral (index program, created_at, participant). Names only of those
  who consented (Participant.leaderboard_consent), as first name and initial; the others are
  "Referrer #n".
- `BADGES`, `badges_award(program=)`: milestones, awarded once each (BadgeAward is unique per
  participant and badge), by the worker every few minutes (analytics.jobs).
- `contest_create`, `contest_standings`, `contest_settle` (once: a second call grants nothing),
  `contest_cancel`.
- `champions(workspace=, program=)`: everyone who has referred (R61), a participant queryset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, DateTimeField, Exists, Max, Min, OuterRef, Q, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.analytics.models import BadgeAward, Contest, ContestWinner
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Referral, ReferralStatus
from tular.rewards.models import Reward
from tular.rewards.services import BONUS_RULE_INDEX, reward_bonus
from tular.workspaces.audit import Actor, audit_record

# Referrals that do not count: under review for self-referral, or refused.
NOT_COUNTED = (ReferralStatus.flagged, ReferralStatus.rejected)
PERIODS = ("month", "quarter", "year", "all")
MEASURES = ("referrals", "customers", "won")
MAX_WINNERS = 20
LEADERBOARD_LIMIT = 10


# ----------------------------------------------------------------------------- periods


def period_bounds(period: str, *, today: date | None = None) -> tuple[datetime | None, datetime]:
    """[start, end) of the calendar month, quarter or year containing `today` (UTC), or
    (None, now) for all time. `end` is the period's end, not now: a month's board counts the
    whole month."""
    if period not in PERIODS:
        raise Invalid(["period"], f"period must be one of {', '.join(PERIODS)}")
    now = clock.now()
    day = today or now.astimezone(UTC).date()
    if period == "all":
        return None, now + timedelta(microseconds=1)
    if period == "month":
        start = date(day.year, day.month, 1)
        end = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    elif period == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first, 1)
        end = date(day.year + (first + 3 > 12), (first + 2) % 12 + 1, 1)
    else:
        start, end = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    return _midnight(start), _midnight(end)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# ----------------------------------------------------------------------------- standings


def public_name(name: str) -> str:
    """ "Budi Santoso" → "Budi S."; what others see of a consenting participant."""
    parts = name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][0].upper()}."


@dataclass(frozen=True)
class Standing:
    rank: int
    participant_id: object
    name: str  # the participant's name (for managers)
    shown_name: str  # what others see: first name and initial, "" without consent
    consent: bool
    referrals: int
    customers: int
    won: int
    value: int  # of the board's measure
    reached_at: datetime | None
    is_viewer: bool = False

    @property
    def label(self) -> str:
        """The public label: the shown name, or "Referrer #n"."""
        return self.shown_name or _("Referrer #%(rank)s") % {"rank": self.rank}


@dataclass(frozen=True)
class Board:
    period: str
    measure: str
    start: datetime | None
    end: datetime
    rows: list[Standing]
    viewer: Standing | None  # the viewer's own row, wherever it ranks; None: not on the board

    @property
    def viewer_in_rows(self) -> bool:
        return any(row.is_viewer for row in self.rows)


def _ranked(*, program, start, end, measure: str, viewer_id=None):
    """Every participant with a counted referral made in [start, end), with their three figures
    and the rank by `measure`: one grouped query (a window ranks the groups)."""
    if measure not in MEASURES:
        raise Invalid(["measure"], f"measure must be one of {', '.join(MEASURES)}")
    referrals = Referral.objects.filter(program=program, created_at__lt=end).exclude(
        status__in=NOT_COUNTED
    )
    if start is not None:
        referrals = referrals.filter(created_at__gte=start)
    customer = Q(first_sale_at__isnull=False, first_sale_at__lt=end)
    won_at = Coalesce("status_changed_at", "created_at", output_field=DateTimeField())
    won = Q(status=ReferralStatus.won) & (
        Q(status_changed_at__isnull=True) | Q(status_changed_at__lt=end)
    )
    value = {
        "referrals": Count("pk"),
        "customers": Count("pk", filter=customer),
        "won": Count("pk", filter=won),
    }[measure]
    reached = {
        "referrals": Max("created_at"),
        "customers": Max("first_sale_at", filter=customer),
        "won": Max(won_at, filter=won),
    }[measure]
    rows = referrals.values(
        "participant_id",
        "participant__name",
        "participant__leaderboard_consent",
        "participant__created_at",
    ).annotate(
        referrals=Count("pk"),
        customers=Count("pk", filter=customer),
        won=Count("pk", filter=won),
        reached_at=reached,
        rank=Window(
            RowNumber(),
            order_by=[
                value.desc(),
                reached.asc(),
                # Aggregates only: a plain column would put the window in the GROUP BY.
                Min("participant__created_at").asc(),
            ],
        ),
        # 1 on the viewer's own row (when they have one; else on some row the caller skips):
        # a window too, so "the top or mine" filters the ranked rows in one outer query.
        mine_first=Window(
            RowNumber(), order_by=[Count("pk", filter=Q(participant_id=viewer_id)).desc()]
        ),
    )
    return rows


def _standing(row, *, measure: str, viewer_id) -> Standing:
    consent = row["participant__leaderboard_consent"]
    return Standing(
        rank=row["rank"],
        participant_id=row["participant_id"],
        name=row["participant__name"],
        shown_name=public_name(row["participant__name"]) if consent else "",
        consent=consent,
        referrals=row["referrals"],
        customers=row["customers"],
        won=row["won"],
        value=row[measure],
        reached_at=row["reached_at"],
        is_viewer=viewer_id is not None and row["participant_id"] == viewer_id,
    )


def standings(
    *, program, start, end, measure: str = "referrals", limit: int | None = None, viewer=None
) -> tuple[list[Standing], Standing | None]:
    """The ranked participants with a value above zero ([:limit] of them) and the viewer's row."""
    viewer_id = getattr(viewer, "pk", viewer)
    rows = _ranked(program=program, start=start, end=end, measure=measure, viewer_id=viewer_id)
    if limit is not None:
        wanted = Q(rank__lte=limit)
        if viewer_id is not None:
            wanted |= Q(mine_first=1)
        rows = rows.filter(wanted)
    top, mine = [], None
    for row in rows.order_by("rank"):
        standing = _standing(row, measure=measure, viewer_id=viewer_id)
        if standing.is_viewer:
            mine = standing if standing.value > 0 else None
        if (limit is None or standing.rank <= limit) and standing.value > 0:
            top.append(standing)
    return top, mine


def leaderboard(
    *,
    program,
    period: str = "month",
    limit: int = LEADERBOARD_LIMIT,
    viewer=None,
    measure: str = "referrals",
    today: date | None = None,
) -> Board:
    """The program's board for the period containing `today` (month, quarter, year, all)."""
    start, end = period_bounds(period, today=today)
    rows, mine = standings(
        program=program, start=start, end=end, measure=measure, limit=limit, viewer=viewer
    )
    return Board(period=period, measure=measure, start=start, end=end, rows=rows, viewer=mine)


# ----------------------------------------------------------------------------- badges


@dataclass(frozen=True)
class Badge:
    id: str
    measure: str  # referrals, customers, won: all time, counted
    threshold: int
    name: str
    icon: str


BADGES = (
    Badge("first_referral", "referrals", 1, gettext_lazy("First referral"), "flag"),
    Badge("referrals_5", "referrals", 5, gettext_lazy("5 referrals"), "share"),
    Badge("referrals_10", "referrals", 10, gettext_lazy("10 referrals"), "users-group"),
    Badge("referrals_25", "referrals", 25, gettext_lazy("25 referrals"), "chart-line"),
    Badge("referrals_50", "referrals", 50, gettext_lazy("50 referrals"), "trophy"),
    Badge("referrals_100", "referrals", 100, gettext_lazy("100 referrals"), "trophy"),
    Badge("first_customer", "customers", 1, gettext_lazy("First paying customer"), "coin"),
    Badge("customers_10", "customers", 10, gettext_lazy("10 paying customers"), "cash"),
    Badge("first_won", "won", 1, gettext_lazy("First won deal"), "heart-handshake"),
    Badge("won_10", "won", 10, gettext_lazy("10 won deals"), "circle-check"),
)
BADGES_BY_ID = {badge.id: badge for badge in BADGES}
BADGE_CHUNK = 500


def _all_time_counts(program):
    counted = Referral.objects.filter(program=program).exclude(status__in=NOT_COUNTED)
    return counted.values("participant_id").annotate(
        referrals=Count("pk"),
        customers=Count("pk", filter=Q(first_sale_at__isnull=False)),
        won=Count("pk", filter=Q(status=ReferralStatus.won)),
    )


def badges_award(*, program=None) -> int:
    """Award every milestone reached and not yet awarded (in one program, or all); returns how
    many were awarded. Safe to run twice or in two workers at once: BadgeAward is unique per
    participant and badge, and the insert ignores one that exists."""
    programs = [program] if program is not None else Program.objects.all()
    awarded = 0
    lowest = min(badge.threshold for badge in BADGES)
    for each in programs:
        reached = []
        for row in _all_time_counts(each).filter(referrals__gte=lowest):
            reached += [
                (row["participant_id"], badge.id)
                for badge in BADGES
                if row[badge.measure] >= badge.threshold
            ]
        if not reached:
            continue
        have = set(
            BadgeAward.objects.filter(participant__program=each).values_list(
                "participant_id", "badge"
            )
        )
        new = [pair for pair in reached if pair not in have]
        now = clock.now()
        # In chunks, each its own short transaction: the first run over a large program awards
        # many badges, and on SQLite one long write would hold every other writer (the
        # worker's task loop waits 5 s at most).
        for first in range(0, len(new), BADGE_CHUNK):
            BadgeAward.objects.bulk_create(
                [
                    BadgeAward(
                        participant_id=pid,
                        workspace_id=each.workspace_id,
                        badge=badge,
                        awarded_at=now,
                    )
                    for pid, badge in new[first : first + BADGE_CHUNK]
                ],
                ignore_conflicts=True,
            )
        awarded += len(new)
    return awarded


@dataclass(frozen=True)
class EarnedBadge:
    badge: Badge
    awarded_at: datetime


def participant_badges(*, participant) -> list[EarnedBadge]:
    """The participant's badges in the order of BADGES (unknown ids are skipped)."""
    awarded = dict(
        BadgeAward.objects.filter(participant=participant).values_list("badge", "awarded_at")
    )
    return [EarnedBadge(badge, awarded[badge.id]) for badge in BADGES if badge.id in awarded]


def badge_counts(*, workspace, program=None) -> list[tuple[Badge, int]]:
    """How many participants hold each badge (every badge listed, zero included)."""
    awards = BadgeAward.objects.filter(workspace=workspace)
    if program is not None:
        awards = awards.filter(participant__program=program)
    counts = dict(awards.values_list("badge").annotate(n=Count("pk")))
    return [(badge, counts.get(badge.id, 0)) for badge in BADGES]


# ----------------------------------------------------------------------------- contests


def contest_bounds(contest) -> tuple[datetime, datetime]:
    """[first day 00:00 UTC, the day after the last 00:00 UTC)."""
    return _midnight(contest.starts_on), _midnight(contest.ends_on + timedelta(days=1))


def _clean_contest(
    *, program, name, starts_on, ends_on, measure, winners, bonus_amount, bonus_currency, bonus_perk
) -> dict:
    name = (name or "").strip()
    bonus_perk = (bonus_perk or "").strip()
    bonus_currency = (bonus_currency or "").strip().upper()
    if not name:
        raise Invalid(["name"], _("Give the contest a name."))
    if len(name) > 200:
        raise Invalid(["name"], _("At most 200 characters."))
    if starts_on is None:
        raise Invalid(["starts_on"], _("Enter the first day."))
    if ends_on is None:
        raise Invalid(["ends_on"], _("Enter the last day."))
    if ends_on < starts_on:
        raise Invalid(["ends_on"], _("The last day cannot be before the first."))
    if measure not in Contest.Measure.values:
        raise Invalid(["measure"], _("Choose what the contest counts."))
    if not isinstance(winners, int) or not 1 <= winners <= MAX_WINNERS:
        raise Invalid(["winners"], _("Between 1 and %(max)s winners.") % {"max": MAX_WINNERS})
    if bonus_amount is not None and bonus_perk:
        raise Invalid(["bonus_perk"], _("Give either a money bonus or a perk, not both."))
    if bonus_amount is None and not bonus_perk:
        raise Invalid(["bonus_amount"], _("Give the winners a money bonus or a perk."))
    if bonus_amount is not None:
        if bonus_amount <= 0:
            raise Invalid(["bonus_amount"], _("The bonus must be more than zero."))
        if bonus_currency and bonus_currency != program.currency:
            raise Invalid(
                ["bonus_currency"],
                _("The bonus is paid in the program's currency, %(currency)s.")
                % {"currency": program.currency},
            )
        bonus_currency = program.currency
    else:
        bonus_currency = ""
        if len(bonus_perk) > 200:
            raise Invalid(["bonus_perk"], _("At most 200 characters."))
    return {
        "name": name,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "measure": measure,
        "winners": winners,
        "bonus_amount": bonus_amount,
        "bonus_currency": bonus_currency,
        "bonus_perk": bonus_perk,
    }


def _snapshot(contest) -> dict:
    return {
        "name": contest.name,
        "program": contest.program_id,
        "starts_on": contest.starts_on,
        "ends_on": contest.ends_on,
        "measure": contest.measure,
        "winners": contest.winners,
        "bonus_amount": contest.bonus_amount,
        "bonus_currency": contest.bonus_currency or None,
        "bonus_perk": contest.bonus_perk or None,
        "status": contest.status,
    }


@transaction.atomic
def contest_create(
    *,
    workspace,
    program,
    name: str,
    starts_on: date,
    ends_on: date,
    measure: str = "referrals",
    winners: int = 3,
    bonus_amount: int | None = None,
    bonus_currency: str = "",
    bonus_perk: str = "",
    actor: Actor | None = None,
) -> Contest:
    """A contest in one of the workspace's programs. Invalid (naming the field) on bad input."""
    if program is None or program.workspace_id != workspace.pk:
        raise Invalid(["program"], _("Choose one of this workspace's programs."))
    fields = _clean_contest(
        program=program,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        measure=measure,
        winners=winners,
        bonus_amount=bonus_amount,
        bonus_currency=bonus_currency,
        bonus_perk=bonus_perk,
    )
    contest = Contest.objects.create(
        workspace=workspace,
        program=program,
        created_by=(actor.label if actor else "")[:200],
        **fields,
    )
    audit_record(
        workspace=workspace,
        actor=actor,
        action="contest.create",
        target=contest,
        after=_snapshot(contest),
    )
    return contest


def contests(*, workspace, program=None, status: str | None = None):
    found = Contest.objects.filter(workspace=workspace).select_related("program")
    if program is not None:
        found = found.filter(program=program)
    if status:
        found = found.filter(status=status)
    return found.order_by("-starts_on", "-created_at")


def contest_standings(*, contest, limit: int | None = 50, viewer=None):
    """(rows, the viewer's row) of the contest, whatever its status: who leads now (open) or
    led at its end."""
    start, end = contest_bounds(contest)
    return standings(
        program=contest.program,
        start=start,
        end=end,
        measure=contest.measure,
        limit=limit,
        viewer=viewer,
    )


def contest_has_ended(contest, *, today: date | None = None) -> bool:
    return (today or clock.now().astimezone(UTC).date()) > contest.ends_on


def _bonus_referral(*, contest, participant_id):
    """The referral a winner's bonus is attached to (Reward.referral is required): their latest
    counted referral in the contest's period that carries no bonus yet, else their latest one
    in the program without a bonus."""
    start, end = contest_bounds(contest)
    with_bonus = Reward.objects.filter(
        referral=OuterRef("pk"), rule_index=BONUS_RULE_INDEX, participant_id=participant_id
    )
    theirs = (
        Referral.objects.filter(program=contest.program, participant_id=participant_id)
        .exclude(Exists(with_bonus))
        .order_by("-created_at", "-pk")
    )
    in_period = (
        theirs.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status__in=NOT_COUNTED)
        .first()
    )
    return in_period or theirs.first()


def contest_settle(*, contest, actor: Actor | None = None, today: date | None = None) -> Contest:
    """After its last day: rank the top `winners` (ties broken by who got there first), record
    them and grant each a bonus reward (reward_bonus: the reward engine's Reward and the
    ledger). Only once: settling a settled contest returns it and grants nothing."""
    with transaction.atomic():
        contest = (
            Contest.objects.select_for_update()
            .select_related("program", "workspace")
            .get(pk=contest.pk)
        )
        if contest.status == Contest.Status.settled:
            return contest
        if contest.status == Contest.Status.cancelled:
            raise Conflict(_("A cancelled contest cannot be settled."))
        if not contest_has_ended(contest, today=today):
            raise Conflict(_("The contest has not ended yet: settle it after its last day."))
        rows, _mine = contest_standings(contest=contest, limit=contest.winners)
        program = contest.program
        for standing in rows[: contest.winners]:
            participant = Participant.objects.get(pk=standing.participant_id)
            referral = _bonus_referral(contest=contest, participant_id=participant.pk)
            reward = None
            if referral is not None:
                reward = reward_bonus(
                    program=program,
                    participant=participant,
                    referral=referral,
                    amount=contest.bonus_amount,
                    currency=contest.bonus_currency,
                    perk=contest.bonus_perk,
                    reason=f"{contest.name} #{standing.rank}",
                    actor=actor,
                )
            ContestWinner.objects.create(
                contest=contest,
                participant=participant,
                rank=standing.rank,
                value=standing.value,
                reward=reward,
            )
        before = _snapshot(contest)
        contest.status = Contest.Status.settled
        contest.settled_at = clock.now()
        contest.save(update_fields=["status", "settled_at"])
        audit_record(
            workspace=contest.workspace_id,
            actor=actor,
            action="contest.settle",
            target=contest,
            before=before,
            after={**_snapshot(contest), "winners": len(rows[: contest.winners])},
        )
    return contest


@transaction.atomic
def contest_cancel(*, contest, actor: Actor | None = None) -> Contest:
    """An open contest is called off (nothing is granted); a settled one cannot be."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status == Contest.Status.cancelled:
        return contest
    if contest.status == Contest.Status.settled:
        raise Conflict(_("A settled contest cannot be cancelled: its bonuses were granted."))
    before = _snapshot(contest)
    contest.status = Contest.Status.cancelled
    contest.save(update_fields=["status"])
    audit_record(
        workspace=contest.workspace_id,
        actor=actor,
        action="contest.cancel",
        target=contest,
        before=before,
        after=_snapshot(contest),
    )
    return contest


def open_contests(*, program, today: date | None = None):
    """The program's open contests that have begun (an ended one stays until it is settled)."""
    day = today or clock.now().astimezone(UTC).date()
    return Contest.objects.filter(
        program=program, status=Contest.Status.open, starts_on__lte=day
    ).order_by("ends_on", "created_at")


# ----------------------------------------------------------------------------- champions


def champions(*, workspace, program=None):
    """Everyone who has referred (R61): participants with at least one counted referral. A
    queryset, so the console's list and the exports filter and page it like any other."""
    found = champions_only(Participant.objects.filter(workspace=workspace))
    if program is not None:
        found = found.filter(program=program)
    return found


def champions_only(participants):
    """Of a participant queryset, the champions (the console's "Champions" filter)."""
    counted = Referral.objects.filter(participant=OuterRef("pk")).exclude(status__in=NOT_COUNTED)
    return participants.filter(Exists(counted))


def champion_rows(*, workspace, program=None):
    """The champions with their all-time figures, most referrals first (for the list and the
    exports): dicts of participant fields and referrals, customers, won, last_referred_at."""
    counted = Referral.objects.filter(workspace=workspace).exclude(status__in=NOT_COUNTED)
    if program is not None:
        counted = counted.filter(program=program)
    return (
        counted.values(
            "participant_id",
            "participant__name",
            "participant__email",
            "participant__program__name",
            "participant__leaderboard_consent",
        )
        .annotate(
            referrals=Count("pk"),
            customers=Count("pk", filter=Q(first_sale_at__isnull=False)),
            won=Count("pk", filter=Q(status=ReferralStatus.won)),
            last_referred_at=Max("created_at"),
        )
        .order_by("-referrals", "participant__name", "participant_id")
    )
