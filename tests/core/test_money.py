"""core.money: display rounding."""

import pytest

from tular.core.money import format_money, round_for_display


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (180736667, "IDR", 180736700),  # an average: whole rupiah on a card
        (180736650, "IDR", 180736600),  # half-even, as every rounding of money here
        (-180736651, "IDR", -180736700),
        (12345, "USD", 12345),  # cents are read: unchanged
        (5, "JPY", 5),
    ],
)
def test_amounts_round_to_the_digits_the_currency_is_read_in(amount, currency, shown):
    assert round_for_display(amount, currency) == shown
    assert format_money(round_for_display(180736667, "IDR"), "IDR") == "Rp1.807.367"
