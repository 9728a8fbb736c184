"""The five attribution models as pure functions (R14): no database, no clock.

Given the touches of a customer's journey (each with its time and who it belongs to) and the time
of the conversion, a model says what share of the conversion each touch earns. Shares are exact
fractions (`fractions.Fraction`) and sum to exactly 1 whenever a touch is inside the window;
`split_amount` then turns shares into integer minor units that sum exactly to the amount.

The models (docs/attribution.md has the formulas and a worked example):

- ``first_touch``: the earliest touch takes everything;
- ``last_touch``: the latest touch takes everything;
- ``linear``: every touch the same share;
- ``time_decay``: touch *i* weighs ``2 ** (-age_i / half_life)`` (age in days before the
  conversion; Google Analytics' definition, half-life 7 days by default), shares are the weights
  over their sum;
- ``position_based``: 40 % to the first touch, 40 % to the last, the middle 20 % split evenly
  between the touches in between; one touch takes all, two split 50 / 50.

Only touches inside the window count: at or before the conversion and at most ``window_days``
before it. Touches outside it get 0; with no touch inside it every share is 0 (the conversion is
credited to nobody).

Order: touches are put in time order, ties broken by their ``who`` (a string); two touches with
the same time and the same ``who`` are interchangeable. So the order in which touches are passed
never changes who earns what: only times do, and only where the model looks at them (first,
last, position and decay; linear looks at none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from tular.core.money import split_amount  # noqa: F401 - the comparison's and the grant's one split


class Model(StrEnum):
    first_touch = "first_touch"
    last_touch = "last_touch"
    linear = "linear"
    time_decay = "time_decay"
    position_based = "position_based"


MODELS: tuple[Model, ...] = tuple(Model)
DEFAULT_HALF_LIFE_DAYS = 7

# position_based: the first and the last touch take 40 % each, the touches between share 20 %.
ENDS_SHARE = Fraction(2, 5)
MIDDLE_SHARE = Fraction(1, 5)


@dataclass(frozen=True)
class Touch:
    """One touch of a journey: when, and who it credits (e.g. ``participant:<uuid>``,
    ``campaign:ramadan``, ``direct``)."""

    at: datetime
    who: str


def in_window(touch: Touch, *, converted_at: datetime, window_days: int) -> bool:
    """At or before the conversion, and at most `window_days` before it."""
    return touch.at <= converted_at and converted_at - touch.at <= timedelta(days=window_days)


def age_days(touch: Touch, converted_at: datetime) -> Fraction:
    """The touch's age at the conversion in days, exactly (to the microsecond)."""
    delta = converted_at - touch.at
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Fraction(micros, 86_400 * 1_000_000)


def _ordered_shares(
    model: Model, ages: Sequence[Fraction], *, half_life_days: int
) -> list[Fraction]:
    """Shares of touches already in time order (oldest first), given their ages in days."""
    n = len(ages)
    if n == 0:
        return []
    if model == Model.first_touch:
        return [Fraction(1)] + [Fraction(0)] * (n - 1)
    if model == Model.last_touch:
        return [Fraction(0)] * (n - 1) + [Fraction(1)]
    if model == Model.linear:
        return [Fraction(1, n)] * n
    if model == Model.position_based:
        if n == 1:
            return [Fraction(1)]
        if n == 2:
            return [Fraction(1, 2), Fraction(1, 2)]
        middle = MIDDLE_SHARE / (n - 2)
        return [ENDS_SHARE] + [middle] * (n - 2) + [ENDS_SHARE]
    if model == Model.time_decay:
        # 2 ** (-age / half_life) is irrational in general: the weights are floats, made exact
        # fractions before dividing, so the shares still sum to exactly 1. Equal ages give
        # bit-identical weights, hence equal shares.
        weights = [Fraction(2.0 ** (-float(age) / half_life_days)) for age in ages]
        total = sum(weights, Fraction(0))
        return [weight / total for weight in weights]
    raise ValueError(f"unknown attribution model {model!r}")


def credit(
    model: Model | str,
    touches: Sequence[Touch],
    *,
    converted_at: datetime,
    window_days: int,
    half_life_days: int = DEFAULT_HALF_LIFE_DAYS,
) -> list[Fraction]:
    """Each touch's share of the conversion, in the order the touches were given.

    Touches outside the window get 0. The shares of the touches inside it sum to exactly 1 (all
    0 when none is inside). `half_life_days` matters only to time_decay."""
    model = Model(model)
    if window_days < 0:
        raise ValueError("window_days must not be negative")
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    inside = [
        index
        for index, touch in enumerate(touches)
        if in_window(touch, converted_at=converted_at, window_days=window_days)
    ]
    inside.sort(key=lambda index: (touches[index].at, touches[index].who))
    ages = [age_days(touches[index], converted_at) for index in inside]
    shares = [Fraction(0)] * len(touches)
    for index, share in zip(
        inside, _ordered_shares(model, ages, half_life_days=half_life_days), strict=True
    ):
        shares[index] = share
    return shares
