"""Money: integer minor units plus an ISO 4217 code. Display goes through Babel.

Minor units come from the ISO 4217 table itself (the `iso4217` package), not from CLDR: CLDR
says IDR is shown without decimals, but ISO 4217 (and our contract) count it in sen (2 digits).
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import iso4217
from babel.numbers import format_currency

# Funds, precious metals and testing codes have no minor unit (exponent None): not money a
# referral program pays in.
_EXPONENTS: dict[str, int] = {
    currency.code: currency.exponent
    for currency in iso4217.Currency
    if currency.exponent is not None
}


def is_currency(code: str) -> bool:
    return code in _EXPONENTS


def minor_units(code: str) -> int:
    """Digits after the decimal point in ISO 4217 (IDR: 2, JPY: 0)."""
    return _EXPONENTS[code]


def format_money(amount_minor: int, currency: str, locale: str = "id") -> str:
    """`format_money(750000000, "IDR")` → 'Rp7.500.000'; whole amounts drop zero decimals."""
    value = Decimal(amount_minor).scaleb(-minor_units(currency))
    whole = value == value.to_integral_value()
    text = format_currency(
        value.quantize(Decimal(1)) if whole else value,
        currency,
        locale=locale,
        currency_digits=False,
        format="¤#,##0" if whole else "¤#,##0.00",
    )
    return text.replace("\xa0", "")


def round_for_display(amount_minor: int, currency: str) -> int:
    """An amount rounded half-even to the digits people read the currency in (CLDR's: IDR
    whole rupiah, USD cents), still in ISO minor units: an average shown on a card reads
    Rp1.807.367, not Rp1.807.366,67. Never for amounts that are paid or booked."""
    from babel.numbers import get_currency_precision

    drop = max(0, minor_units(currency) - get_currency_precision(currency))
    if drop == 0:
        return int(amount_minor)
    step = 10**drop
    return share_half_even(int(amount_minor), 1, step) * step


def share_half_even(amount: int, numerator, denominator=1) -> int:
    """amount * numerator / denominator in minor units, rounded half-even once, exactly
    (numerator may be a Decimal such as a percentage / 100). The one rounding of money."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(amount) * Decimal(numerator) / Decimal(denominator)
        return int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))


def split_amount(amount: int, shares: Sequence[Fraction]) -> list[int]:
    """`amount` (integer minor units) split by `shares` so that the parts sum to exactly the
    amount when the shares sum to 1 (largest remainder, Hamilton's method).

    Each part is first rounded towards zero; the minor units left over go one each to the parts
    with the largest remainders. Ties between equal remainders go to the earlier part in the
    order given (for `tracking.credit.credit`'s output that is the order the touches were passed;
    callers that want a stable order pass them in time order, as the comparison and the grant
    do). A negative amount is split as its absolute value and negated, so a refund mirrors its
    sale. Parts with share 0 stay 0."""
    if not isinstance(amount, int):
        raise TypeError("amount is an integer number of minor units")
    if any(share < 0 for share in shares):
        raise ValueError("shares must not be negative")
    total = sum(shares, Fraction(0))
    if not shares or total == 0:
        return [0] * len(shares)
    if total != 1:
        raise ValueError("shares must sum to 1 (or all be 0)")
    sign = -1 if amount < 0 else 1
    magnitude = abs(amount)
    parts = []
    remainders = []
    for share in shares:
        whole, rest = divmod(magnitude * share.numerator, share.denominator)
        parts.append(whole)  # floor: nothing is negative
        remainders.append(Fraction(rest, share.denominator) if rest else 0)
    left = magnitude - sum(parts)
    if left:
        by_remainder = sorted(range(len(shares)), key=lambda index: (-remainders[index], index))
        for index in by_remainder[:left]:
            parts[index] += 1
    return [sign * part for part in parts]
