"""Payouts: batching approved monetary rewards, exporting them for the bank, marking them paid.

A payout gathers every approved monetary reward of one program and currency that no payout holds
yet, one item per participant. An item is what the ledger says the participant may be paid:
their approved balance less what earlier payouts still to be paid already promised them less
their approved rewards that this payout did not claim. That is the claimed rewards' unreversed
amounts, netted against any debt left by rewards reversed after they were paid (a negative
approved balance, which later rewards pay off first). A participant whose item would be zero or
less gets none: their rewards stay unclaimed for a later payout.

The amount of an item is fixed when the payout is made: it is what the export tells the bank to
pay, and what `payout_mark_paid` moves from approved to paid.
"""

import csv
import io
from collections import defaultdict

from django.db import transaction
from django.db.models import BigIntegerField, F, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from tular.core import clock
from tular.core.errors import Conflict, Invalid, NotFound
from tular.core.money import format_money, is_currency
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.rewards import ledger
from tular.rewards.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutItem,
    Reward,
    RewardStatus,
)


def _sum_subquery(queryset, expression):
    """A correlated scalar subquery: SUM(expression) over `queryset`, 0 when empty (a plain
    SUM without GROUP BY, so one row whatever matches)."""
    summed = queryset.order_by().annotate(
        total=Func(expression, function="SUM", output_field=BigIntegerField())
    )
    return Coalesce(Subquery(summed.values("total")[:1]), Value(0))


def _payable(*, payout: Payout, participant_ids) -> dict:
    """What each participant may be paid now, read in ONE statement (one snapshot, also under
    PostgreSQL's READ COMMITTED): approved balance - open payouts' items - approved rewards not
    in any payout (this payout's claimed rewards are in none of those subtractions)."""
    person = OuterRef("pk")
    balance = _sum_subquery(
        LedgerEntry.objects.filter(
            participant=person,
            program=payout.program,
            account=Account.approved,
            currency=payout.currency,
        ),
        "amount",
    )
    promised = _sum_subquery(
        PayoutItem.objects.filter(
            participant=person,
            payout__status=Payout.Status.open,
            payout__currency=payout.currency,
        ).exclude(payout=payout),
        "amount",
    )
    unclaimed = _sum_subquery(
        Reward.objects.filter(
            participant=person,
            program=payout.program,
            currency=payout.currency,
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


@transaction.atomic
def payout_create(*, workspace, program: Program, currency: str) -> Payout:
    """Gather every approved monetary reward of `program` in `currency` that is in no payout.

    Rewards are claimed with one conditional UPDATE (… WHERE payout IS NULL AND status =
    'approved'), and the items are built from what that UPDATE actually claimed: of two payouts
    made at once, each reward lands in exactly one. Payouts of one program are also serialised
    (the program row is locked on PostgreSQL) so two of them never net the same debt twice.
    A payout with nothing to pay is still made (total 0, no items).
    """
    if program.workspace_id != workspace.pk:
        raise NotFound("No such program in this workspace.")
    if not is_currency(currency):
        raise Invalid(["currency"], f"{currency!r} is not an ISO 4217 currency code")
    Program.objects.select_for_update().filter(pk=program.pk).values_list("pk").first()
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
    claimed: dict = defaultdict(int)
    for participant_id, amount, reversed_amount in Reward.objects.filter(payout=payout).values_list(
        "participant_id", "amount", "reversed_amount"
    ):
        claimed[participant_id] += amount - reversed_amount
    payable = _payable(payout=payout, participant_ids=list(claimed))
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
    if left_for_later:
        Reward.objects.filter(payout=payout, participant_id__in=left_for_later).update(payout=None)
    PayoutItem.objects.bulk_create(items)
    return payout


def payout_total(payout: Payout) -> int:
    return payout.items.aggregate(total=Sum("amount"))["total"] or 0


def payout_items(payout: Payout) -> list[dict]:
    return [
        {"participant_id": participant_id, "amount": amount, "netted": netted}
        for participant_id, amount, netted in payout.items.order_by("participant_id").values_list(
            "participant_id", "amount", "netted"
        )
    ]


@transaction.atomic
def payout_mark_paid(payout: Payout) -> Payout:
    """The payout was paid: its rewards become `paid`, and each item's amount moves from the
    participant's approved account to their paid account. A second call is a Conflict (409)."""
    now = clock.now()
    # Conditional update: of two calls at once, exactly one moves the money.
    if (
        Payout.objects.filter(pk=payout.pk, status=Payout.Status.open).update(
            status=Payout.Status.paid, paid_at=now
        )
        != 1
    ):
        raise Conflict("This payout is already marked paid.")
    payout.refresh_from_db()
    program = Program.objects.select_related("workspace").get(pk=payout.program_id)
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
    Reward.objects.filter(payout=payout, status=RewardStatus.approved).update(
        status=RewardStatus.paid, paid_at=now
    )
    return payout


# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_HEADER = [
    "participant_id",
    "name",
    "email",
    "amount",
    "amount_minor",
    "currency",
    "reward_ids",
]


def _cell(value) -> str | int:
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def payout_export_csv(payout: Payout) -> str:
    """One row per participant: who, how much (formatted and in minor units), which rewards.
    Every text cell that a spreadsheet would read as a formula is prefixed with a quote."""
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
                _cell(value)
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
