"""Money: integer minor units plus an ISO 4217 code. Display goes through Babel.

Minor units come from the ISO 4217 table itself (the `iso4217` package), not from CLDR: CLDR
says IDR is shown without decimals, but ISO 4217 (and our contract) count it in sen (2 digits).
"""

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

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
