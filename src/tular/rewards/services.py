"""Rewards: granting what the engine decided, holds, approval and rejection.

Every function here changes a reward's status and its money together, in one transaction, so the
status and the ledger can never disagree.
"""

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection, transaction

from tular.core import clock, rows
from tular.core.changes import figures_changed
from tular.core.errors import Conflict
from tular.core.ids import parse_uuid
from tular.core.money import split_amount
from tular.programs.models import PartnerTier
from tular.programs.rules import Recipient, RewardKind, Rule, parsed_rules
from tular.rewards import ledger, webhook_events
from tular.rewards.engine import Occurrence, cap_period_bounds, evaluate
from tular.rewards.models import Account, LedgerTransaction, Reward, RewardStatus
from tular.workspaces.audit import Actor, audit_record

# Statuses whose amount no longer counts toward a cap (nothing was or will be paid).
NOT_EARNED = (RewardStatus.rejected,)
SHARE_PLACES = Decimal("0.000001")  # Reward.attribution_share


def _initial_status(*, program, amount: int | None, hold_days: int, reason: str | None):
    if hold_days > 0:
        return RewardStatus.pending
    return _status_after_hold(program=program, amount=amount, reason=reason)


def _status_after_hold(*, program, amount: int | None, reason: str | None) -> RewardStatus:
    if reason:
        return RewardStatus.needs_review
    if amount is None:  # a perk: nothing to pay, nothing to review
        return RewardStatus.approved
    limit = program.auto_approve_below
    if limit is not None and amount < limit:
        return RewardStatus.approved
    return RewardStatus.needs_review


def rewards_grant(
    *, referral, occurrence: Occurrence, conversion=None, paying_customers=None, split=None
) -> list[Reward]:
    """Evaluate the program's rules for what happened and store the rewards with their ledger
    transactions. Must run inside the caller's transaction (the tracked event's).

    `referral` is any object with `program`, `workspace`, `workspace_id`, `status`,
    `participant`, `friend` and `created_at` (a referrals.Referral; rewards does not import the
    referrals app); `conversion` the sale it was earned on, or None. `paying_customers`, for
    sales: (SQL, params) of a scalar subquery counting the referrer's paying customers for the
    tiers, read only when a rule of the sale has tiers, in the same statement as the cap
    windows; without it the occurrence's own `paying_customers` stands.

    `split`, for a sale whose program's attribution model credits several participants:
    [(participant id, share)] with shares summing to 1 (`tracking.journeys`, passed in by the
    referrals app). Each percent-of-sale reward for the referrer is computed once for the whole
    sale (the referral's referrer's tiers, partner rate and caps, as without a split) and then
    split exactly (`core.money.split_amount`, in the order given) into one reward per
    participant, each with its own ledger transactions and its `attribution_share`; a part of 0
    is not stored. Fixed amounts, perks and the friend's rewards are not split. Every part
    takes the status the whole would have (hold, review, auto-approval by the whole amount).
    None (the default): nothing is split.

    The queries: one per recipient with a capped or tiered rule (the cap windows and the tier
    count together), then one INSERT for the rewards, one for their ledger transactions and
    one for the entries, whatever the number of rules."""
    program = referral.program
    if referral.status in ("flagged", "rejected"):
        # A flagged referral earns nothing until a manager clears it; a rejected one never.
        return []
    if not program.grants_rewards:
        return []  # a paused or archived program records events but grants nothing
    rules = parsed_rules(program.rules)
    earning = []
    for recipient in (Recipient.referrer, Recipient.friend):
        participant = referral.participant if recipient == Recipient.referrer else referral.friend
        if participant is None:
            continue
        relevant = [
            index
            for index, rule in enumerate(rules)
            if rule.trigger == occurrence.trigger and rule.recipient == recipient
        ]
        if not relevant:
            continue
        count = None
        if recipient == Recipient.referrer and any(rules[index].tiers for index in relevant):
            count = paying_customers
        earned, paying = _facts(
            participant_id=participant.pk,
            rules=rules,
            capped=[index for index in relevant if rules[index].cap is not None],
            at=occurrence.occurred_at,
            paying_customers=count,
        )
        facts = occurrence if paying is None else replace(occurrence, paying_customers=paying)
        if recipient == Recipient.referrer and occurrence.trigger == "sale":
            facts = _with_partner_rate(facts, participant=participant, rules=rules)
        earning += [
            (participant, draft)
            for draft in evaluate(rules=rules, occurrence=facts, earned_in_cap_period=earned)
            if draft.recipient == recipient
        ]
    if not earning:
        return []
    return _store(
        referral=referral,
        earning=_split(earning, split),
        conversion=conversion,
        occurrence=occurrence,
    )


def _split(earning, split) -> list:
    """[(participant or participant id, draft, amount, share or None)]: the referrer's
    percent-of-sale drafts split over `split`, every other draft whole."""
    parts = []
    for participant, draft in earning:
        if (
            split
            and draft.recipient == Recipient.referrer
            and draft.kind == RewardKind.percent
            and draft.amount is not None
        ):
            amounts = split_amount(draft.amount, [share for _, share in split])
            for (participant_id, share), amount in zip(split, amounts, strict=True):
                if amount <= 0:
                    continue
                who = participant if participant_id == participant.pk else participant_id
                parts.append((who, draft, amount, share))
        else:
            parts.append((participant, draft, draft.amount, None))
    return parts


def _share(share) -> Decimal | None:
    """A share (a Fraction) as the stored decimal, 6 places, half to even."""
    if share is None:
        return None
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    return exact.quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)


def _with_partner_rate(occurrence: Occurrence, *, participant, rules) -> Occurrence:
    """The occurrence with the referrer's partner tier rate (one query, only for a participant
    in a tier, and only when a percent rule could use it)."""
    tier_id = getattr(participant, "tier_id", None)
    if tier_id is None or occurrence.partner_tier_percent is not None:
        return occurrence
    if not any(rule.kind == RewardKind.percent for rule in rules):
        return occurrence
    rate = PartnerTier.objects.filter(pk=tier_id).values_list("rate", flat=True).first()
    return occurrence if rate is None else replace(occurrence, partner_tier_percent=rate)


def _facts(*, participant_id, rules, capped: list[int], at, paying_customers):
    """({rule index: net earned in its cap window} for the `capped` rules, the count of
    `paying_customers` or None), in one statement (none when there is nothing to read).

    Raw SQL: this runs in every sale's write transaction and the ORM's compilation of the same
    query (a subquery per rule) measured several times its execution."""
    if not capped and paying_customers is None:
        return {}, None
    ops = connection.ops
    who = Reward._meta.get_field("participant").get_db_prep_value(participant_id, connection)
    columns, params = [], []
    for index in capped:
        start, end = cap_period_bounds(rules[index].cap.period, at)
        window = ""
        params += [who, index, *NOT_EARNED]
        if start is not None:
            window = " AND created_at >= %s AND created_at < %s"
            params += [ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)]
        columns.append(
            "(SELECT COALESCE(SUM(amount), 0) - COALESCE(SUM(reversed_amount), 0) "  # noqa: S608 - the model's own table, placeholders only
            f"FROM {Reward._meta.db_table} WHERE participant_id = %s AND rule_index = %s "
            f"AND status NOT IN ({', '.join(['%s'] * len(NOT_EARNED))}){window})"
        )
    if paying_customers is not None:
        sql, more = paying_customers
        columns.append(f"({sql})")
        params += more
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = cursor.fetchone()
    earned = {index: int(row[n]) for n, index in enumerate(capped)}
    return earned, None if paying_customers is None else int(row[-1])


def earned_in_cap_windows(*, participant, rules: list[Rule], at) -> dict[int, int]:
    """What the participant already earned from each capped rule in the window containing `at`
    (net of reversals; rejected rewards do not count)."""
    capped = [index for index, rule in enumerate(rules) if rule.cap is not None]
    return _facts(
        participant_id=participant.pk, rules=rules, capped=capped, at=at, paying_customers=None
    )[0]


def _store(*, referral, earning, conversion, occurrence) -> list[Reward]:
    """The rewards of one grant, their ledger transactions and entries: one INSERT each. The
    rollups are told the days (a bulk insert sends no post_save), the webhooks go out per
    reward."""
    program = referral.program
    now = clock.now()
    rewards = []
    for participant, draft, amount, share in earning:
        status = _initial_status(
            program=program,
            amount=draft.amount,  # a split part takes the whole reward's status
            hold_days=program.hold_days,
            reason=draft.needs_review_reason,
        )
        who = (
            {"participant": participant}
            if hasattr(participant, "pk")  # else the id of a participant credited by a split
            else {"participant_id": participant}
        )
        reward = Reward(
            workspace_id=referral.workspace_id,
            program=program,
            **who,
            referral=referral,
            conversion=conversion,
            rule_index=draft.rule_index,
            trigger=draft.trigger,
            recipient=draft.recipient,
            kind=draft.kind,
            amount=amount,
            currency=draft.currency or "",
            perk=draft.perk or "",
            percent=draft.percent,
            base_amount=draft.base_amount,
            attribution_share=_share(share),
            status=status,
            status_reason=draft.needs_review_reason or "",
            hold_until=now + timedelta(days=program.hold_days),
            referred_at=referral.created_at,
            converted_at=occurrence.occurred_at,
            created_at=now,
            approved_at=now if status == RewardStatus.approved else None,
        )
        rewards.append(reward)
    rows.insert(Reward, rewards)
    moves = []
    for reward in rewards:
        if not reward.is_monetary:
            continue
        moves.append(
            ledger.Move(
                participant_id=reward.participant_id,
                currency=reward.currency,
                amount=reward.amount,
                source=Account.program_expense,
                target=Account.pending,
                kind=LedgerTransaction.Kind.earned,
                reward=reward,
            )
        )
        if reward.status == RewardStatus.approved:
            moves.append(
                ledger.Move(
                    participant_id=reward.participant_id,
                    currency=reward.currency,
                    amount=reward.amount,
                    source=Account.pending,
                    target=Account.approved,
                    kind=LedgerTransaction.Kind.approved,
                    reward=reward,
                )
            )
    ledger.move_many(workspace=referral.workspace, program=program, moves=moves)
    figures_changed(
        program_id=program.pk,
        moments=[at for reward in rewards for at in (reward.created_at, reward.approved_at)],
    )
    for reward in rewards:
        webhook_events.reward_created(reward)
    return rewards


# A bonus (a contest prize, R40) is no rule's: it is stored with this rule index, past any
# program's rules (a PositiveSmallIntegerField holds up to 32767), and the trigger "bonus".
BONUS_RULE_INDEX = 32767
BONUS_TRIGGER = "bonus"


@transaction.atomic
def reward_bonus(
    *,
    program,
    participant,
    referral,
    amount: int | None,
    currency: str = "",
    perk: str = "",
    reason: str,
    actor: Actor | None = None,
) -> Reward:
    """A one-off bonus for a referrer (a contest's prize): a money amount in the program's
    currency or a perk, granted approved (a manager decided it) and posted to the ledger like
    every reward (program expense → pending → approved), so payouts pay it.

    A reward belongs to a referral (the column is required): `referral` is one of the
    participant's referrals that carries no bonus yet (the caller picks it, e.g. their latest
    in the contest's period); a second bonus on the same referral is refused (Conflict), as the
    unique constraint (referral, rule, participant) would."""
    if (amount is None) == (not perk):
        raise ValueError("a bonus is either an amount or a perk")
    if referral.participant_id != participant.pk or referral.program_id != program.pk:
        raise ValueError("the referral is not this participant's in this program")
    if amount is not None and (amount <= 0 or currency != program.currency):
        raise ValueError("a money bonus is a positive amount in the program's currency")
    if Reward.objects.filter(
        referral=referral, rule_index=BONUS_RULE_INDEX, participant=participant
    ).exists():
        raise Conflict("this referral already carries a bonus")
    now = clock.now()
    reward = Reward.objects.create(
        workspace_id=program.workspace_id,
        program=program,
        participant=participant,
        referral=referral,
        conversion=None,
        rule_index=BONUS_RULE_INDEX,
        trigger=BONUS_TRIGGER,
        recipient=Recipient.referrer,
        kind=RewardKind.fixed if amount is not None else RewardKind.perk,
        amount=amount,
        currency=currency if amount is not None else "",
        perk=perk[:200] if amount is None else "",
        status=RewardStatus.approved,
        status_reason=reason[:300],
        hold_until=now,
        referred_at=referral.created_at,
        converted_at=now,
        created_at=now,
        approved_at=now,
    )
    if reward.is_monetary:
        ledger.move(
            workspace=program.workspace,
            program=program,
            participant_id=participant.pk,
            currency=reward.currency,
            amount=reward.amount,
            source=Account.program_expense,
            target=Account.pending,
            kind=LedgerTransaction.Kind.earned,
            reward=reward,
            memo=reason[:300],
        )
        _move_to_approved(reward)
    webhook_events.reward_created(reward)
    audit_record(
        workspace=program.workspace_id,
        actor=actor,
        action="reward.bonus",
        target=reward,
        after={**_snapshot(reward), "perk": reward.perk or None, "reason": reward.status_reason},
    )
    return reward


def _move_from_pending(reward: Reward, *, target: Account, kind: str) -> None:
    """What is left of a pending reward moves on: to approved, or back to the program."""
    ledger.move(
        workspace=reward.workspace,
        program=reward.program,
        participant_id=reward.participant_id,
        currency=reward.currency,
        amount=reward.amount - reward.reversed_amount,
        source=Account.pending,
        target=target,
        kind=kind,
        reward=reward,
    )


def _move_to_approved(reward: Reward) -> None:
    _move_from_pending(reward, target=Account.approved, kind=LedgerTransaction.Kind.approved)


def _locked(reward_id) -> Reward:
    # SELECT … FOR UPDATE on PostgreSQL (SQLite's IMMEDIATE transaction already serialises):
    # two managers approving at once must not move the money twice.
    return (
        Reward.objects.select_for_update(no_key=True, of=("self",))
        .select_related("program", "workspace")
        .get(pk=reward_id)
    )


def _snapshot(reward: Reward) -> dict:
    return {
        "status": reward.status,
        "amount": reward.amount,
        "reversed_amount": reward.reversed_amount,
        "currency": reward.currency or None,
    }


@transaction.atomic
def reward_approve(*, reward: Reward, actor: Actor | None = None) -> Reward:
    reward = _locked(reward.pk)
    if reward.status not in (RewardStatus.pending, RewardStatus.needs_review):
        raise Conflict(f"a reward that is {reward.status} cannot be approved")
    before = _snapshot(reward)
    if reward.is_monetary:
        _move_to_approved(reward)
    reward.status = RewardStatus.approved
    reward.approved_at = clock.now()
    reward.save(update_fields=["status", "approved_at"])
    webhook_events.reward_status_changed(reward, previous_status=before["status"])
    audit_record(
        workspace=reward.workspace_id,
        actor=actor,
        action="reward.approve",
        target=reward,
        before=before,
        after=_snapshot(reward),
    )
    return reward


@transaction.atomic
def reward_reject(*, reward: Reward, reason: str = "", actor: Actor | None = None) -> Reward:
    reward = _locked(reward.pk)
    if reward.status not in (RewardStatus.pending, RewardStatus.needs_review):
        raise Conflict(f"a reward that is {reward.status} cannot be rejected")
    before = _snapshot(reward)
    if reward.is_monetary:
        _move_from_pending(
            reward, target=Account.program_expense, kind=LedgerTransaction.Kind.rejected
        )
    reward.status = RewardStatus.rejected
    reward.status_reason = reason[:300]
    reward.save(update_fields=["status", "status_reason"])
    webhook_events.reward_status_changed(reward, previous_status=before["status"])
    audit_record(
        workspace=reward.workspace_id,
        actor=actor,
        action="reward.reject",
        target=reward,
        before=before,
        after={**_snapshot(reward), "reason": reward.status_reason},
    )
    return reward


def rewards_release_due(*, now=None) -> int:
    """Rewards whose hold has ended move on by themselves: approved below the program's
    auto-approve limit, needs_review otherwise. Each reward in its own transaction, claimed with
    the row locked so two workers never release the same reward twice."""
    moment = now or clock.now()
    released = 0
    due = Reward.objects.filter(status=RewardStatus.pending, hold_until__lte=moment)
    for reward_id in due.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            # Locked and re-read: a refund committing meanwhile must not be moved twice.
            reward = _locked(reward_id)
            if reward.status != RewardStatus.pending:
                continue  # another worker, a manager or a reversal got there first
            reward.status = _status_after_hold(
                program=reward.program, amount=reward.amount, reason=reward.status_reason or None
            )
            if reward.status == RewardStatus.approved:
                reward.approved_at = reward.hold_until  # approved by the end of its hold
                if reward.is_monetary:
                    _move_to_approved(reward)
            reward.save(update_fields=["status", "approved_at"])
            webhook_events.reward_status_changed(reward, previous_status=RewardStatus.pending)
            released += 1
    return released


@dataclass(frozen=True)
class ReviewOutcome:
    """What a bulk review did to one id: `done`, or why not (`status` is the reward's status
    now; None when no such reward is in the workspace)."""

    reward_id: str
    done: bool
    status: str | None = None
    detail: str = ""


REVIEW_ACTIONS = ("approve", "reject")


def rewards_review_many(
    *, workspace, reward_ids, action: str, reason: str = "", actor: Actor | None = None
) -> list[ReviewOutcome]:
    """Approve or reject several rewards, each through `reward_approve` / `reward_reject` in its
    own transaction: one that cannot be (already approved, not in this workspace) is reported
    and does not stop the others. One outcome per distinct id, in the order given."""
    if action not in REVIEW_ACTIONS:
        raise ValueError(f"action must be one of {REVIEW_ACTIONS}")
    ordered = list(dict.fromkeys(str(reward_id) for reward_id in reward_ids))
    parsed = {text: parse_uuid(text) for text in ordered}
    found = {
        reward.pk: reward
        for reward in Reward.objects.filter(
            workspace=workspace, pk__in=[pk for pk in parsed.values() if pk is not None]
        )
    }
    outcomes = []
    for text in ordered:
        reward = found.get(parsed[text])
        if reward is None:
            outcomes.append(ReviewOutcome(text, False, None, "no reward with this id"))
            continue
        try:
            if action == "approve":
                reward = reward_approve(reward=reward, actor=actor)
            else:
                reward = reward_reject(reward=reward, reason=reason, actor=actor)
        except Conflict as refused:
            current = Reward.objects.filter(pk=reward.pk).values_list("status", flat=True).first()
            outcomes.append(ReviewOutcome(text, False, current, refused.detail))
            continue
        outcomes.append(ReviewOutcome(text, True, reward.status))
    return outcomes
