"""Partner tiers: their definitions per program, the rules that move partners between them,
moves by hand, and the history of every move (R33).

The tier's rate is paid by the reward engine (`rewards.engine`, `Occurrence.
partner_tier_percent`): a partner in a tier with a rate earns that percent instead of the
percent of the program's percent-of-sale rules for the referrer.

Performance is read from the referrals' tables: won revenue is the net of sales and refunds
in the program's currency, wins are customers whose first sale, or pipeline leads whose move
to won, falls in the window; tenure counts from the partner's enrolment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from tular.core import clock
from tular.core.errors import FieldConflict, Invalid
from tular.enablement.services import certificates_count
from tular.participants.models import Participant
from tular.partners.models import (
    PartnerProfile,
    TierChange,
    TierChangeSource,
    TierRule,
)
from tular.partners.profiles import PARTNER_KINDS, PARTNER_PROGRAM_KINDS, clean_text
from tular.partners.selectors import partners_of
from tular.programs.models import PartnerRateKind, PartnerTier, Program
from tular.programs.rules import PERCENT_PATTERN
from tular.referrals.models import Conversion, Referral
from tular.rewards.engine import add_months
from tular.workspaces.audit import SYSTEM, Actor, audit_record

MAX_RULE_MONTHS = 60


def _rate(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(PERCENT_PATTERN, value):
        raise Invalid(["rate"], 'a percentage is a decimal string, e.g. "20" or "12.5"')
    rate = Decimal(value)
    if not Decimal(0) < rate <= Decimal(100):
        raise Invalid(["rate"], "more than 0 and at most 100")
    return rate


def _partner_program(program: Program) -> None:
    if program.kind not in PARTNER_PROGRAM_KINDS:
        raise Invalid(["program"], "tiers are for partner programs (reseller, technology, service)")


def tier_create(
    *,
    program: Program,
    name: str,
    rank: int,
    rate: str | None = None,
    rate_kind: str = PartnerRateKind.commission,
    badge: str = "",
    description: str = "",
    actor: Actor | None = None,
) -> PartnerTier:
    """Define a tier of a partner program. `rate` is a percent string ("25"); without one the
    program's rules pay partners of this tier unchanged. 422 for a bad value, 409 for a name
    or rank the program already has."""
    _partner_program(program)
    name = clean_text(name, field="name", longest=80, required=True)
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= 1000:
        raise Invalid(["rank"], "a whole number from 0 to 1000 (higher is better)")
    if rate_kind not in PartnerRateKind.values:
        raise Invalid(["rate_kind"], f"one of {', '.join(PartnerRateKind.values)}")
    tier = PartnerTier(
        program=program,
        name=name,
        rank=rank,
        rate=_rate(rate),
        rate_kind=rate_kind,
        badge=clean_text(badge, field="badge", longest=40),
        description=clean_text(description, field="description", longest=500),
    )
    if PartnerTier.objects.filter(program=program, name__iexact=name).exists():
        raise FieldConflict(f"the program has a tier named {name!r}", field="name")
    if PartnerTier.objects.filter(program=program, rank=rank).exists():
        raise FieldConflict(f"the program has a tier of rank {rank}", field="rank")
    try:
        with transaction.atomic():
            tier.save(force_insert=True)
            audit_record(
                workspace=program.workspace_id,
                actor=actor,
                action="partner.tier_create",
                target=program,
                after={"name": name, "rank": rank, "rate": rate, "rate_kind": rate_kind},
            )
    except IntegrityError:  # a concurrent create took the name or the rank
        raise FieldConflict("the program has a tier of this name or rank", field="name") from None
    return tier


def tiers_of(program: Program) -> list[PartnerTier]:
    return list(PartnerTier.objects.filter(program=program).order_by("rank"))


def tier_changes_of(participant_ids) -> dict:
    """{participant id: [(at, from name, to name), …] oldest first} of their tier histories,
    one query; a participant without history is absent."""
    changes: dict = {}
    rows = (
        TierChange.objects.filter(participant_id__in=list(participant_ids))
        .order_by("at")
        .values_list("participant_id", "at", "from_name", "to_name")
    )
    for participant_id, at, from_name, to_name in rows:
        changes.setdefault(participant_id, []).append((at, from_name, to_name))
    return changes


def tier_names_at(
    *, participant: Participant, moments: list[datetime], changes: list | None = None
) -> list[str]:
    """The partner's tier name at each moment (from its tier history; its current tier when it
    has no history, e.g. a tier set before the history began); "" for no tier. One query, none
    with `changes` (its history as `tier_changes_of` gives it, [] for none)."""
    if changes is None:
        changes = tier_changes_of([participant.pk]).get(participant.pk, [])
    if not changes:
        current = participant.tier.name if participant.tier_id else ""
        return [current for _ in moments]
    names = []
    for moment in moments:
        before = [to_name for at, _, to_name in changes if at <= moment]
        names.append(before[-1] if before else changes[0][1])
    return names


def tier_rule_create(
    *,
    tier: PartnerTier,
    min_revenue: int | None = None,
    min_wins: int | None = None,
    min_tenure_months: int | None = None,
    min_certifications: int | None = None,
    window_months: int = 12,
    actor: Actor | None = None,
) -> TierRule:
    """ "A partner whose last `window_months` meet every condition given belongs in `tier`".
    At least one condition; amounts in the program currency's minor units."""
    values = {
        "min_revenue": min_revenue,
        "min_wins": min_wins,
        "min_tenure_months": min_tenure_months,
        "min_certifications": min_certifications,
    }
    if all(value is None for value in values.values()):
        raise Invalid(["min_revenue"], "a rule needs at least one condition")
    for field, value in values.items():
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise Invalid([field], "a whole number, 0 or more")
    if not isinstance(window_months, int) or not 1 <= window_months <= MAX_RULE_MONTHS:
        raise Invalid(["window_months"], f"from 1 to {MAX_RULE_MONTHS} months")
    with transaction.atomic():
        rule = TierRule.objects.create(
            program_id=tier.program_id, tier=tier, window_months=window_months, **values
        )
        audit_record(
            workspace=tier.program.workspace_id,
            actor=actor,
            action="partner.tier_rule_create",
            target=tier.program,
            after={"tier": tier.name, "window_months": window_months, **values},
        )
    return rule


def tier_rule_delete(*, rule: TierRule, actor: Actor | None = None) -> None:
    with transaction.atomic():
        audit_record(
            workspace=rule.tier.program.workspace_id,
            actor=actor,
            action="partner.tier_rule_delete",
            target=rule.tier.program,
            before={"tier": rule.tier.name, "window_months": rule.window_months},
        )
        rule.delete()


def partner_set_tier(
    *,
    participant: Participant,
    tier: PartnerTier | None,
    actor: Actor | None = None,
    reason: str = "",
    source: str = TierChangeSource.manager,
    rule: TierRule | None = None,
) -> TierChange | None:
    """Move a partner to `tier` (None: out of every tier) and record the move; None when it
    already is there. A manager's move (`source` manager) pins the tier: the worker's rules
    leave it until a manager hands it back (`tier_release`). 422 for a tier of another
    program or a participant who is not a partner."""
    if participant.kind not in PARTNER_KINDS:
        raise Invalid(["participant"], "not a partner: only partners and resellers have a tier")
    if tier is not None and tier.program_id != participant.program_id:
        raise Invalid(["tier"], "a tier of another program")
    reason = clean_text(reason, field="reason", longest=500)
    with transaction.atomic():
        locked = (
            Participant.objects.select_for_update(no_key=True, of=("self",))
            .select_related("tier")
            .get(pk=participant.pk)
        )
        if source == TierChangeSource.manager:
            PartnerProfile.objects.filter(participant=locked).update(tier_by_hand=True)
        if locked.tier_id == (tier.pk if tier else None):
            return None
        before = locked.tier
        Participant.objects.filter(pk=locked.pk).update(tier=tier)
        participant.tier = tier
        change = TierChange.objects.create(
            workspace_id=locked.workspace_id,
            participant=locked,
            from_tier=before,
            to_tier=tier,
            from_name=before.name if before else "",
            to_name=tier.name if tier else "",
            source=source,
            rule=rule,
            reason=reason,
            actor=(actor or SYSTEM).label[:200],
            at=clock.now(),
        )
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="partner.tier",
            target=locked,
            before={"tier": before.name if before else None},
            after={"tier": tier.name if tier else None, "source": source, "reason": reason},
        )
    return change


def tier_release(*, participant: Participant, actor: Actor | None = None) -> None:
    """Hand a partner's tier back to the rules (the next review may move it)."""
    with transaction.atomic():
        PartnerProfile.objects.filter(participant=participant).update(tier_by_hand=False)
        audit_record(
            workspace=participant.workspace_id,
            actor=actor,
            action="partner.tier_release",
            target=participant,
        )


# --- performance and the rules ----------------------------------------------------------------


@dataclass(frozen=True)
class Performance:
    revenue: int  # net sales in the program currency, minor units
    wins: int
    tenure_months: int
    # certificates of training modules that count toward tiers, earned in the window
    certifications: int = 0


def months_between(start: datetime, end: datetime) -> int:
    """Whole calendar months from `start` to `end` (0 when end is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def performance_of(
    *, program: Program, participant_ids: list, start: datetime, end: datetime
) -> dict:
    """{participant id: Performance} for [start, end]: two grouped queries whatever the count."""
    money = (
        Conversion.objects.filter(
            program=program,
            referral__participant_id__in=participant_ids,
            currency=program.currency,
            occurred_at__gte=start,
            occurred_at__lte=end,
            kind__in=("sale", "refund"),
        )
        .values("referral__participant_id")
        .annotate(
            sales=Sum("amount", filter=Q(kind="sale"), default=0),
            refunds=Sum("amount", filter=Q(kind="refund"), default=0),
        )
    )
    revenue = {
        row["referral__participant_id"]: int(row["sales"]) - int(row["refunds"]) for row in money
    }
    won = (
        Referral.objects.filter(program=program, participant_id__in=participant_ids)
        .filter(
            Q(first_sale_at__gte=start, first_sale_at__lte=end)
            | Q(status="won", status_changed_at__gte=start, status_changed_at__lte=end)
        )
        .values("participant_id")
        .annotate(count=Count("id"))
    )
    wins = {row["participant_id"]: row["count"] for row in won}
    joined = dict(
        Participant.objects.filter(pk__in=participant_ids).values_list("pk", "created_at")
    )
    certified = certificates_count(participant_ids=participant_ids, since=start)
    return {
        pk: Performance(
            revenue=revenue.get(pk, 0),
            wins=wins.get(pk, 0),
            tenure_months=months_between(joined[pk], end),
            certifications=certified.get(pk, 0),
        )
        for pk in participant_ids
    }


# A rule's conditions: (the rule's field, the Performance figure it is a least value of).
CONDITIONS: tuple[tuple[str, str], ...] = (
    ("min_revenue", "revenue"),
    ("min_wins", "wins"),
    ("min_tenure_months", "tenure_months"),
    ("min_certifications", "certifications"),
)


@dataclass(frozen=True)
class ConditionProgress:
    field: str  # a TierRule condition: min_revenue, min_wins, min_tenure_months, …
    have: int
    need: int

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def percent(self) -> int:
        """How far along, 0 to 100 (for a progress bar)."""
        return 100 if self.need <= 0 else max(0, min(100, self.have * 100 // self.need))


@dataclass(frozen=True)
class RulePath:
    """One rule of the next tier: met when every condition is."""

    window_months: int
    conditions: list[ConditionProgress]


@dataclass(frozen=True)
class TierProgress:
    current: PartnerTier | None
    next: PartnerTier | None  # the tier ranked just above, None at the top
    paths: list[RulePath]  # the next tier's rules (any one met moves the partner up)
    by_hand: bool  # a manager pinned the tier: the rules leave it


def tier_progress(*, participant: Participant, at: datetime | None = None) -> TierProgress:
    """Where a partner stands against the rules of the tier above its own (the portal's
    performance page): the same figures the worker's review uses."""
    at = at or clock.now()
    tiers = tiers_of(participant.program)
    current = next((tier for tier in tiers if tier.pk == participant.tier_id), None)
    above = [tier for tier in tiers if current is None or tier.rank > current.rank]
    upcoming = above[0] if above else None
    profile = getattr(participant, "partner_profile", None)
    by_hand = bool(profile and profile.tier_by_hand)
    if upcoming is None:
        return TierProgress(current=current, next=None, paths=[], by_hand=by_hand)
    rules = list(TierRule.objects.filter(tier=upcoming).order_by("created_at", "pk"))
    figures = {
        months: performance_of(
            program=participant.program,
            participant_ids=[participant.pk],
            start=add_months(at, -months),
            end=at,
        )[participant.pk]
        for months in {rule.window_months for rule in rules}
    }
    paths = [
        RulePath(
            window_months=rule.window_months,
            conditions=[
                ConditionProgress(
                    field=field,
                    have=getattr(figures[rule.window_months], figure),
                    need=getattr(rule, field),
                )
                for field, figure in CONDITIONS
                if getattr(rule, field) is not None
            ],
        )
        for rule in rules
    ]
    return TierProgress(current=current, next=upcoming, paths=paths, by_hand=by_hand)


def rule_met(rule: TierRule, performance: Performance) -> bool:
    return all(
        getattr(performance, figure) >= getattr(rule, field)
        for field, figure in CONDITIONS
        if getattr(rule, field) is not None
    )


def tier_for(
    *, rules: list[TierRule], tiers: list[PartnerTier], performance_by_window: dict
) -> tuple[PartnerTier | None, TierRule | None]:
    """The highest-ranked tier one of whose rules is met (with that rule), else the lowest
    tier. `performance_by_window`: {window_months: Performance}."""
    best: tuple[PartnerTier | None, TierRule | None] = (None, None)
    for rule in rules:
        if rule_met(rule, performance_by_window[rule.window_months]) and (
            best[0] is None or rule.tier.rank > best[0].rank
        ):
            best = (rule.tier, rule)
    if best[0] is None and tiers:
        return tiers[0], None
    return best


@dataclass(frozen=True)
class ReviewResult:
    checked: int
    changes: list


def tiers_review(*, program: Program | None = None, at: datetime | None = None) -> ReviewResult:
    """Put every partner of every program with tier rules (or of `program`) in the tier its
    performance earns, up or down; partners whose tier a manager set by hand are left alone.
    Safe to run twice: a partner already in its tier is not moved again."""
    at = at or clock.now()
    programs = Program.objects.filter(kind__in=PARTNER_PROGRAM_KINDS).exclude(status="archived")
    if program is not None:
        programs = programs.filter(pk=program.pk)
    programs = programs.filter(pk__in=TierRule.objects.values("program_id"))
    checked, changes = 0, []
    for each in programs:
        tiers = tiers_of(each)
        rules = list(TierRule.objects.filter(program=each).select_related("tier"))
        partners = list(
            partners_of(program=each)
            .exclude(partner_profile__tier_by_hand=True)
            .order_by("created_at")
        )
        ids = [partner.pk for partner in partners]
        windows = {rule.window_months for rule in rules}
        figures = {
            months: performance_of(
                program=each, participant_ids=ids, start=add_months(at, -months), end=at
            )
            for months in windows
        }
        for partner in partners:
            checked += 1
            tier, rule = tier_for(
                rules=rules,
                tiers=tiers,
                performance_by_window={months: figures[months][partner.pk] for months in windows},
            )
            if tier is None or tier.pk == partner.tier_id:
                continue
            reason = _rule_words(rule) if rule else "no tier rule met: the program's first tier"
            change = partner_set_tier(
                participant=partner,
                tier=tier,
                actor=Actor.system("tier rules"),
                reason=reason,
                source=TierChangeSource.rule,
                rule=rule,
            )
            if change is not None:
                changes.append(change)
    return ReviewResult(checked=checked, changes=changes)


def _rule_words(rule: TierRule) -> str:
    parts = []
    if rule.min_revenue is not None:
        parts.append(f"won revenue ≥ {rule.min_revenue} (minor units)")
    if rule.min_wins is not None:
        parts.append(f"deals won ≥ {rule.min_wins}")
    if rule.min_tenure_months is not None:
        parts.append(f"partner ≥ {rule.min_tenure_months} months")
    if rule.min_certifications is not None:
        parts.append(f"certificates ≥ {rule.min_certifications}")
    return f"{' and '.join(parts)} in {rule.window_months} months → {rule.tier.name}"
