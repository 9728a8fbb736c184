"""Payouts gather approved monetary rewards per participant, export them for the bank and move
the money to paid."""

import csv
import io

import pytest

from tests.rewards.books import (
    assert_books_agree,
    balance,
    make_participant,
    make_program,
    make_referral,
    make_refund,
    make_sale,
)
from tular.core.errors import Conflict, Invalid
from tular.rewards.models import LedgerTransaction, Payout, Reward
from tular.rewards.payouts import (
    payout_create,
    payout_export_csv,
    payout_items,
    payout_mark_paid,
    payout_total,
)
from tular.rewards.services import reward_approve, rewards_release_due


def _payout(program, currency="IDR") -> Payout:
    return payout_create(workspace=program.workspace, program=program, currency=currency)


def test_a_payout_gathers_approved_monetary_rewards_per_participant_and_currency(
    books_program, andi, budi, frozen_clock
):
    # given Andi: two approved IDR rewards and one pending; Budi: one approved IDR, one USD
    referral_a = make_referral(books_program, andi)
    make_sale(referral_a, 750000000)
    make_sale(referral_a, 400000000)
    referral_b = make_referral(books_program, budi)
    make_sale(referral_b, 80000, currency="USD")  # $800.00 → $100.00
    make_sale(referral_b, 200000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    make_sale(referral_a, 750000000)  # still on hold

    # when
    payout = _payout(books_program)

    # then
    assert payout_items(payout) == sorted(
        [
            {
                "participant_id": andi.pk,
                "amount": 93750000 + 50000000,
                "netted": 0,
                "reversed_after_send": 0,
            },
            {"participant_id": budi.pk, "amount": 25000000, "netted": 0, "reversed_after_send": 0},
        ],
        key=lambda item: item["participant_id"],
    )
    assert payout_total(payout) == 168750000
    assert Reward.objects.filter(payout=payout).count() == 3
    assert not Reward.objects.filter(payout=payout, currency="USD").exists()
    usd = _payout(books_program, "USD")
    assert payout_items(usd) == [
        {"participant_id": budi.pk, "amount": 10000, "netted": 0, "reversed_after_send": 0}
    ]
    assert_books_agree(books_program)


def test_a_reward_is_never_gathered_twice(books_program, andi, frozen_clock):
    make_sale(make_referral(books_program, andi), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    first = _payout(books_program)
    with pytest.raises(Invalid, match="nothing to pay"):
        _payout(books_program)
    assert payout_total(first) == 93750000
    assert Payout.objects.count() == 1


def test_a_payout_with_nothing_approved_is_refused_and_not_made(books_program, andi):
    make_sale(make_referral(books_program, andi), 750000000)  # pending
    with pytest.raises(Invalid) as refused:
        _payout(books_program)
    assert refused.value.detail == "nothing to pay: no approved rewards in IDR in program hadiah"
    assert not Payout.objects.exists()
    assert not Reward.objects.filter(payout__isnull=False).exists()
    assert not LedgerTransaction.objects.filter(kind="paid").exists()


def test_a_participant_whose_debt_exceeds_their_rewards_gets_nothing_until_later(
    books_program, andi, frozen_clock
):
    # given Andi was paid Rp937.500, then the sale was refunded in full (debt Rp937.500)
    referral = make_referral(books_program, andi)
    sale, _ = make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout_mark_paid(payout=_payout(books_program))
    make_refund(sale, 750000000)
    # and a new reward of Rp500.000 is approved
    make_sale(referral, 400000000)
    frozen_clock.advance(days=14)
    rewards_release_due()

    # when a payout is made, Andi's debt eats it all: refused, the new reward stays for later
    with pytest.raises(Invalid, match="offset by debts"):
        _payout(books_program)
    assert Payout.objects.filter(status="draft").count() == 0
    later = Reward.objects.get(payout__isnull=True, status="approved")
    assert later.amount == 50000000
    assert balance(andi)["approved"] == 50000000 - 93750000
    assert_books_agree(books_program)

    # and once enough is earned, the debt is paid off first
    make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout = _payout(books_program)
    assert payout_items(payout) == [
        {
            "participant_id": andi.pk,
            "amount": 50000000,
            "netted": -93750000,
            "reversed_after_send": 0,
        }
    ]
    assert Reward.objects.filter(payout=payout).count() == 2
    payout_mark_paid(payout=payout)
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000 + 50000000}
    assert_books_agree(books_program)


def test_mark_paid_moves_each_item_to_paid_and_marks_the_rewards_paid(
    books_program, andi, budi, frozen_clock
):
    make_sale(make_referral(books_program, andi), 750000000)
    make_sale(make_referral(books_program, budi), 1000000000)  # needs review
    frozen_clock.advance(days=14)
    rewards_release_due()
    reward_approve(reward=Reward.objects.get(participant=budi, status="needs_review"))
    payout = _payout(books_program)
    frozen_clock.advance(days=2)

    payout_mark_paid(payout=payout)

    payout.refresh_from_db()
    assert (payout.status, payout.paid_at) == ("paid", frozen_clock.now)
    assert set(Reward.objects.filter(payout=payout).values_list("status", "paid_at")) == {
        ("paid", frozen_clock.now)
    }
    assert balance(andi) == {"pending": 0, "approved": 0, "paid": 93750000}
    assert balance(budi) == {"pending": 0, "approved": 0, "paid": 125000000}
    assert LedgerTransaction.objects.filter(kind="paid", payout=payout).count() == 2
    assert_books_agree(books_program)


def test_marking_a_payout_paid_twice_is_a_conflict(books_program, andi, frozen_clock):
    make_sale(make_referral(books_program, andi), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout = _payout(books_program)
    payout_mark_paid(payout=payout)
    with pytest.raises(Conflict):
        payout_mark_paid(payout=payout)
    assert balance(andi)["paid"] == 93750000
    assert_books_agree(books_program)


def test_a_payout_refuses_a_currency_that_is_not_iso_4217(books_program):
    with pytest.raises(Invalid):
        _payout(books_program, "XYZ")


def test_other_programs_rewards_stay_out(books_program, andi, frozen_clock):
    other = make_program(books_program.workspace, slug="lain")
    make_sale(make_referral(other, make_participant(other, "Dewi")), 750000000)
    make_sale(make_referral(books_program, andi), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout = _payout(books_program)
    assert [item["participant_id"] for item in payout_items(payout)] == [andi.pk]


# ------------------------------------------------------------------------------------ export


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_export_has_one_row_per_participant_with_formatted_and_minor_amounts(
    books_program, andi, frozen_clock
):
    referral = make_referral(books_program, andi)
    make_sale(referral, 750000000)
    make_sale(referral, 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    payout = _payout(books_program)

    header, *rows = _rows(payout_export_csv(payout))

    assert header == [
        "participant_id",
        "name",
        "email",
        "amount",
        "amount_minor",
        "currency",
        "reward_ids",
    ]
    reward_ids = sorted(
        str(pk) for pk in Reward.objects.filter(payout=payout).values_list("pk", flat=True)
    )
    assert rows == [
        [
            str(andi.pk),
            "Andi",
            andi.email,
            "Rp1.875.000",
            "187500000",
            "IDR",
            " ".join(reward_ids),
        ]
    ]


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","klik")',
        "+62 812 3456",
        "-1+1",
        "@SUM(A1:A2)",
        "\tTab",
        "\rCarriage",
    ],
)
def test_the_export_defuses_spreadsheet_formulas(books_program, frozen_clock, name):
    participant = make_participant(books_program, "x", email="formula@example.com")
    participant.name = name
    participant.save(update_fields=["name"])
    make_sale(make_referral(books_program, participant), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()

    _, row = _rows(payout_export_csv(_payout(books_program)))

    assert row[1] == "'" + name
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_the_export_leaves_ordinary_text_alone(books_program, frozen_clock):
    participant = make_participant(books_program, 'Siti, "Ibu" Rahayu', email="siti@example.com")
    make_sale(make_referral(books_program, participant), 750000000)
    frozen_clock.advance(days=14)
    rewards_release_due()
    _, row = _rows(payout_export_csv(_payout(books_program)))
    assert row[1] == 'Siti, "Ibu" Rahayu'
