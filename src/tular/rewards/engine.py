"""Reward rule evaluation: which rewards an occurrence earns under a program's rules.

Pure functions over the validated rule schema (`tular.programs.rules`): no database, no clock, no
HTTP. The caller gathers the facts (the `Occurrence`, what was already earned in each cap window)
and stores the `RewardDraft`s it gets back.
"""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from tular.core.money import share_half_even
from tular.programs.rules import CapPeriod, Recipient, RewardKind, Rule, Tier, Trigger


@dataclass(frozen=True)
class Occurrence:
    trigger: Trigger  # signup | qualified | won | sale
    occurred_at: datetime  # aware, UTC
    currency: str  # the sale's currency for sales; the program's otherwise
    program_currency: str
    sale_amount: int | None = None  # minor units, > 0, for trigger sale
    # The referred customer's earlier first sale; None when this sale IS the first.
    customer_first_sale_at: datetime | None = None
    # Distinct customers this referrer referred who have paid, this one included.
    paying_customers: int = 0
    monetary_rewards_allowed: bool = True
    # The referrer's partner tier rate (`programs.PartnerTier.rate`), when the referrer is a
    # partner in a tier that has one: it replaces the percent of every percent-of-sale rule
    # whose recipient is the referrer (and the volume tiers inside such a rule). Fixed
    # amounts, perks and the friend's rewards are not changed.
    partner_tier_percent: Decimal | None = None


@dataclass(frozen=True)
class RewardDraft:
    rule_index: int
    trigger: Trigger
    recipient: Recipient
    kind: RewardKind
    amount: int | None  # minor units; None for perks
    currency: str | None  # None for perks
    perk: str | None
    percent: Decimal | None  # the rate applied, for percent rules (tier included)
    base_amount: int | None  # the sale amount a percent was taken of
    tier_min_conversions: int | None  # the tier applied, if any
    capped_from: int | None  # the amount before the cap cut it, if the cap cut it
    needs_review_reason: str | None  # e.g. a cap that cannot be applied across currencies


def percent_of(amount: int, percent: Decimal) -> int:
    """`percent` % of `amount` minor units, rounded half-even once, at the end (the one share
    of money, `core.money.share_half_even`, also used by reversals)."""
    return share_half_even(amount, percent, 100)


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus calendar months; a day the target month lacks becomes its last day."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def cap_period_bounds(period: CapPeriod, at: datetime) -> tuple[datetime | None, datetime | None]:
    """The calendar window [start, end) in UTC that contains `at`; lifetime has no bounds."""
    if period == CapPeriod.lifetime:
        return None, None
    if at.tzinfo is None:
        raise ValueError("cap windows are UTC calendar periods: `at` must be timezone-aware")
    at = at.astimezone(UTC)
    months = {CapPeriod.month: 1, CapPeriod.quarter: 3, CapPeriod.year: 12}[period]
    first_month = (at.month - 1) // months * months + 1
    start = datetime(at.year, first_month, 1, tzinfo=UTC)
    return start, add_months(start, months)


def evaluate(
    *, rules: Sequence[Rule], occurrence: Occurrence, earned_in_cap_period: Mapping[int, int]
) -> list[RewardDraft]:
    """The rewards `occurrence` earns, one draft per rule that pays, in rule order."""
    drafts = []
    for index, rule in enumerate(rules):
        draft = _evaluate_rule(index, rule, occurrence, earned_in_cap_period.get(index, 0))
        if draft is not None:
            drafts.append(draft)
    return drafts


def _evaluate_rule(index: int, rule: Rule, occ: Occurrence, earned: int) -> RewardDraft | None:
    if rule.trigger != occ.trigger:
        return None
    if rule.trigger == Trigger.sale and not _sale_in_duration(rule, occ):
        return None
    if rule.is_monetary and not occ.monetary_rewards_allowed:
        return None  # the API refuses such rules already; never pay money out of one anyway

    base = RewardDraft(
        rule_index=index,
        trigger=rule.trigger,
        recipient=rule.recipient,
        kind=rule.kind,
        amount=None,
        currency=None,
        perk=None,
        percent=None,
        base_amount=None,
        tier_min_conversions=None,
        capped_from=None,
        needs_review_reason=None,
    )
    if rule.kind == RewardKind.perk:
        return replace(base, perk=rule.perk)

    partner_rate = _partner_rate(rule, occ)
    tier = _tier(rule, occ) if partner_rate is None else None
    if rule.kind == RewardKind.percent:
        if occ.sale_amount is None or occ.sale_amount <= 0:
            return None
        if partner_rate is not None:
            rate = partner_rate
        else:
            rate = tier.percent if tier is not None else rule.percent
        amount = percent_of(occ.sale_amount, rate)
        currency = occ.currency  # a percentage is paid in the sale's own currency
    else:
        rate = None
        amount = tier.amount if tier is not None else rule.amount
        currency = occ.program_currency  # a fixed amount is written in the program's currency
    draft = replace(
        base,
        currency=currency,
        percent=rate,
        base_amount=occ.sale_amount if rate is not None else None,
        tier_min_conversions=tier.min_conversions if tier is not None else None,
    )

    if amount <= 0:
        return None  # e.g. 20 % of 1 minor unit: nothing worth a reward
    if rule.cap is None:
        return replace(draft, amount=amount)
    if currency != occ.program_currency:
        # The cap is in the program currency and there is no FX here: cutting by the raw numbers
        # would be wrong either way, so the reward stands uncut and a person decides.
        return replace(
            draft,
            amount=amount,
            needs_review_reason=(
                f"This reward is in {currency}, but the rule's cap ({rule.cap.amount} minor units "
                f"of {occ.program_currency} per {rule.cap.period}) is in the program currency and "
                "was not applied automatically: check the reward against the cap."
            ),
        )
    left = rule.cap.amount - earned
    if left <= 0:
        return None  # the cap is used up for this window
    if amount > left:
        return replace(draft, amount=left, capped_from=amount)
    return replace(draft, amount=amount)


def _sale_in_duration(rule: Rule, occ: Occurrence) -> bool:
    first = occ.customer_first_sale_at
    if first is None:
        return True  # the customer's first sale always earns
    if rule.duration_months == 0:
        return False
    return occ.occurred_at < add_months(first, rule.duration_months)


def _partner_rate(rule: Rule, occ: Occurrence) -> Decimal | None:
    """The partner tier's rate when it applies to `rule`: a percent rule for the referrer."""
    if occ.partner_tier_percent is None:
        return None
    if rule.kind != RewardKind.percent or rule.recipient != Recipient.referrer:
        return None
    return occ.partner_tier_percent


def _tier(rule: Rule, occ: Occurrence) -> Tier | None:
    # Tiers reward the referrer's volume; the friend has no volume of their own.
    if rule.recipient != Recipient.referrer:
        return None
    reached = [tier for tier in rule.tiers if tier.min_conversions <= occ.paying_customers]
    return max(reached, key=lambda tier: tier.min_conversions, default=None)
