"""What a referrer sees of their own activity (R5, R13, R40): read-only selectors for the
portal's activity, rules and leaderboard pages and the share page's summary strip.

Every function reads one participant's rows (or, for the leaderboard, one program's counts) in a
few grouped queries: never a query per referral or per reward.

- `channel_figures(participant)`: clicks, sign-ups, sales and revenue per share channel (R13).
  A click's channel is `Click.channel` (the `ch` of `/r/CODE?ch=whatsapp`); a referral's is its
  click's, "" when it came by code or through the link shared as it is; a sale follows its
  referral. Revenue is per currency: sales less refunds (as the program metrics count it).
- `referrals_page(participant, page)`: their referrals, newest first, 20 a page, each friend
  shown as first name and initial or a masked e-mail address (never in full).
- `reward_groups(participant)`: their rewards by status, each with when it is expected (the
  hold's end, the payout that will pay it, the day it was paid).
- `balances(participant)`: pending, approved and paid per currency, from the ledger.
- `payout_history(participant)`: their items in the program's payouts.
- `summary(participant)`: the three numbers of the share page's strip.
- `leaderboard(program, participant, since=)`: the top 10 and the person's own rank, one query.
- `rules_grouped(program, language)`: `programs.wording.rules_in_words`, sentence by sentence,
  sorted into what counts, what you earn, when it is paid, limits, and cancellations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Q, Sum, When, Window
from django.db.models.functions import Rank, RowNumber
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.core import clock
from tular.participants.channels import CHANNELS, channel_label
from tular.programs import wording
from tular.programs.rules import Recipient, Rule, Trigger
from tular.referrals.models import (
    PIPELINE_STATUSES,
    Conversion,
    ConversionKind,
    Referral,
    ReferralStatus,
)
from tular.rewards import ledger
from tular.rewards.models import Payout, PayoutItem, Reward, RewardStatus
from tular.rewards.selectors import reward_expected
from tular.tracking.models import Click

REFERRALS_PER_PAGE = 20
REWARDS_PER_STATUS = 10  # listed of each status; the group's header counts them all
PAYOUTS_SHOWN = 24
LEADERBOARD_TOP = 10

# The order the activity page shows the reward groups in.
REWARD_STATUS_ORDER = (
    RewardStatus.pending,
    RewardStatus.needs_review,
    RewardStatus.approved,
    RewardStatus.paid,
    RewardStatus.rejected,
    RewardStatus.reversed,
)
# Referrals that do not count on the leaderboard: under review for self-referral, or refused.
NOT_COUNTED = (ReferralStatus.flagged, ReferralStatus.rejected)
# The row of a referral that came without a tagged click.
DIRECT_CHANNEL_LABEL = gettext_lazy("Plain link or your code")


# ----------------------------------------------------------------------------- privacy


def first_name_and_initial(name: str) -> str:
    """ "Budi Santoso" → "Budi S."; "Budi" → "Budi"."""
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0].upper()}."


def masked_email(email: str) -> str:
    """ "budi.santoso@gmail.com" → "bu•••@gmail.com" (one letter kept of a short name)."""
    local, at, domain = email.partition("@")
    if not at or not local:
        return ""
    kept = local[:2] if len(local) > 3 else local[:1]
    return f"{kept}•••@{domain}"


def friend_label(*, name: str, email: str) -> str:
    """How a referrer sees the friend they referred: never the full name or address."""
    return first_name_and_initial(name) or masked_email(email) or _("A customer")


# ----------------------------------------------------------------------------- by channel


@dataclass
class ChannelRow:
    channel: str  # a key of participants.channels.CHANNELS, "" for the plain link or code
    label: str
    clicks: int = 0
    signups: int = 0
    sales: int = 0
    revenue: dict = field(default_factory=lambda: defaultdict(int))  # currency → minor units

    @property
    def revenue_list(self) -> list[tuple[str, int]]:
        return sorted(self.revenue.items())


@dataclass(frozen=True)
class ChannelFigures:
    rows: list[ChannelRow]  # channels with any activity, in the portal's channel order
    total: ChannelRow


def channel_figures(participant) -> ChannelFigures:
    """Clicks, sign-ups, sales and revenue per channel and in total (three grouped queries)."""
    rows: dict[str, ChannelRow] = {}

    def row(channel) -> ChannelRow:
        channel = channel or ""
        if channel not in rows:
            label = channel_label(channel) if channel else str(DIRECT_CHANNEL_LABEL)
            rows[channel] = ChannelRow(channel=channel, label=label)
        return rows[channel]

    clicks = (
        Click.objects.filter(participant=participant)
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in clicks:
        row(item["channel"]).clicks += item["n"]
    signups = (
        Referral.objects.filter(participant=participant)
        .values("click__channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in signups:
        row(item["click__channel"]).signups += item["n"]
    conversions = (
        Conversion.objects.filter(
            referral__participant=participant,
            kind__in=(ConversionKind.sale, ConversionKind.refund),
        )
        .values("referral__click__channel", "kind", "currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    for item in conversions:
        target = row(item["referral__click__channel"])
        amount = item["amount"] or 0
        if item["kind"] == ConversionKind.sale:
            target.sales += item["n"]
            target.revenue[item["currency"]] += amount
        else:
            target.revenue[item["currency"]] -= amount
    order = {channel: index for index, channel in enumerate(CHANNELS)}
    ordered = sorted(rows.values(), key=lambda r: order.get(r.channel, len(order)))
    total = ChannelRow(channel="*", label=_("Total"))
    for item in ordered:
        total.clicks += item.clicks
        total.signups += item.signups
        total.sales += item.sales
        for currency, amount in item.revenue.items():
            total.revenue[currency] += amount
    return ChannelFigures(rows=ordered, total=total)


# ----------------------------------------------------------------------------- referrals


@dataclass(frozen=True)
class ReferralRow:
    friend: str
    status: str  # a status_badge key
    status_label: str
    channel: str
    created_at: datetime
    first_sale_at: datetime | None


def _referral_status(row: dict) -> tuple[str, str]:
    """The referral as the referrer reads it: a badge key and its words."""
    if row["cancelled_at"]:
        return "reversed", _("cancelled")
    status = row["status"]
    if status == ReferralStatus.flagged:
        return "needs_review", _("being checked")
    if status == ReferralStatus.rejected:
        return "rejected", _("not counted")
    if status in PIPELINE_STATUSES:
        return status, ""  # the badge's own words (submitted, qualified, won…)
    if row["first_sale_at"]:
        return "paid", _("bought")
    return "active", _("signed up")


def referrals_page(participant, page_number=1):
    """A page (Django's Page) of ReferralRow, newest first: a count and a page query."""
    rows = (
        Referral.objects.filter(participant=participant)
        .order_by("-created_at", "-pk")
        .values(
            "name",
            "email",
            "status",
            "created_at",
            "first_sale_at",
            "cancelled_at",
            "click__channel",
        )
    )
    page = Paginator(rows, REFERRALS_PER_PAGE).get_page(page_number)
    page.object_list = [
        ReferralRow(
            friend=friend_label(name=row["name"], email=row["email"]),
            status=status,
            status_label=label,
            channel=channel_label(row["click__channel"]) if row["click__channel"] else "",
            created_at=row["created_at"],
            first_sale_at=row["first_sale_at"],
        )
        for row in page.object_list
        for status, label in [_referral_status(row)]
    ]
    return page


# ----------------------------------------------------------------------------- rewards


@dataclass(frozen=True)
class RewardRow:
    what: str  # what it was earned for, in words
    friend: str  # who it came from ("" for the person's own reward as a friend)
    amount: int | None  # net of what was taken back; None for a perk
    reversed_amount: int
    currency: str
    perk: str
    created_at: datetime
    # When it is expected, one of: hold (expected_at: the hold's end), hold_over (the hold
    # ended: confirmed at the next check), review, payout (in a draft or sent payout,
    # expected_at: its date), next_payout, perk (confirmed, nothing to pay), paid (expected_at:
    # the payout's date), rejected, reversed.
    expected: str
    expected_at: datetime | None


@dataclass(frozen=True)
class RewardGroup:
    status: str
    count: int
    totals: list[tuple[str, int]]  # (currency, net minor units), perks left out
    rewards: list[RewardRow]

    @property
    def more(self) -> int:
        return self.count - len(self.rewards)


WHAT = {
    (Recipient.referrer, Trigger.signup): gettext_lazy("Sign-up"),
    (Recipient.referrer, Trigger.sale): gettext_lazy("Purchase"),
    (Recipient.referrer, Trigger.qualified): gettext_lazy("Qualified lead"),
    (Recipient.referrer, Trigger.won): gettext_lazy("Deal won"),
    (Recipient.friend, Trigger.signup): gettext_lazy("Your welcome reward"),
    (Recipient.friend, Trigger.sale): gettext_lazy("Your purchase"),
    (Recipient.friend, Trigger.qualified): gettext_lazy("You were qualified"),
    (Recipient.friend, Trigger.won): gettext_lazy("Your deal was won"),
    # A contest's prize (rewards.services.reward_bonus, R40).
    (Recipient.referrer, "bonus"): gettext_lazy("Contest bonus"),
}


# When a reward is expected: one rule for the portal and the referrer's e-mails.
_expected = reward_expected


def reward_groups(participant) -> list[RewardGroup]:
    """The person's rewards by status (REWARD_STATUS_ORDER, empty groups left out): each group
    counts and sums all its rewards and lists REWARDS_PER_STATUS of them: the pending ones
    whose hold ends soonest, of the other statuses the newest. Two queries."""
    mine = Reward.objects.filter(participant=participant)
    counts: dict = defaultdict(int)
    totals: dict = defaultdict(lambda: defaultdict(int))
    for item in (
        mine.values("status", "currency")
        .annotate(n=Count("pk"), amount=Sum("amount"), reversed=Sum("reversed_amount"))
        .order_by()
    ):
        counts[item["status"]] += item["n"]
        if item["currency"] and item["amount"] is not None:
            totals[item["status"]][item["currency"]] += item["amount"] - (item["reversed"] or 0)
    # Pending ones soonest out of their hold first, the others newest first.
    soonest = Case(When(status=RewardStatus.pending, then=F("hold_until")))
    newest = (
        mine.annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("status")],
                order_by=[soonest.asc(nulls_last=True), F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(position__lte=REWARDS_PER_STATUS)
        .select_related("referral", "payout")
        .order_by("position")
    )
    now = clock.now()
    listed: dict = defaultdict(list)
    for reward in newest:
        expected, expected_at = _expected(reward, now)
        referral = reward.referral
        is_referrer = reward.recipient == Recipient.referrer
        listed[reward.status].append(
            RewardRow(
                what=str(WHAT.get((reward.recipient, reward.trigger), reward.trigger)),
                friend=(
                    friend_label(name=referral.name, email=referral.email) if is_referrer else ""
                ),
                amount=None if reward.amount is None else reward.amount - reward.reversed_amount,
                reversed_amount=reward.reversed_amount,
                currency=reward.currency,
                perk=reward.perk,
                created_at=reward.created_at,
                expected=expected,
                expected_at=expected_at,
            )
        )
    return [
        RewardGroup(
            status=str(status),
            count=counts[status],
            totals=sorted(totals[status].items()),
            rewards=listed[status],
        )
        for status in REWARD_STATUS_ORDER
        if counts[status]
    ]


# ----------------------------------------------------------------------------- money


def balances(participant) -> list[dict]:
    """[{"currency", "pending", "approved", "paid"}] from the ledger (one query)."""
    return ledger.balances(participant=participant)


@dataclass(frozen=True)
class PayoutRow:
    status: str  # the payout's: draft, sent, paid, failed
    at: datetime
    amount: int
    currency: str
    reversed_after_send: int


def payout_history(participant, limit: int = PAYOUTS_SHOWN) -> list[PayoutRow]:
    """The person's items in payouts, newest first (one query)."""
    items = (
        PayoutItem.objects.filter(participant=participant)
        .select_related("payout")
        .order_by("-payout__created_at", "-payout_id")[:limit]
    )
    rows = []
    for item in items:
        payout = item.payout
        at = {
            Payout.Status.paid: payout.paid_at,
            Payout.Status.sent: payout.sent_at,
            Payout.Status.failed: payout.failed_at,
        }.get(payout.status)
        rows.append(
            PayoutRow(
                status=payout.status,
                at=at or payout.created_at,
                amount=item.amount,
                currency=payout.currency,
                reversed_after_send=item.reversed_after_send,
            )
        )
    return rows


@dataclass(frozen=True)
class Summary:
    """The share page's strip (templates/portal/_summary.html)."""

    clicks: int
    signups: int
    # [(currency, pending + approved)]: earned and not paid yet; empty when nothing was earned
    earned: list[tuple[str, int]]


def summary(participant) -> Summary:
    """Clicks, sign-ups and the balance earned but not paid yet (three small queries)."""
    return Summary(
        clicks=Click.objects.filter(participant=participant).count(),
        signups=Referral.objects.filter(participant=participant).count(),
        earned=[
            (row["currency"], row["pending"] + row["approved"]) for row in balances(participant)
        ],
    )


# ----------------------------------------------------------------------------- leaderboard


@dataclass(frozen=True)
class Standing:
    rank: int
    referrals: int
    # As others see it: "" when the participant did not consent (the page says "A participant",
    # or "You" on the person's own row).
    name: str
    is_you: bool


@dataclass(frozen=True)
class Board:
    top: list[Standing]
    you: Standing | None  # None: no counted referral in the period
    you_in_top: bool


def month_start(moment: datetime | None = None) -> datetime:
    """The first instant of the current calendar month in the active time zone."""
    local = timezone.localtime(moment or clock.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def leaderboard(*, program, participant, since: datetime | None = None) -> Board:
    """The program's participants ranked by their counted referrals (all but those flagged or
    rejected) made since `since` (None: all time); ties share a rank. One query returns the top
    LEADERBOARD_TOP and the person's own row, however many participants there are. Names only
    of those who consented (Participant.leaderboard_consent), as first name and initial."""
    referrals = Referral.objects.filter(program=program).exclude(status__in=NOT_COUNTED)
    if since is not None:
        referrals = referrals.filter(created_at__gte=since)
    rows = (
        referrals.values(
            "participant_id",
            "participant__name",
            "participant__leaderboard_consent",
            "participant__created_at",
        )
        .annotate(
            n=Count("pk"),
            rank=Window(Rank(), order_by=Count("pk").desc()),
            # 1 on the person's own row (when they have one; else on some other row, which
            # the loop below skips): a window too, so that "the top or mine" filters the ranked
            # rows in one outer query (Django wraps a filter on windows in a subquery, and
            # cannot mix a window and a plain column in one OR).
            mine_first=Window(
                RowNumber(),
                order_by=[Count("pk", filter=Q(participant_id=participant.pk)).desc()],
            ),
        )
        .filter(Q(rank__lte=LEADERBOARD_TOP) | Q(mine_first=1))
        .order_by("rank", "participant__created_at", "participant_id")
    )
    top, you = [], None
    for row in rows:
        is_you = row["participant_id"] == participant.pk
        standing = Standing(
            rank=row["rank"],
            referrals=row["n"],
            name=(
                first_name_and_initial(row["participant__name"])
                if row["participant__leaderboard_consent"]
                else ""
            ),
            is_you=is_you,
        )
        if is_you:
            you = standing
        if len(top) < LEADERBOARD_TOP and (row["rank"] <= LEADERBOARD_TOP):
            top.append(standing)
    return Board(top=top, you=you, you_in_top=any(s.is_you for s in top))


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RulesGroups:
    counts: list[str] = field(default_factory=list)  # what counts as a referral
    you_earn: list[str] = field(default_factory=list)
    friend_gets: list[str] = field(default_factory=list)
    paid: list[str] = field(default_factory=list)  # hold, approval, payouts
    limits: list[str] = field(default_factory=list)  # caps
    cancel: list[str] = field(default_factory=list)  # refunds and cancellations
    incentives: dict = field(default_factory=dict)  # incentives_in_words: friend, referrer


def rules_grouped(*, program, language: str) -> RulesGroups:
    """`programs.wording.rules_in_groups` (every sentence of the rules once, by what it is
    about) and the portal's own lines about payouts and cancellations."""
    grouped = wording.rules_in_groups(program=program, language=language)
    groups = RulesGroups(
        incentives=wording.incentives_in_words(program=program, language=language), **grouped
    )
    with translation.override(language):
        rules = [Rule.model_validate(rule) for rule in program.rules]
        if any(rule.is_monetary for rule in rules):
            groups.paid.append(_("Approved cash rewards are paid in the program's next payout."))
            if not program.clawback_days:
                groups.cancel.append(_("A reward is not taken back when a customer cancels."))
    return groups
