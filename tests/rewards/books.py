"""Building rewards straight through the ORM and the rewards services (not the track/* API), and
checking that the books agree with the rewards.

Worked in IDR (2 minor units: Rp7.500.000 = 750000000) unless a test says otherwise.
"""

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from fractions import Fraction

from django.db.models import Sum

from tular.core import clock
from tular.participants.services import participant_enrol
from tular.programs.models import Program
from tular.programs.rules import Trigger
from tular.referrals.models import Conversion, ConversionKind, Referral, TrackedEvent
from tular.rewards.engine import Occurrence
from tular.rewards.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutItem,
    Reward,
    RewardStatus,
)
from tular.rewards.reversals import reverse_for_cancel, reverse_for_refund
from tular.rewards.services import rewards_grant

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)

RULES = [
    {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "12.5",
     "duration_months": 120},
    {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000},
    {"trigger": "qualified", "recipient": "referrer", "kind": "perk", "perk": "Akses beta"},
]  # fmt: skip


def make_program(workspace, *, slug="hadiah", **fields) -> Program:
    values = {
        "name": "Hadiah Teman",
        "kind": "customer",
        "currency": "IDR",
        "destination_url": "https://toko.example/daftar",
        "attribution": {"model": "last_touch", "window_days": 30},
        "hold_days": 14,
        "auto_approve_below": 100000000,  # Rp1.000.000
        "clawback_days": 30,
        "rules": RULES,
    }
    values.update(fields)
    return Program.objects.create(workspace=workspace, slug=slug, **values)


def make_participant(program, name="Andi", email=None):
    email = email or f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.com"
    return participant_enrol(program=program, email=email, name=name)[0]


def make_referral(program, referrer, *, friend=None, customer=None) -> Referral:
    """A tracked sign-up; the friend's signup reward (if there is a friend) is granted."""
    referral = Referral.objects.create(
        workspace=program.workspace,
        program=program,
        participant=referrer,
        friend=friend,
        customer_external_id=customer or f"cust_{uuid.uuid4().hex[:10]}",
        status="active",
        created_at=clock.now(),
    )
    rewards_grant(
        referral=referral,
        occurrence=Occurrence(
            trigger=Trigger.signup,
            occurred_at=clock.now(),
            currency=program.currency,
            program_currency=program.currency,
        ),
    )
    return referral


def _event(program, kind) -> TrackedEvent:
    return TrackedEvent.objects.create(
        workspace=program.workspace, event_id=f"evt_{uuid.uuid4().hex}", kind=kind
    )


def make_sale(referral, amount: int, currency: str = "IDR") -> tuple[Conversion, list[Reward]]:
    program = referral.program
    sale = Conversion.objects.create(
        workspace=program.workspace,
        program=program,
        referral=referral,
        kind=ConversionKind.sale,
        invoice_id=f"inv_{uuid.uuid4().hex[:10]}",
        amount=amount,
        currency=currency,
        event=_event(program, "sale"),
        occurred_at=clock.now(),
    )
    rewards = rewards_grant(
        referral=referral,
        conversion=sale,
        occurrence=Occurrence(
            trigger=Trigger.sale,
            occurred_at=clock.now(),
            currency=currency,
            program_currency=program.currency,
            sale_amount=amount,
        ),
    )
    return sale, rewards


def make_refund(sale: Conversion, amount: int) -> tuple[Conversion, list[dict]]:
    refund = Conversion.objects.create(
        workspace_id=sale.workspace_id,
        program_id=sale.program_id,
        referral_id=sale.referral_id,
        kind=ConversionKind.refund,
        invoice_id=sale.invoice_id,
        amount=amount,
        currency=sale.currency,
        sale=sale,
        event=_event(sale.program, "refund"),
        occurred_at=clock.now(),
    )
    refunded = sum(sale.refunds.values_list("amount", flat=True))
    return refund, reverse_for_refund(
        program=sale.program,
        sale_id=sale.pk,
        sale_amount=sale.amount,
        refunded_total=min(refunded, sale.amount),
        memo=f"refund {refund.pk}",
    )


def cancel(referral: Referral) -> list[dict]:
    referral.cancelled_at = clock.now()
    referral.save(update_fields=["cancelled_at"])
    return reverse_for_cancel(
        program=referral.program,
        referral_id=referral.pk,
        at=referral.cancelled_at,
        clawback_days=referral.program.clawback_days,
    )


def balance(participant, currency="IDR") -> dict:
    totals = dict.fromkeys(("pending", "approved", "paid"), 0)
    rows = (
        LedgerEntry.objects.filter(participant=participant, currency=currency)
        .values("account")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        totals[row["account"]] = row["total"]
    return totals


def net(reward: Reward) -> int:
    return reward.amount - reward.reversed_amount


# ----------------------------------------------------------------------------- the invariants


def assert_ledger_balances() -> None:
    """Every transaction's entries sum to zero per currency, and so does the whole ledger: money
    is moved, never created or destroyed."""
    unbalanced = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not list(unbalanced)
    overall = LedgerEntry.objects.values("currency").annotate(total=Sum("amount")).exclude(total=0)
    assert not list(overall)
    # An empty transaction would be a status change with no money: none are written.
    assert not LedgerTransaction.objects.filter(entries__isnull=True).exists()


OUTSTANDING = (Payout.Status.draft, Payout.Status.sent)


def assert_books_agree(program) -> None:
    """The ledger says what the rewards say, for every participant and currency of `program`.

    - pending balance = Σ (amount - reversed_amount) of pending and needs_review rewards;
    - approved + paid balances = Σ (amount - reversed_amount) of approved and paid rewards
      (rejected and reversed rewards hold nothing: what was left went back to the program);
    - paid balance = Σ items of the participant's paid payouts;
    - what is approved but neither promised by an outstanding (draft or sent) payout nor held by
      an unclaimed approved reward is zero or a debt (≤ 0), never money no reward accounts for;
    - the program's expense account is exactly minus what participants hold;
    - 0 ≤ reversed_amount ≤ amount, and a `reversed` reward is reversed in full;
    - a draft or sent payout holds approved rewards only, a paid one paid rewards only, a failed
      one none; every paid reward is in a paid payout; payout items are positive;
    - a draft's item never pays more than its rewards are worth now, and nothing was reversed
      after it was sent; every participant with rewards in a payout has an item in it.
    """
    assert_ledger_balances()
    rewards = list(Reward.objects.filter(program=program, amount__isnull=False))
    payout_status = dict(Payout.objects.filter(program=program).values_list("pk", "status"))
    expected: dict = defaultdict(lambda: {"pending": 0, "approved+paid": 0, "unclaimed": 0})
    claimed: dict = defaultdict(int)  # (payout, participant) → net of its rewards in it
    for reward in rewards:
        assert 0 <= reward.reversed_amount <= reward.amount, reward
        if reward.status == RewardStatus.reversed:
            assert reward.reversed_amount == reward.amount, reward
            assert reward.payout_id is None
        key = (reward.participant_id, reward.currency)
        if reward.status in (RewardStatus.pending, RewardStatus.needs_review):
            expected[key]["pending"] += net(reward)
            assert reward.payout_id is None
        elif reward.status in (RewardStatus.approved, RewardStatus.paid):
            expected[key]["approved+paid"] += net(reward)
            if reward.payout_id is None:
                assert reward.status == RewardStatus.approved, reward
                expected[key]["unclaimed"] += net(reward)
            else:
                allowed = {"approved": OUTSTANDING, "paid": ("paid",)}[reward.status]
                assert payout_status[reward.payout_id] in allowed, reward
                claimed[(reward.payout_id, reward.participant_id)] += net(reward)
        else:
            assert reward.payout_id is None

    paid_items: dict = defaultdict(int)
    open_items: dict = defaultdict(int)
    with_item = set()
    for item in PayoutItem.objects.filter(payout__program=program).select_related("payout"):
        assert item.amount > 0
        assert item.netted <= 0
        assert item.reversed_after_send >= 0
        status = item.payout.status
        if status == Payout.Status.draft:
            assert item.reversed_after_send == 0, item
            assert item.amount <= claimed[(item.payout_id, item.participant_id)], item
        if status == Payout.Status.paid:
            paid_items[(item.participant_id, item.payout.currency)] += item.amount
        elif status in OUTSTANDING:
            open_items[(item.participant_id, item.payout.currency)] += item.amount
        with_item.add((item.payout_id, item.participant_id))
    assert set(claimed) <= with_item, set(claimed) - with_item

    held = defaultdict(int)
    rows = (
        LedgerEntry.objects.filter(program=program, participant__isnull=False)
        .values("participant_id", "currency", "account")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        held[(row["participant_id"], row["currency"], row["account"])] = row["total"]
    keys = set(expected) | {(p, c) for p, c, _ in held} | set(paid_items) | set(open_items)
    for key in keys:
        pending = held[(*key, Account.pending)]
        approved = held[(*key, Account.approved)]
        paid = held[(*key, Account.paid)]
        assert pending == expected[key]["pending"], (key, pending, expected[key])
        assert approved + paid == expected[key]["approved+paid"], (key, approved, paid)
        assert paid == paid_items[key], (key, paid, paid_items[key])
        assert approved - open_items[key] - expected[key]["unclaimed"] <= 0, key

    for currency in {reward.currency for reward in rewards}:
        expense = (
            LedgerEntry.objects.filter(
                program=program, account=Account.program_expense, currency=currency
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
        held_total = sum(value for (_, cur, _), value in held.items() if cur == currency)
        assert expense == -held_total


def payable(program, currency) -> dict:
    """Per participant: approved balance - items of draft and sent payouts - unreversed amounts of
    approved rewards in no payout. Zero right after a payout that gave them an item (their debt
    was paid off by it); negative while they owe."""
    result: dict = defaultdict(int)
    for row in (
        LedgerEntry.objects.filter(program=program, account=Account.approved, currency=currency)
        .values("participant_id")
        .annotate(total=Sum("amount"))
    ):
        result[row["participant_id"]] += row["total"]
    for item in PayoutItem.objects.filter(
        payout__program=program, payout__currency=currency, payout__status__in=OUTSTANDING
    ):
        result[item.participant_id] -= item.amount
    for reward in Reward.objects.filter(
        program=program,
        currency=currency,
        status=RewardStatus.approved,
        payout__isnull=True,
        amount__isnull=False,
    ):
        result[reward.participant_id] -= net(reward)
    return result


def unclaimed(program, currency) -> dict:
    result: dict = defaultdict(int)
    for reward in Reward.objects.filter(
        program=program,
        currency=currency,
        status=RewardStatus.approved,
        payout__isnull=True,
        amount__isnull=False,
    ):
        result[reward.participant_id] += net(reward)
    return result


def refunded_per_sale(program) -> dict:
    return dict(
        Conversion.objects.filter(program=program, kind=ConversionKind.refund)
        .values("sale_id")
        .annotate(total=Sum("amount"))
        .values_list("sale_id", "total")
    )


def expected_refund_reversal(reward: Reward, refunded: int | None = None) -> int:
    """What refunds alone should have reversed of a sale reward so far."""
    sale = reward.conversion
    if refunded is None:
        refunded = refunded_per_sale(reward.program).get(sale.pk, 0)
    return half_even(Fraction(reward.amount) * min(refunded, sale.amount) / sale.amount)


def half_even(exact: Fraction) -> int:
    """The oracle's own rounding (independent of the code under test): to the nearest integer,
    a tie to the even one."""
    floor = exact.numerator // exact.denominator
    rest = exact - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        return floor + 1
    return floor
