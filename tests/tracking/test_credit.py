"""The five attribution models (tular.tracking.credit): pure, so plain values and hypothesis."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tular.tracking.credit import MODELS, Model, Touch, credit, split_amount

SALE_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WHO = st.sampled_from(["participant:a", "participant:b", "campaign:ramadan", "direct"])


def touches_before(*days: float, who: str | None = None) -> list[Touch]:
    return [
        Touch(at=SALE_AT - timedelta(days=day), who=who or f"participant:{index}")
        for index, day in enumerate(days)
    ]


# ---- the worked example of issue 13 ---------------------------------------------------------


FOUR = touches_before(14, 7, 3, 0)


def test_worked_example_linear():
    """Rp1.000.000 over touches 14, 7, 3 and 0 days before the sale: Rp250.000 each. IDR has 2
    minor units in Tular (api-v1: Rp7.500.000 is 750000000), so Rp1.000.000 is 100,000,000
    minor units and Rp250.000 is 25,000,000."""
    shares = credit(Model.linear, FOUR, converted_at=SALE_AT, window_days=30)
    assert shares == [Fraction(1, 4)] * 4
    assert split_amount(100_000_000, shares) == [25_000_000] * 4


def test_worked_example_position_based():
    """Rp400.000 / Rp100.000 / Rp100.000 / Rp400.000, in minor units (IDR: 2)."""
    shares = credit(Model.position_based, FOUR, converted_at=SALE_AT, window_days=30)
    assert shares == [Fraction(2, 5), Fraction(1, 10), Fraction(1, 10), Fraction(2, 5)]
    assert split_amount(100_000_000, shares) == [40_000_000, 10_000_000, 10_000_000, 40_000_000]


def test_worked_example_time_decay():
    """The issue's ≈ Rp100.281 / 200.562 / 298.034 / 401.123 follow Google's definition exactly:
    weight 2^(-age / 7) with a half-life of 7 days over ages 14, 7, 3 and 0 days, i.e. weights
    0.25, 0.5, 0.74300 and 1 (sum 2.49300), shares 10.028 %, 20.056 %, 29.803 %, 40.112 %.

    The issue's figures are whole rupiah: splitting 1,000,000 rupiah by largest remainder gives
    them exactly (floors 100,280 / 200,561 / 298,033 / 401,123 leave 3 rupiah, which go to the
    remainders .901, .802 and .692). Tular keeps IDR in minor units (2 digits): the same sale is
    100,000,000 minor units and splits into 10,028,090 / 20,056,180 / 29,803,369 / 40,112,361
    (the one minor unit left goes to the largest remainder, .424 of the last touch)."""
    shares = credit(Model.time_decay, FOUR, converted_at=SALE_AT, window_days=30)
    assert [round(float(share), 5) for share in shares] == [0.10028, 0.20056, 0.29803, 0.40112]
    assert split_amount(1_000_000, shares) == [100_281, 200_562, 298_034, 401_123]
    assert split_amount(100_000_000, shares) == [10_028_090, 20_056_180, 29_803_369, 40_112_361]


def test_worked_example_first_and_last_touch():
    first = credit(Model.first_touch, FOUR, converted_at=SALE_AT, window_days=30)
    last = credit(Model.last_touch, FOUR, converted_at=SALE_AT, window_days=30)
    assert split_amount(100_000_000, first) == [100_000_000, 0, 0, 0]
    assert split_amount(100_000_000, last) == [0, 0, 0, 100_000_000]


# ---- the models' own rules ------------------------------------------------------------------


def test_position_based_two_touches_split_half():
    two = touches_before(10, 1)
    assert credit(Model.position_based, two, converted_at=SALE_AT, window_days=30) == [
        Fraction(1, 2),
        Fraction(1, 2),
    ]


def test_time_decay_half_life_is_a_setting():
    """A touch one half-life older weighs half: with half-life 1 day, ages 1 and 0 → 1/3, 2/3."""
    two = touches_before(1, 0)
    assert credit(
        Model.time_decay, two, converted_at=SALE_AT, window_days=30, half_life_days=1
    ) == [Fraction(1, 3), Fraction(2, 3)]
    default = credit(Model.time_decay, two, converted_at=SALE_AT, window_days=30)
    assert default[0] > Fraction(1, 3)


def test_window_excludes_old_and_future_touches():
    """31 days before a 30-day window's conversion and 1 hour after it: no credit."""
    journey = touches_before(31, 5, -1 / 24)
    for model in MODELS:
        shares = credit(model, journey, converted_at=SALE_AT, window_days=30)
        assert shares == [0, 1, 0], model
    edge = touches_before(30)
    assert credit(Model.linear, edge, converted_at=SALE_AT, window_days=30) == [1]


def test_no_touch_in_window_credits_nobody():
    journey = touches_before(40)
    for model in MODELS:
        assert credit(model, journey, converted_at=SALE_AT, window_days=30) == [0]
        assert split_amount(
            1_000, credit(model, journey, converted_at=SALE_AT, window_days=30)
        ) == [0]
    assert credit(Model.linear, [], converted_at=SALE_AT, window_days=30) == []


def test_unknown_model_and_bad_settings_are_refused():
    with pytest.raises(ValueError):
        credit("u_shaped", FOUR, converted_at=SALE_AT, window_days=30)
    with pytest.raises(ValueError):
        credit(Model.time_decay, FOUR, converted_at=SALE_AT, window_days=30, half_life_days=0)
    with pytest.raises(ValueError):
        split_amount(100, [Fraction(1, 2), Fraction(1, 3)])


def test_split_ties_go_to_the_earlier_part():
    """10 over three equal shares: 3 each and the one left over to the first part."""
    assert split_amount(10, [Fraction(1, 3)] * 3) == [4, 3, 3]
    assert split_amount(-10, [Fraction(1, 3)] * 3) == [-4, -3, -3]
    assert split_amount(2, [Fraction(1, 3)] * 3) == [1, 1, 0]


# ---- properties -----------------------------------------------------------------------------

journeys = st.lists(
    st.tuples(st.integers(min_value=0, max_value=60 * 86_400), WHO), min_size=1, max_size=12
).map(lambda items: [Touch(at=SALE_AT - timedelta(seconds=s), who=who) for s, who in items])
models = st.sampled_from(MODELS)
windows = st.integers(min_value=1, max_value=90)
half_lives = st.integers(min_value=1, max_value=60)
# Exact fractions are quick, but a machine shared by several test runs is not: no per-example
# deadline (a slow example is not a wrong one).
NO_DEADLINE = settings(deadline=None)


@NO_DEADLINE
@given(journey=journeys, model=models, window=windows, half_life=half_lives)
def test_credits_sum_to_one_inside_the_window(journey, model, window, half_life):
    shares = credit(
        model, journey, converted_at=SALE_AT, window_days=window, half_life_days=half_life
    )
    inside = [
        touch.at <= SALE_AT and SALE_AT - touch.at <= timedelta(days=window) for touch in journey
    ]
    assert all(share >= 0 for share in shares)
    assert all(share == 0 for share, kept in zip(shares, inside, strict=True) if not kept)
    assert sum(shares) == (1 if any(inside) else 0)


@NO_DEADLINE
@given(
    journey=journeys,
    model=models,
    amount=st.integers(min_value=-(10**15), max_value=10**15),
    half_life=half_lives,
)
def test_amounts_sum_exactly(journey, model, amount, half_life):
    shares = credit(model, journey, converted_at=SALE_AT, window_days=90, half_life_days=half_life)
    parts = split_amount(amount, shares)
    assert sum(parts) == amount
    for part, share in zip(parts, shares, strict=True):
        assert abs(part - amount * share) < 1  # never more than one minor unit off its share
        if share == 0:
            assert part == 0


@NO_DEADLINE
@given(at=st.integers(min_value=0, max_value=30 * 86_400), who=WHO, model=models)
def test_a_single_touch_takes_all(at, who, model):
    touch = Touch(at=SALE_AT - timedelta(seconds=at), who=who)
    shares = credit(model, [touch], converted_at=SALE_AT, window_days=30)
    assert shares == [1]
    assert split_amount(123_457, shares) == [123_457]


def by_who(journey, shares):
    totals: dict[str, Fraction] = {}
    for touch, share in zip(journey, shares, strict=True):
        totals[touch.who] = totals.get(touch.who, Fraction(0)) + share
    return totals


@NO_DEADLINE
@given(journey=journeys, model=models, data=st.data())
def test_the_order_touches_are_passed_in_never_matters(journey, model, data):
    """Who earns what depends on the touches' times, not on the list's order."""
    shuffled = data.draw(st.permutations(journey))
    kwargs = {"converted_at": SALE_AT, "window_days": 90}
    assert by_who(journey, credit(model, journey, **kwargs)) == by_who(
        shuffled, credit(model, shuffled, **kwargs)
    )


@NO_DEADLINE
@given(journey=journeys, data=st.data())
def test_linear_ignores_time_the_others_do_not(journey, data):
    """Moving touches in time (keeping them in the window) never changes linear; first_touch
    follows the earliest touch, last_touch the latest."""
    moved = [
        Touch(at=SALE_AT - timedelta(seconds=data.draw(st.integers(0, 60 * 86_400))), who=t.who)
        for t in journey
    ]
    kwargs = {"converted_at": SALE_AT, "window_days": 90}
    assert by_who(journey, credit(Model.linear, journey, **kwargs)) == by_who(
        moved, credit(Model.linear, moved, **kwargs)
    )
    first = credit(Model.first_touch, moved, **kwargs)
    earliest = min(moved, key=lambda t: (t.at, t.who))
    assert by_who(moved, first)[earliest.who] == 1
    last = credit(Model.last_touch, moved, **kwargs)
    latest = max(moved, key=lambda t: (t.at, t.who))
    assert by_who(moved, last)[latest.who] == 1


@NO_DEADLINE
@given(n=st.integers(min_value=3, max_value=12))
def test_position_based_ends_and_middle(n):
    journey = touches_before(*range(n, 0, -1))
    shares = credit(Model.position_based, journey, converted_at=SALE_AT, window_days=30)
    assert shares[0] == shares[-1] == Fraction(2, 5)
    assert set(shares[1:-1]) == {Fraction(1, 5) / (n - 2)}


@NO_DEADLINE
@given(journey=journeys, half_life=half_lives)
def test_time_decay_newer_touches_never_earn_less(journey, half_life):
    shares = credit(
        Model.time_decay, journey, converted_at=SALE_AT, window_days=90, half_life_days=half_life
    )
    pairs = sorted(zip(journey, shares, strict=True), key=lambda pair: pair[0].at)
    for (older, older_share), (newer, newer_share) in pairwise(pairs):
        if older.at < newer.at:
            assert older_share <= newer_share
        else:
            assert older_share == newer_share
