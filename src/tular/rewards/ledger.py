"""The double-entry ledger: every change of a balance is a transaction of entries that sum to
zero per currency. Balances are sums of entries; entries are never updated or deleted, a
correction is a new transaction."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from tular.core import clock, rows
from tular.rewards.models import Account, LedgerEntry, LedgerTransaction

PARTICIPANT_ACCOUNTS = (Account.pending, Account.approved, Account.paid)


class UnbalancedTransaction(ValueError):
    pass


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int  # signed minor units
    participant_id: object | None = None


def post(
    *,
    workspace,
    program,
    currency: str,
    kind: str,
    legs: list[Leg],
    reward=None,
    payout=None,
    memo: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction (all legs in one currency)."""
    if sum(leg.amount for leg in legs) != 0:
        raise UnbalancedTransaction(f"{kind}: legs sum to {sum(leg.amount for leg in legs)}")
    if any(not isinstance(leg.amount, int) or isinstance(leg.amount, bool) for leg in legs):
        raise UnbalancedTransaction(f"{kind}: amounts must be integers")
    with transaction.atomic():
        record = LedgerTransaction.objects.create(
            workspace=workspace,
            kind=kind,
            reward=reward,
            payout=payout,
            memo=memo,
            created_at=clock.now(),
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                transaction=record,
                workspace=workspace,
                program=program,
                participant_id=leg.participant_id,
                account=leg.account,
                currency=currency,
                amount=leg.amount,
            )
            for leg in legs
            if leg.amount != 0
        )
    return record


def move(
    *,
    workspace,
    program,
    participant_id,
    currency: str,
    amount: int,
    source: Account,
    target: Account,
    kind: str,
    reward=None,
    payout=None,
    memo: str = "",
) -> LedgerTransaction:
    """Move `amount` from one account to another (participant accounts belong to
    `participant_id`; the program's expense account to nobody)."""

    def owner(account):
        return None if account == Account.program_expense else participant_id

    return post(
        workspace=workspace,
        program=program,
        currency=currency,
        kind=kind,
        reward=reward,
        payout=payout,
        memo=memo,
        legs=[
            Leg(source, -amount, owner(source)),
            Leg(target, amount, owner(target)),
        ],
    )


@dataclass(frozen=True)
class Move:
    """One `move` of `move_many`."""

    participant_id: object
    currency: str
    amount: int
    source: Account
    target: Account
    kind: str
    reward: object = None
    memo: str = ""


def move_many(*, workspace, program, moves: list[Move]) -> None:
    """Several `move`s in one program, written with one INSERT for the transactions and one
    for all their entries (a grant's rewards and their approvals). Checked like `post`; the
    rows are written from their values (no model instances: nothing reads them back here)."""
    if not moves:
        return

    def owner(account, move):
        return None if account == Account.program_expense else move.participant_id

    for move in moves:
        if not isinstance(move.amount, int) or isinstance(move.amount, bool):
            raise UnbalancedTransaction(f"{move.kind}: amounts must be integers")
    at = clock.now()
    workspace_id = getattr(workspace, "pk", workspace)
    program_id = getattr(program, "pk", program)
    records = rows.insert(
        LedgerTransaction,
        [
            rows.Values(
                workspace_id=workspace_id,
                kind=move.kind,
                reward_id=getattr(move.reward, "pk", move.reward),
                payout_id=None,
                memo=move.memo,
                created_at=at,
            )
            for move in moves
        ],
        returning_pk=True,
    )
    entries = [
        rows.Values(
            transaction_id=record.id,
            workspace_id=workspace_id,
            program_id=program_id,
            participant_id=owner(account, move),
            account=account,
            currency=move.currency,
            amount=amount,
        )
        for record, move in zip(records, moves, strict=True)
        if move.amount != 0
        for account, amount in ((move.source, -move.amount), (move.target, move.amount))
    ]
    rows.insert(LedgerEntry, entries)


def balances(*, participant) -> list[dict]:
    """`[{"currency", "pending", "approved", "paid"}]` from the participant's entries."""
    return balances_of(participant_ids=[participant.pk]).get(participant.pk, [])


def balances_of(*, participant_ids) -> dict:
    """{participant id: balances as `balances` gives them} for many participants, one query;
    a participant without entries is absent."""
    totals: dict = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(map(str, PARTICIPANT_ACCOUNTS), 0))
    )
    rows = (
        LedgerEntry.objects.filter(
            participant_id__in=participant_ids, account__in=PARTICIPANT_ACCOUNTS
        )
        .values("participant_id", "currency", "account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        totals[row["participant_id"]][row["currency"]][str(row["account"])] = row["total"]
    return {
        participant_id: [
            {"currency": currency, **accounts} for currency, accounts in sorted(held.items())
        ]
        for participant_id, held in totals.items()
    }


def account_balance(*, participant_id, account: Account, currency: str) -> int:
    return (
        LedgerEntry.objects.filter(
            participant_id=participant_id, account=account, currency=currency
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
