"""Reward-rule backtest (issue 11 item 7): what a draft rule set WOULD have paid over a past
period's real history, beside what the program's rules actually earned for the same occurrences.

The draft rules are validated exactly as a program's rules are when saved
(`programs.services.program_validate` over the program's settings with the draft rules in), so a
bad rule set gives the same 422 errors. The pure engine (`rewards.engine.evaluate`) then runs on
the period's real occurrences, replayed in time order, with the facts the live path gathers
(`referrals.services.sale_occurrence`, `rewards.services.earned_in_cap_windows`) kept as running
totals by the backtest itself:

- occurrences (earning events) whose time is in the period, [first day 00:00 UTC, the day after
  the last day 00:00 UTC):

  - sign-up: a tracked referral created by a sign-up event (no pipeline intake, with an e-mail;
    a referral first seen at checkout earns no sign-up reward live, so none here either);
  - qualified and won: the referral's first move to that status (ReferralChange); a later move
    to it again earns only if the first earned nothing (as `pipeline._grant` does);
  - sale: every sale Conversion; it earns unless the customer had cancelled before it. The
    customer's first sale (for `duration_months`) is the referral's `first_sale_at` when it lies
    before the sale; tiers count the referrer's distinct paying customers, this one included,
    seeded with those whose first sale came before the period;

- reversals of those occurrences' rewards, whenever they happened (up to now): a refund reverses
  each monetary reward of its sale to round_half_even(amount * refunded so far / sale amount),
  cumulative (`rewards.reversals.reverse_for_refund`); a cancellation reverses in full what is
  left of the referral's rewards earned on or after (cancellation - clawback_days)
  (`reverse_for_cancel`). A reversal lowers the cap window its reward counted in, so a later
  reward of the same window sees it, as live.

"Paid" is what the program's rules earned for the same occurrences: Reward rows whose
`converted_at` (the occurrence's time) is in the period, net of `reversed_amount` as it stands
now, rejected rewards left out; pending and in-review rewards count (they are earned).

What the backtest leaves out (it says so in its result's `assumptions`):

- a manager's decisions: it assumes every reward would stand (none rejected) and that flagged
  referrals stay as they are now (a flagged or rejected referral earns nothing, a cleared one
  earns as if it had never been flagged);
- cap windows start empty at the period's first day: a lifetime cap, or a month/quarter/year
  window that began before the period, counts only what the draft rules would have earned in the
  period;
- the program's pause history: it assumes the program granted rewards throughout;
- the won trigger's deal value is the referral's deal value now (a fixed reward ignores it).

Money is per currency and never added across currencies; perks are counted, not valued.
"""

import heapq
import time as timer
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from tular.analytics.metrics import Period
from tular.analytics.models import SavedBacktest
from tular.core import clock
from tular.core.errors import Invalid
from tular.core.money import share_half_even
from tular.participants.models import Participant
from tular.programs.rules import Recipient, Rule, Trigger
from tular.programs.services import program_settings, program_validate
from tular.referrals.models import (
    Conversion,
    ConversionKind,
    Referral,
    ReferralChange,
)
from tular.rewards.engine import Occurrence, cap_period_bounds, evaluate
from tular.rewards.models import Reward, RewardStatus

MAX_DAYS = 366
ITERATOR_CHUNK = 2000
NO_EARNING = ("flagged", "rejected")

ASSUMPTIONS = (
    "every reward would stand: none rejected by a manager",
    "flagged and rejected referrals earn nothing; cleared ones earn as if never flagged",
    "cap windows start empty on the period's first day",
    "the program granted rewards throughout the period (no pause)",
    "refunds and cancellations up to now reverse the period's rewards",
)

# Order of events that happen at the same instant.
_ORDER = {"signup": 0, "qualified": 1, "won": 2, "sale": 3, "refund": 4, "cancel": 5}


def validate_rules(*, program, rules) -> list[Rule]:
    """The draft rules, validated as the program's own would be when saved (422 otherwise)."""
    if not isinstance(rules, list):
        raise Invalid(["rules"], "give the rules as a list")
    settings = program_validate({**program_settings(program), "rules": rules})
    return list(settings.rules)


def check_period(*, first: date | None, last: date | None) -> Period:
    if first is None:
        raise Invalid(["from"], "give the period's first day")
    if last is None:
        raise Invalid(["to"], "give the period's last day")
    if last < first:
        raise Invalid(["to"], "the last day comes before the first")
    period = Period(first=first, last=last)
    if period.days > MAX_DAYS:
        raise Invalid(["to"], f"a backtest covers at most {MAX_DAYS} days")
    if first > clock.now().date():
        raise Invalid(["from"], "the period has not begun yet: there is no history to replay")
    return period


class _Books:
    """The backtest's running totals: cap windows, paying customers, rewards to reverse."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.capped = [(index, rule.cap.period) for index, rule in enumerate(rules) if rule.cap]
        self.windows: dict = defaultdict(int)  # (participant, rule, window start) → net earned
        self.money: dict = defaultdict(lambda: defaultdict(int))  # participant → currency → net
        self.perks: dict = defaultdict(int)  # participant → perks
        self.needs_review = 0
        self.rewards_count = 0
        # Rewards kept for a later reversal (only of sales refunded / referrals cancelled):
        # [participant, rule, window start, currency, amount, reversed, at]
        self.by_sale: dict = defaultdict(list)
        self.by_referral: dict = defaultdict(list)
        self.granted: set = set()  # (referral, trigger) that earned, for qualified / won
        self.paying = {(rule.trigger, rule.recipient) for rule in rules}  # who can earn on what

    def earned(self, participant_id, windows: dict) -> dict[int, int]:
        return {index: self.windows[(participant_id, index, windows[index])] for index in windows}

    def grant(
        self, *, occurrence, referrer_id, friend_id, referral_id, sale_id, keep_sale, keep_referral
    ) -> int:
        granted = 0
        # The cap window of each capped rule at this moment (the same for both recipients).
        windows = {
            index: cap_period_bounds(period, occurrence.occurred_at)[0]
            for index, period in self.capped
        }
        for recipient, participant_id in (
            (Recipient.referrer, referrer_id),
            (Recipient.friend, friend_id),
        ):
            if participant_id is None or (occurrence.trigger, recipient) not in self.paying:
                continue
            drafts = evaluate(
                rules=self.rules,
                occurrence=occurrence,
                earned_in_cap_period=self.earned(participant_id, windows),
            )
            for draft in drafts:
                if draft.recipient != recipient:
                    continue
                granted += 1
                self.rewards_count += 1
                if draft.needs_review_reason:
                    self.needs_review += 1
                if draft.amount is None:
                    self.perks[participant_id] += 1
                    continue
                rule = self.rules[draft.rule_index]
                window = windows.get(draft.rule_index)
                if rule.cap:
                    # As live: a cap sums the rule's amounts whatever their currency.
                    self.windows[(participant_id, draft.rule_index, window)] += draft.amount
                self.money[participant_id][draft.currency] += draft.amount
                kept = [
                    participant_id,
                    draft.rule_index if rule.cap else None,
                    window,
                    draft.currency,
                    draft.amount,
                    0,
                    occurrence.occurred_at,
                ]
                if keep_sale:
                    self.by_sale[sale_id].append(kept)
                if keep_referral:
                    self.by_referral[referral_id].append(kept)
        return granted

    def reverse(self, kept: list, amount: int) -> None:
        participant_id, rule_index, window, currency, total, reversed_, _at = kept
        amount = min(amount, total - reversed_)
        if amount <= 0:
            return
        kept[5] += amount
        self.money[participant_id][currency] -= amount
        if rule_index is not None:
            self.windows[(participant_id, rule_index, window)] -= amount


def _merge(*streams: Iterator[tuple]) -> Iterator[tuple]:
    """The streams (each in time order, items (at, kind, …)) as one, in time order."""
    return heapq.merge(*streams, key=lambda item: (item[0], _ORDER[item[1]]))


def _signups(program, period) -> Iterator[tuple]:
    rows = (
        Referral.objects.filter(
            program=program,
            created_at__gte=period.start,
            created_at__lt=period.end,
            intake="",
        )
        .exclude(email="")
        .order_by("created_at", "pk")
        .values_list("created_at", "pk", "participant_id", "friend_id", "status")
    )
    for at, pk, referrer, friend, status in rows.iterator(chunk_size=ITERATOR_CHUNK):
        yield (at, "signup", pk, referrer, friend, status)


def _moves(program, period) -> Iterator[tuple]:
    rows = (
        ReferralChange.objects.filter(
            referral__program=program,
            to_status__in=(Trigger.qualified, Trigger.won),
            at__gte=period.start,
            at__lt=period.end,
        )
        .order_by("at", "pk")
        .values_list(
            "at",
            "to_status",
            "referral_id",
            "referral__participant_id",
            "referral__friend_id",
            "referral__status",
            "referral__deal_value",
            "referral__deal_currency",
        )
    )
    for at, to_status, *rest in rows.iterator(chunk_size=ITERATOR_CHUNK):
        yield (at, str(to_status), *rest)


def _sales(program, period) -> Iterator[tuple]:
    rows = (
        Conversion.objects.filter(
            program=program,
            kind=ConversionKind.sale,
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
        )
        .order_by("occurred_at", "pk")
        .values_list(
            "occurred_at",
            "pk",
            "referral_id",
            "referral__participant_id",
            "referral__friend_id",
            "referral__status",
            "referral__first_sale_at",
            "referral__cancelled_at",
            "amount",
            "currency",
        )
    )
    for at, *rest in rows.iterator(chunk_size=ITERATOR_CHUNK):
        yield (at, "sale", *rest)


def _refunds(program, period) -> Iterator[tuple]:
    rows = (
        Conversion.objects.filter(
            program=program,
            kind=ConversionKind.refund,
            sale__occurred_at__gte=period.start,
            sale__occurred_at__lt=period.end,
        )
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", "sale_id", "sale__amount", "amount")
    )
    for at, *rest in rows.iterator(chunk_size=ITERATOR_CHUNK):
        yield (at, "refund", *rest)


def _cancels(program, period) -> Iterator[tuple]:
    rows = (
        Conversion.objects.filter(
            program=program, kind=ConversionKind.cancel, occurred_at__gte=period.start
        )
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", "referral_id")
    )
    for at, referral_id in rows.iterator(chunk_size=ITERATOR_CHUNK):
        yield (at, "cancel", referral_id)


def _actual(program, period) -> tuple[dict, dict]:
    """What the program's rules earned for the period's occurrences: participant → currency →
    net amount, and participant → perks."""
    money: dict = defaultdict(lambda: defaultdict(int))
    perks: dict = defaultdict(int)
    rows = (
        Reward.objects.filter(
            program=program, converted_at__gte=period.start, converted_at__lt=period.end
        )
        .exclude(status=RewardStatus.rejected)
        .values("participant_id", "currency")
        .annotate(
            earned=Sum("amount"),
            taken_back=Sum("reversed_amount"),
            perk_count=Count("pk", filter=Q(amount__isnull=True)),
        )
    )
    for row in rows:
        if row["earned"] is not None:
            money[row["participant_id"]][row["currency"]] += row["earned"] - row["taken_back"]
        if row["perk_count"]:
            perks[row["participant_id"]] += row["perk_count"]
    return money, perks


def backtest(*, program, rules, first: date | None, last: date | None) -> dict:
    """What `rules` (a draft, as JSON) would have paid over [first, last] (UTC days, both
    included) beside what was earned; a JSON-ready dict (see the module's docstring).
    422 (`Invalid`) for bad rules or a bad period; nothing is written."""
    rule_list = validate_rules(program=program, rules=rules)
    period = check_period(first=first, last=last)
    started = timer.perf_counter()
    books = _Books(rule_list)
    counts = dict.fromkeys(_ORDER, 0)

    refunded_sales = set(
        Conversion.objects.filter(
            program=program,
            kind=ConversionKind.refund,
            sale__occurred_at__gte=period.start,
            sale__occurred_at__lt=period.end,
        ).values_list("sale_id", flat=True)
    )
    cancelled = set(
        Conversion.objects.filter(
            program=program, kind=ConversionKind.cancel, occurred_at__gte=period.start
        ).values_list("referral_id", flat=True)
    )
    paying: dict = defaultdict(int)  # referrer → distinct paying customers so far
    for referrer, number in (
        Referral.objects.filter(program=program, first_sale_at__lt=period.start)
        .values_list("participant_id")
        .annotate(number=Count("pk"))
        .values_list("participant_id", "number")
    ):
        paying[referrer] = number
    counted: set = set()  # referrals whose first sale (in the period) is counted
    refunded_so_far: dict = defaultdict(int)
    currency = program.currency
    monetary = program.monetary_rewards_allowed

    events = _merge(
        _signups(program, period),
        _moves(program, period),
        _sales(program, period),
        _refunds(program, period),
        _cancels(program, period),
    )
    for event in events:
        at, kind = event[0], event[1]
        counts[kind] += 1
        if kind == "signup":
            _at, _kind, referral_id, referrer, friend, status = event
            if status in NO_EARNING:
                continue
            books.grant(
                occurrence=Occurrence(
                    trigger=Trigger.signup,
                    occurred_at=at,
                    currency=currency,
                    program_currency=currency,
                    monetary_rewards_allowed=monetary,
                ),
                referrer_id=referrer,
                friend_id=friend,
                referral_id=referral_id,
                sale_id=None,
                keep_sale=False,
                keep_referral=referral_id in cancelled,
            )
        elif kind in ("qualified", "won"):
            _at, _kind, referral_id, referrer, friend, status, deal, deal_currency = event
            if status in NO_EARNING or (referral_id, kind) in books.granted:
                continue
            won_value = kind == "won" and deal
            number = books.grant(
                occurrence=Occurrence(
                    trigger=Trigger(kind),
                    occurred_at=at,
                    currency=(deal_currency or currency) if won_value else currency,
                    program_currency=currency,
                    sale_amount=deal if won_value else None,
                    monetary_rewards_allowed=monetary,
                ),
                referrer_id=referrer,
                friend_id=friend,
                referral_id=referral_id,
                sale_id=None,
                keep_sale=False,
                keep_referral=referral_id in cancelled,
            )
            if number:
                books.granted.add((referral_id, kind))
        elif kind == "sale":
            (
                _at,
                _kind,
                sale_id,
                referral_id,
                referrer,
                friend,
                status,
                first_sale_at,
                cancelled_at,
                amount,
                sale_currency,
            ) = event
            if referral_id not in counted and not (first_sale_at and first_sale_at < period.start):
                counted.add(referral_id)
                paying[referrer] += 1
            if status in NO_EARNING or (cancelled_at is not None and at >= cancelled_at):
                continue
            books.grant(
                occurrence=Occurrence(
                    trigger=Trigger.sale,
                    occurred_at=at,
                    currency=sale_currency,
                    program_currency=currency,
                    sale_amount=amount,
                    customer_first_sale_at=(
                        first_sale_at if first_sale_at and first_sale_at < at else None
                    ),
                    paying_customers=paying[referrer],
                    monetary_rewards_allowed=monetary,
                ),
                referrer_id=referrer,
                friend_id=friend,
                referral_id=referral_id,
                sale_id=sale_id,
                keep_sale=sale_id in refunded_sales,
                keep_referral=referral_id in cancelled,
            )
        elif kind == "refund":
            _at, _kind, sale_id, sale_amount, amount = event
            refunded_so_far[sale_id] += amount or 0
            if not sale_amount or sale_amount <= 0:
                continue
            refunded = min(refunded_so_far[sale_id], sale_amount)
            for kept in books.by_sale.get(sale_id, ()):
                target = share_half_even(kept[4], refunded, sale_amount)
                books.reverse(kept, target - kept[5])
        else:  # cancel
            _at, _kind, referral_id = event
            since = at - timedelta(days=program.clawback_days)
            for kept in books.by_referral.get(referral_id, ()):
                if kept[6] >= since:
                    books.reverse(kept, kept[4] - kept[5])

    paid_money, paid_perks = _actual(program, period)
    result = _result(
        program=program,
        rules=[rule.model_dump(mode="json", exclude_none=True) for rule in rule_list],
        period=period,
        books=books,
        paid_money=paid_money,
        paid_perks=paid_perks,
        counts=counts,
    )
    result["seconds"] = round(timer.perf_counter() - started, 3)
    return result


def _result(*, program, rules, period, books, paid_money, paid_perks, counts) -> dict:
    ids = set(books.money) | set(books.perks) | set(paid_money) | set(paid_perks)
    names = {}
    id_list = list(ids)
    for index in range(0, len(id_list), 1000):
        for pk, name, email in Participant.objects.filter(
            pk__in=id_list[index : index + 1000]
        ).values_list("pk", "name", "email"):
            names[pk] = (name, email)
    totals: dict = defaultdict(lambda: [0, 0])
    rows = []
    for pk in ids:
        would = books.money.get(pk, {})
        paid = paid_money.get(pk, {})
        money = []
        for code in sorted(set(would) | set(paid)):
            if not code:
                continue
            would_pay, was_paid = would.get(code, 0), paid.get(code, 0)
            totals[code][0] += would_pay
            totals[code][1] += was_paid
            money.append(
                {
                    "currency": code,
                    "would_pay": would_pay,
                    "paid": was_paid,
                    "difference": would_pay - was_paid,
                }
            )
        perks_would, perks_given = books.perks.get(pk, 0), paid_perks.get(pk, 0)
        if not money and not perks_would and not perks_given:
            continue
        name, email = names.get(pk, ("", ""))
        rows.append(
            {
                "participant_id": str(pk),
                "name": name,
                "email": email,
                "money": money,
                "perks_would_give": perks_would,
                "perks_given": perks_given,
            }
        )
    rows.sort(
        key=lambda row: (
            -max((abs(item["difference"]) for item in row["money"]), default=0),
            -abs(row["perks_would_give"] - row["perks_given"]),
            row["name"] or row["email"],
            row["participant_id"],
        )
    )
    perks_would = sum(books.perks.values())
    perks_given = sum(paid_perks.values())
    return {
        "program": program.slug,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "rules": rules,
        "occurrences": counts,
        "totals": [
            {
                "currency": code,
                "would_pay": totals[code][0],
                "paid": totals[code][1],
                "difference": totals[code][0] - totals[code][1],
            }
            for code in sorted(totals)
        ],
        "perks": {
            "would_give": perks_would,
            "given": perks_given,
            "difference": perks_would - perks_given,
        },
        "rewards_would_grant": books.rewards_count,
        "needs_review": books.needs_review,
        "participants": rows,
        "assumptions": list(ASSUMPTIONS),
    }


# ---------------------------------------------------------------- saved runs


def backtest_save(*, program, result: dict, user=None) -> SavedBacktest:
    """Keep a run (its rules, period and result) so it can be reopened and exported."""
    return SavedBacktest.objects.create(
        workspace_id=program.workspace_id,
        program=program,
        rules=result["rules"],
        starts_on=date.fromisoformat(result["from"]),
        ends_on=date.fromisoformat(result["to"]),
        result=result,
        created_by=user,
    )


def backtests_saved(*, program):
    return SavedBacktest.objects.filter(program=program).order_by("-created_at", "-pk")


EXPORT_HEADER = [
    "participant_id",
    "name",
    "email",
    "currency",
    "would_pay",
    "paid",
    "difference",
    "perks_would_give",
    "perks_given",
]


def export_rows(result: dict) -> Iterator[list]:
    """One line per participant and currency (minor units), and one for their perks if any."""
    for row in result["participants"]:
        head = [row["participant_id"], row["name"], row["email"]]
        for item in row["money"]:
            yield [
                *head,
                item["currency"],
                item["would_pay"],
                item["paid"],
                item["difference"],
                None,
                None,
            ]
        if row["perks_would_give"] or row["perks_given"]:
            yield [*head, None, None, None, None, row["perks_would_give"], row["perks_given"]]
