"""Payouts: batching approved monetary rewards, exporting them for the bank, paying them.

A payout gathers every approved monetary reward of one program and currency that no payout holds
yet, one item per participant. An item is what the ledger says the participant may be paid:
their approved balance less what other outstanding payouts (draft or sent) already promised them
less their approved rewards that this payout did not claim. That is the claimed rewards'
unreversed amounts, netted against any debt left by rewards reversed after they were sent or
paid (a negative approved balance, which later rewards pay off first). A participant whose item
would be zero or less gets none: their rewards stay unclaimed for a later payout. A payout that
would pay nobody is refused (Invalid) and not made.

The lifecycle (like Dub's or PartnerStack's):

- `draft`: made, still changes. A reversal of one of its rewards (reversals.py) lowers that
  participant's item, or drops it (and their rewards leave the payout) when nothing is left; a
  fully reversed reward leaves the payout as `reversed`. The export of a draft is a preview.
- `sent` (`payout_send`): exported to the bank or handed to a provider; frozen. A reversal of
  one of its rewards is now a debt (the approved balance goes below what is promised), shown on
  the item as `reversed_after_send` and netted by the participant's next payout.
- `paid` (`payout_mark_paid`): each item's amount moves from approved to paid; its rewards become
  `paid`. Marking a draft paid sends it first (frozen at that moment), then pays it.
- `failed` (`payout_mark_failed`, from `sent`): nothing was paid, no money moves; its rewards are
  approved and unclaimed again (a fully reversed one becomes `reversed`) for a later payout.

Locks, always in this order so that no two of these deadlock on PostgreSQL: the program row
(payout_create, send, mark-paid, mark-failed, reversals), then payout rows, then reward rows,
each `FOR NO KEY UPDATE` of the row itself. SQLite's IMMEDIATE transactions serialise writers
already.
"""

import csv
import io
from collections import defaultdict

from django.db import transaction
from django.db.models import BigIntegerField, F, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from tular.core import clock
from tular.core.changes import figures_changed
from tular.core.errors import Conflict, Invalid, NotFound
from tular.core.exports import safe_cell
from tular.core.money import format_money, is_currency
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.rewards import ledger, webhook_events
from tular.rewards.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutItem,
    Reward,
    RewardStatus,
)
from tular.workspaces.audit import Actor, audit_record

# Payouts whose items are promised but not paid yet: they count against the approved balance.
OUTSTANDING = (Payout.Status.draft, Payout.Status.sent)


def _sum_subquery(queryset, expression):
    """A correlated scalar subquery: SUM(expression) over `queryset`, 0 when empty (a plain
    SUM without GROUP BY, so one row whatever matches)."""
    summed = queryset.order_by().annotate(
        total=Func(expression, function="SUM", output_field=BigIntegerField())
    )
    return Coalesce(Subquery(summed.values("total")[:1]), Value(0))


def _payable(*, program_id, currency: str, participant_ids, excluding) -> dict:
    """What each participant may be paid now by the payouts `excluding` (ids), read in ONE
    statement (one snapshot, also under PostgreSQL's READ COMMITTED): approved balance - the
    items of the other outstanding payouts - approved rewards not in any payout (the rewards
    those payouts claimed are in none of these subtractions)."""
    person = OuterRef("pk")
    balance = _sum_subquery(
        LedgerEntry.objects.filter(
            participant=person,
            program_id=program_id,
            account=Account.approved,
            currency=currency,
        ),
        "amount",
    )
    promised = _sum_subquery(
        PayoutItem.objects.filter(
            participant=person,
            payout__status__in=OUTSTANDING,
            payout__currency=currency,
        ).exclude(payout_id__in=excluding),
        "amount",
    )
    unclaimed = _sum_subquery(
        Reward.objects.filter(
            participant=person,
            program_id=program_id,
            currency=currency,
            status=RewardStatus.approved,
            amount__isnull=False,
            payout__isnull=True,
        ),
        F("amount") - F("reversed_amount"),
    )
    rows = (
        Participant.objects.filter(pk__in=participant_ids)
        .annotate(balance=balance, promised=promised, unclaimed=unclaimed)
        .values_list("pk", "balance", "promised", "unclaimed")
    )
    return {pk: bal - prom - uncl for pk, bal, prom, uncl in rows}


def _claimed(payout: Payout, participant_ids=None) -> dict:
    """Per participant: the unreversed amounts of their rewards in `payout`."""
    rewards = Reward.objects.filter(payout=payout)
    if participant_ids is not None:
        rewards = rewards.filter(participant_id__in=participant_ids)
    claimed: dict = defaultdict(int)
    for participant_id, amount, reversed_amount in rewards.values_list(
        "participant_id", "amount", "reversed_amount"
    ):
        claimed[participant_id] += amount - reversed_amount
    return claimed


def lock_program(program_id) -> None:
    # SELECT … FOR NO KEY UPDATE on PostgreSQL: payouts (and reversals) of one program one at a
    # time, so two of them never net the same debt twice. NO KEY: the foreign-key checks of
    # rows that name the program (ledger entries, conversions) take KEY SHARE, which this lock
    # does not block; a plain FOR UPDATE would make every such insert wait for it at commit,
    # and a transaction holding a reward's lock could then wait on us while we wait on it.
    Program.objects.select_for_update(no_key=True).filter(pk=program_id).values_list("pk").first()


def _snapshot(payout: Payout) -> dict:
    items = payout_items(payout)
    return {
        "status": payout.status,
        "currency": payout.currency,
        "total": sum(item["amount"] for item in items),
        "items": [
            {"participant_id": item["participant_id"], "amount": item["amount"]} for item in items
        ],
    }


@transaction.atomic
def payout_create(*, workspace, program: Program, currency: str, actor: Actor | None = None):
    """Gather every approved monetary reward of `program` in `currency` that is in no payout,
    into a new `draft` payout.

    Rewards are claimed with one conditional UPDATE (… WHERE payout IS NULL AND status =
    'approved'), and the items are built from what that UPDATE actually claimed: of two payouts
    made at once, each reward lands in exactly one. Payouts of one program are also serialised
    (the program row is locked on PostgreSQL) so two of them never net the same debt twice.
    A payout with nothing to pay is refused (Invalid, 422) and nothing is written.
    """
    if program.workspace_id != workspace.pk:
        raise NotFound("No such program in this workspace.")
    if not is_currency(currency):
        raise Invalid(["currency"], f"{currency!r} is not an ISO 4217 currency code")
    lock_program(program.pk)
    payout = Payout.objects.create(
        workspace=workspace, program=program, currency=currency, created_at=clock.now()
    )
    Reward.objects.filter(
        program=program,
        currency=currency,
        status=RewardStatus.approved,
        amount__isnull=False,
        payout__isnull=True,
    ).update(payout=payout)
    claimed = _claimed(payout)
    if not claimed:
        raise Invalid(
            ["currency"],
            f"nothing to pay: no approved rewards in {currency} in program {program.slug}",
        )
    payable = _payable(
        program_id=program.pk,
        currency=currency,
        participant_ids=list(claimed),
        excluding=[payout.pk],
    )
    items, left_for_later = [], []
    for participant_id, net in claimed.items():
        # Never more than the claimed rewards are worth, whatever else the balance says.
        amount = min(net, payable.get(participant_id, 0))
        if amount <= 0:
            left_for_later.append(participant_id)
            continue
        items.append(
            PayoutItem(
                payout=payout, participant_id=participant_id, amount=amount, netted=amount - net
            )
        )
    if not items:
        raise Invalid(
            ["currency"],
            f"nothing to pay: the approved rewards in {currency} in program {program.slug} "
            "are all offset by debts from rewards reversed after they were paid",
        )
    if left_for_later:
        Reward.objects.filter(payout=payout, participant_id__in=left_for_later).update(payout=None)
    PayoutItem.objects.bulk_create(items)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="payout.create",
        target=payout,
        after=_snapshot(payout),
    )
    return payout


def payouts_refresh_drafts(*, program_id, currency: str, participant_ids) -> None:
    """Bring the participants' items in the program's draft payouts in `currency` in line with
    the ledger, after a reversal (of a reward in a draft, or a debt from one in a sent or paid
    payout) or a failed payout. The caller holds the program lock.

    Per participant: each draft's item is what their rewards in it are worth now, less the
    participant's debt (what the drafts together may pay beyond the ledger's approved balance,
    net of sent payouts and unclaimed rewards), netted oldest draft first. A draft the debt
    eats whole loses the item, and its rewards leave it (they are unclaimed again)."""
    for participant_id in sorted(set(participant_ids)):
        drafts = list(
            Payout.objects.select_for_update(no_key=True)
            .filter(program_id=program_id, currency=currency, status=Payout.Status.draft)
            .filter(
                pk__in=PayoutItem.objects.filter(participant_id=participant_id).values("payout_id")
            )
            .order_by("pk")
        )
        if not drafts:
            continue
        worth = {payout.pk: _claimed(payout, [participant_id])[participant_id] for payout in drafts}
        available = _payable(
            program_id=program_id,
            currency=currency,
            participant_ids=[participant_id],
            excluding=list(worth),
        ).get(participant_id, 0)
        debt = sum(worth.values()) - available  # ≥ 0: never more than the rewards are worth
        for payout in drafts:
            item = payout.items.get(participant_id=participant_id)
            net = worth[payout.pk]
            if net <= 0 or debt >= net:
                # Nothing left for this draft to pay; its rewards wait for a later payout (the
                # debt is unchanged: they leave the drafts and become unclaimed together).
                item.delete()
                Reward.objects.filter(payout=payout, participant_id=participant_id).update(
                    payout=None
                )
                continue
            netted = -max(debt, 0)
            debt = 0
            if (item.amount, item.netted) != (net + netted, netted):
                item.amount, item.netted = net + netted, netted
                item.save(update_fields=["amount", "netted"])


def payout_total(payout: Payout) -> int:
    return payout.items.aggregate(total=Sum("amount"))["total"] or 0


def payout_items(payout: Payout) -> list[dict]:
    return [
        {
            "participant_id": participant_id,
            "amount": amount,
            "netted": netted,
            "reversed_after_send": reversed_after_send,
        }
        for participant_id, amount, netted, reversed_after_send in payout.items.order_by(
            "participant_id"
        ).values_list("participant_id", "amount", "netted", "reversed_after_send")
    ]


def _locked(payout: Payout) -> Payout:
    """The program, then the payout, locked and re-read: of two calls at once exactly one
    changes the status, and the lock order (program → payouts → rewards) is the one reversals
    take, so the two never wait on each other in a circle (a deadlock on PostgreSQL). Only the
    rows themselves are locked (`of`), not the joined program and workspace."""
    lock_program(payout.program_id)
    return (
        Payout.objects.select_for_update(no_key=True, of=("self",))
        .select_related("program__workspace")
        .get(pk=payout.pk)
    )


def _send(payout: Payout, *, actor: Actor | None) -> None:
    if not payout.items.exists():
        raise Conflict(
            "This payout has nothing left to pay: its rewards were reversed while it was a draft."
        )
    before = _snapshot(payout)
    payout.status = Payout.Status.sent
    payout.sent_at = clock.now()
    payout.save(update_fields=["status", "sent_at"])
    audit_record(
        workspace=payout.workspace_id,
        actor=actor,
        action="payout.send",
        target=payout,
        before=before,
        after=_snapshot(payout),
    )


@transaction.atomic
def payout_send(*, payout: Payout, actor: Actor | None = None) -> Payout:
    """The payout was exported to the bank or handed to a provider: `draft` → `sent`, its items
    frozen. Any other status is a Conflict (409), as is a draft with nothing left to pay."""
    payout = _locked(payout)
    if payout.status != Payout.Status.draft:
        raise Conflict(f"Only a draft payout can be sent; this one is {payout.status}.")
    _send(payout, actor=actor)
    return payout


@transaction.atomic
def payout_mark_paid(*, payout: Payout, actor: Actor | None = None) -> Payout:
    """The payout was paid: its rewards become `paid`, and each item's amount moves from the
    participant's approved account to their paid account. A draft is sent first (frozen as it
    is at that moment; api-v1's create → mark-paid keeps working). Paid or failed already: a
    Conflict (409)."""
    payout = _locked(payout)
    if payout.status == Payout.Status.draft:
        _send(payout, actor=actor)
    elif payout.status == Payout.Status.paid:
        raise Conflict("This payout is already marked paid.")
    elif payout.status != Payout.Status.sent:
        raise Conflict(f"A payout that is {payout.status} cannot be marked paid.")
    before = _snapshot(payout)
    now = clock.now()
    program = payout.program
    for item in payout.items.order_by("participant_id"):
        ledger.move(
            workspace=program.workspace,
            program=program,
            participant_id=item.participant_id,
            currency=payout.currency,
            amount=item.amount,
            source=Account.approved,
            target=Account.paid,
            kind=LedgerTransaction.Kind.paid,
            payout=payout,
        )
    paying = Reward.objects.filter(payout=payout, status=RewardStatus.approved)
    paid_rewards = list(paying.select_related("program"))
    paying.update(status=RewardStatus.paid, paid_at=now)
    figures_changed(program_id=program.pk, moments=[now])  # paid rewards (analytics rollups)
    payout.status = Payout.Status.paid
    payout.paid_at = now
    payout.save(update_fields=["status", "paid_at"])
    for reward in paid_rewards:
        reward.status, reward.paid_at = RewardStatus.paid, now
        webhook_events.reward_status_changed(reward, previous_status=RewardStatus.approved)
    webhook_events.payout_paid(payout, total=payout_total(payout), items=payout_items(payout))
    audit_record(
        workspace=payout.workspace_id,
        actor=actor,
        action="payout.mark_paid",
        target=payout,
        before=before,
        after=_snapshot(payout),
    )
    return payout


@transaction.atomic
def payout_mark_failed(*, payout: Payout, reason: str, actor: Actor | None = None) -> Payout:
    """The bank or provider could not pay a sent payout: `sent` → `failed`. No money moves; its
    rewards are approved and in no payout again, so a later payout pays them (a reward reversed
    in full meanwhile becomes `reversed`). Its items stay as the record of what was sent. Any
    other status is a Conflict (409)."""
    payout = _locked(payout)
    if payout.status != Payout.Status.sent:
        raise Conflict(f"Only a sent payout can be marked failed; this one is {payout.status}.")
    before = _snapshot(payout)
    participant_ids = list(payout.items.values_list("participant_id", flat=True))
    rewards = Reward.objects.filter(payout=payout)
    fully_reversed = rewards.filter(reversed_amount=F("amount"))
    now_reversed = list(fully_reversed.select_related("program"))
    fully_reversed.update(
        payout=None, status=RewardStatus.reversed, status_reason="reversed; the payout failed"
    )
    for reward in now_reversed:
        previous_status = reward.status
        reward.status, reward.status_reason = RewardStatus.reversed, "reversed; the payout failed"
        webhook_events.reward_status_changed(reward, previous_status=previous_status)
    rewards.update(payout=None)
    payout.status = Payout.Status.failed
    payout.failed_at = clock.now()
    payout.failure_reason = reason[:300]
    payout.save(update_fields=["status", "failed_at", "failure_reason"])
    # What these participants may be paid grew by what the failed payout promised them.
    payouts_refresh_drafts(
        program_id=payout.program_id, currency=payout.currency, participant_ids=participant_ids
    )
    audit_record(
        workspace=payout.workspace_id,
        actor=actor,
        action="payout.mark_failed",
        target=payout,
        before=before,
        after={**_snapshot(payout), "reason": payout.failure_reason},
    )
    return payout


CSV_HEADER = [
    "participant_id",
    "name",
    "email",
    "amount",
    "amount_minor",
    "currency",
    "reward_ids",
]


def payout_export_filename(payout: Payout) -> str:
    """`payout-<id>.csv`; a draft's export is a preview (it may still change until it is sent):
    `payout-<id>-draft-preview.csv`."""
    if payout.status == Payout.Status.draft:
        return f"payout-{payout.pk}-draft-preview.csv"
    return f"payout-{payout.pk}.csv"


def payout_export_csv(payout: Payout) -> str:
    """One row per participant: who, how much (formatted and in minor units), which rewards.
    Every text cell that a spreadsheet would read as a formula is prefixed with a quote. For a
    draft this is a preview; `payout_send` freezes it."""
    rewards: dict = defaultdict(list)
    for participant_id, reward_id in (
        Reward.objects.filter(payout=payout).order_by("pk").values_list("participant_id", "pk")
    ):
        rewards[participant_id].append(str(reward_id))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for item in payout.items.select_related("participant").order_by(
        "participant__name", "participant__email", "participant_id"
    ):
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    str(item.participant_id),
                    item.participant.name,
                    item.participant.email,
                    format_money(item.amount, payout.currency),
                    item.amount,
                    payout.currency,
                    " ".join(rewards[item.participant_id]),
                )
            ]
        )
    return out.getvalue()
