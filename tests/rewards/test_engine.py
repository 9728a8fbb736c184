"""The reward rule engine: worked in IDR (2 minor units: Rp7.500.000 = 750000000)."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tular.programs.rules import CapPeriod, Recipient, RewardKind, Rule, Trigger
from tular.rewards.engine import (
    Occurrence,
    RewardDraft,
    add_months,
    cap_period_bounds,
    evaluate,
    percent_of,
)

NOW = datetime(2026, 5, 17, 10, 30, tzinfo=UTC)


def rule(**fields) -> Rule:
    return Rule.model_validate(fields)


def sale(amount=750000000, currency="IDR", **fields) -> Occurrence:
    return Occurrence(
        trigger=Trigger.sale,
        occurred_at=fields.pop("occurred_at", NOW),
        currency=currency,
        program_currency="IDR",
        sale_amount=amount,
        **fields,
    )


def event(trigger: Trigger, **fields) -> Occurrence:
    return Occurrence(
        trigger=trigger, occurred_at=NOW, currency="IDR", program_currency="IDR", **fields
    )


def run(rules, occurrence, earned=None) -> list[RewardDraft]:
    return evaluate(rules=rules, occurrence=occurrence, earned_in_cap_period=earned or {})


PERCENT_20 = {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "20"}


# --- percent_of: half-even, once, at the end ------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (750000000, "20", 150000000),  # 20 % of Rp7.500.000 = Rp1.500.000
        (3, "12.5", 0),  # 0.375 → 0
        (5, "50", 2),  # 2.5 → 2 (exact half, to even)
        (7, "50", 4),  # 3.5 → 4 (exact half, to even)
        (1, "20", 0),  # 0.2 → 0
        (99, "33.3333", 33),  # 32.999967 → 33
        (10**15, "99.9999", 999999000000000),  # no precision lost on the largest amounts
        (123456789, "100", 123456789),
    ],
)
def test_percent_of_rounds_half_even_once(amount, percent, expected):
    assert percent_of(amount, Decimal(percent)) == expected


def test_percent_of_rounds_only_at_the_end():
    # 0.01 % of 34999 is 3.4999: rounding to a hundredth first (3.50) and then to a whole unit
    # would give 4; rounding once gives 3.
    assert percent_of(34999, Decimal("0.01")) == 3


# --- add_months: calendar months, clamped to month end --------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, tzinfo=UTC)),  # leap
        (datetime(2028, 2, 29, tzinfo=UTC), 12, datetime(2029, 2, 28, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 48, datetime(2032, 2, 29, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 4, 30, tzinfo=UTC)),
        (datetime(2026, 11, 15, tzinfo=UTC), 2, datetime(2027, 1, 15, tzinfo=UTC)),  # year wrap
        (datetime(2026, 5, 17, tzinfo=UTC), 0, datetime(2026, 5, 17, tzinfo=UTC)),
        (datetime(2026, 5, 17, tzinfo=UTC), 120, datetime(2036, 5, 17, tzinfo=UTC)),
    ],
)
def test_add_months_is_calendar_months_clamped_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


# --- cap_period_bounds: calendar windows in UTC, [start, end) -------------------------------------


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "at", "expected"),
    [
        (CapPeriod.month, NOW, (utc(2026, 5, 1), utc(2026, 6, 1))),
        (CapPeriod.month, utc(2026, 12, 31, 23, 59), (utc(2026, 12, 1), utc(2027, 1, 1))),
        (CapPeriod.quarter, NOW, (utc(2026, 4, 1), utc(2026, 7, 1))),
        (CapPeriod.quarter, utc(2026, 1, 1), (utc(2026, 1, 1), utc(2026, 4, 1))),
        (CapPeriod.quarter, utc(2026, 3, 31, 23, 59), (utc(2026, 1, 1), utc(2026, 4, 1))),
        (CapPeriod.quarter, utc(2026, 11, 2), (utc(2026, 10, 1), utc(2027, 1, 1))),
        (CapPeriod.year, NOW, (utc(2026, 1, 1), utc(2027, 1, 1))),
        (CapPeriod.year, utc(2028, 12, 31, 23, 59, 59), (utc(2028, 1, 1), utc(2029, 1, 1))),
    ],
)
def test_cap_period_bounds_are_calendar_windows_in_utc(period, at, expected):
    start, end = cap_period_bounds(period, at)
    assert (start, end) == expected
    assert start <= at < end


def test_cap_period_bounds_use_the_utc_calendar_not_local_time():
    # 1 July 05:00 in Jakarta (UTC+7) is still 30 June in UTC: the second quarter.
    at = datetime(2026, 7, 1, 5, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert cap_period_bounds(CapPeriod.quarter, at) == (
        datetime(2026, 4, 1, tzinfo=UTC),
        datetime(2026, 7, 1, tzinfo=UTC),
    )


def test_cap_period_bounds_refuse_a_naive_moment():
    with pytest.raises(ValueError, match="timezone-aware"):
        cap_period_bounds(CapPeriod.month, datetime(2026, 5, 17))


def test_lifetime_has_no_bounds():
    assert cap_period_bounds(CapPeriod.lifetime, NOW) == (None, None)


# --- evaluate: which rules apply, and what they give ----------------------------------------------


def test_only_rules_with_the_occurrences_trigger_apply_in_rule_order():
    # R24: a qualified lead and a closed deal earn different rewards.
    rules = [
        rule(trigger="won", recipient="referrer", kind="fixed", amount=750000000),
        rule(trigger="qualified", recipient="referrer", kind="perk", perk="Akses beta"),
        rule(trigger="qualified", recipient="referrer", kind="fixed", amount=15000000),
    ]
    drafts = run(rules, event(Trigger.qualified))
    assert [(d.rule_index, d.kind) for d in drafts] == [(1, "perk"), (2, "fixed")]
    assert [d.rule_index for d in run(rules, event(Trigger.won))] == [0]
    assert run(rules, event(Trigger.signup)) == []


def test_fixed_reward_is_the_amount_in_the_program_currency():
    rules = [rule(trigger="won", recipient="referrer", kind="fixed", amount=750000000)]
    assert run(rules, event(Trigger.won)) == [
        RewardDraft(
            rule_index=0,
            trigger=Trigger.won,
            recipient=Recipient.referrer,
            kind=RewardKind.fixed,
            amount=750000000,
            currency="IDR",
            perk=None,
            percent=None,
            base_amount=None,
            tier_min_conversions=None,
            capped_from=None,
            needs_review_reason=None,
        )
    ]


def test_fixed_reward_on_a_foreign_sale_is_still_in_the_program_currency():
    rules = [rule(trigger="sale", recipient="referrer", kind="fixed", amount=5000000)]
    [draft] = run(rules, sale(amount=10000, currency="USD"))
    assert (draft.amount, draft.currency, draft.base_amount) == (5000000, "IDR", None)


def test_percent_reward_is_a_share_of_the_sale_in_the_sales_currency():
    [draft] = run([rule(**PERCENT_20)], sale(amount=750000000))
    assert (draft.amount, draft.currency) == (150000000, "IDR")
    assert (draft.percent, draft.base_amount) == (Decimal("20"), 750000000)
    [usd] = run([rule(**PERCENT_20)], sale(amount=12345, currency="USD"))
    assert (usd.amount, usd.currency) == (2469, "USD")


@pytest.mark.parametrize("amount", [None, 0, -100])
def test_a_sale_without_a_positive_amount_earns_no_percent(amount):
    assert run([rule(**PERCENT_20)], sale(amount=amount)) == []


def test_a_percent_that_rounds_to_zero_gives_no_reward():
    # 20 % of 1 minor unit is 0.2 → 0; 12.5 % of 3 is 0.375 → 0.
    assert run([rule(**PERCENT_20)], sale(amount=1)) == []
    assert run([rule(**{**PERCENT_20, "percent": "12.5"})], sale(amount=3)) == []
    [draft] = run([rule(**{**PERCENT_20, "percent": "50"})], sale(amount=5))
    assert draft.amount == 2  # 2.5 → 2, half to even


def test_perk_reward_has_the_text_and_no_money():
    rules = [rule(trigger="qualified", recipient="referrer", kind="perk", perk="Akses beta")]
    [draft] = run(rules, event(Trigger.qualified))
    assert (draft.kind, draft.perk) == (RewardKind.perk, "Akses beta")
    assert (draft.amount, draft.currency, draft.percent, draft.capped_from) == (None,) * 4


def test_friend_and_referrer_are_both_rewarded():
    # R23: a two-sided program rewards the referred friend as well.
    rules = [
        rule(trigger="signup", recipient="friend", kind="fixed", amount=5000000),
        rule(trigger="signup", recipient="referrer", kind="fixed", amount=2500000),
        rule(trigger="signup", recipient="friend", kind="perk", perk="Gratis 1 bulan"),
    ]
    drafts = run(rules, event(Trigger.signup))
    assert [(d.recipient, d.amount, d.perk) for d in drafts] == [
        (Recipient.friend, 5000000, None),
        (Recipient.referrer, 2500000, None),
        (Recipient.friend, None, "Gratis 1 bulan"),
    ]


def test_no_money_where_monetary_rewards_are_not_allowed_but_perks_still_come():
    rules = [
        rule(trigger="won", recipient="referrer", kind="fixed", amount=750000000),
        rule(trigger="won", recipient="referrer", kind="perk", perk="Dewan penasihat"),
    ]
    drafts = run(rules, event(Trigger.won, monetary_rewards_allowed=False))
    assert [(d.rule_index, d.kind) for d in drafts] == [(1, "perk")]
    assert run([rule(**PERCENT_20)], sale(monetary_rewards_allowed=False)) == []


# --- duration_months: which of a customer's sales earn --------------------------------------------

FIRST_SALE = datetime(2026, 1, 31, 8, tzinfo=UTC)


def test_duration_0_only_the_customers_first_sale_earns():
    rules = [rule(**PERCENT_20)]
    assert len(run(rules, sale(customer_first_sale_at=None))) == 1
    assert run(rules, sale(occurred_at=NOW, customer_first_sale_at=FIRST_SALE)) == []


@pytest.mark.parametrize(
    ("occurred_at", "earns"),
    [
        (datetime(2027, 1, 31, 7, 59, 59, 999999, tzinfo=UTC), True),  # just inside
        (datetime(2027, 1, 31, 8, tzinfo=UTC), False),  # the boundary instant is outside
        (datetime(2027, 2, 1, tzinfo=UTC), False),
        (datetime(2026, 6, 1, tzinfo=UTC), True),
    ],
)
def test_duration_12_every_sale_within_12_months_of_the_first_earns(occurred_at, earns):
    rules = [rule(**PERCENT_20, duration_months=12)]
    drafts = run(rules, sale(occurred_at=occurred_at, customer_first_sale_at=FIRST_SALE))
    assert bool(drafts) is earns


def test_duration_window_ends_at_month_end_when_the_day_is_missing():
    # First sale on 31 January, 1 month: the window closes on 28 February, same time of day.
    rules = [rule(**PERCENT_20, duration_months=1)]
    first = datetime(2026, 1, 31, 8, tzinfo=UTC)
    inside = sale(occurred_at=datetime(2026, 2, 28, 7, tzinfo=UTC), customer_first_sale_at=first)
    outside = sale(occurred_at=datetime(2026, 2, 28, 8, tzinfo=UTC), customer_first_sale_at=first)
    assert len(run(rules, inside)) == 1
    assert run(rules, outside) == []


def test_duration_does_not_limit_other_triggers():
    rules = [rule(trigger="won", recipient="referrer", kind="fixed", amount=750000000)]
    won = event(Trigger.won, customer_first_sale_at=FIRST_SALE)
    assert len(run(rules, won)) == 1


# --- tiers: the referrer's rate grows with paying customers ---------------------------------------

TIERED = {
    **PERCENT_20,
    # Out of order on purpose: the highest reached threshold wins, not the last listed.
    "tiers": [{"min_conversions": 10, "percent": "30"}, {"min_conversions": 5, "percent": "25"}],
}


@pytest.mark.parametrize(
    ("paying", "rate", "amount", "tier"),
    [
        (0, "20", 150000000, None),
        (4, "20", 150000000, None),  # below every tier: the rule's own rate
        (5, "25", 187500000, 5),  # exactly at the threshold
        (6, "25", 187500000, 5),
        (10, "30", 225000000, 10),
        (500, "30", 225000000, 10),
    ],
)
def test_tier_is_the_highest_threshold_reached(paying, rate, amount, tier):
    [draft] = run([rule(**TIERED)], sale(amount=750000000, paying_customers=paying))
    assert (draft.percent, draft.amount, draft.tier_min_conversions) == (
        Decimal(rate),
        amount,
        tier,
    )


def test_fixed_rules_tier_their_amount():
    rules = [
        rule(
            trigger="won",
            recipient="referrer",
            kind="fixed",
            amount=150000000,
            tiers=[{"min_conversions": 5, "amount": 750000000}],
        )
    ]
    assert run(rules, event(Trigger.won, paying_customers=4))[0].amount == 150000000
    [draft] = run(rules, event(Trigger.won, paying_customers=5))
    assert (draft.amount, draft.tier_min_conversions) == (750000000, 5)


def test_friend_rewards_ignore_tiers():
    rules = [rule(**{**TIERED, "recipient": "friend"})]
    [draft] = run(rules, sale(amount=750000000, paying_customers=50))
    assert (draft.percent, draft.amount, draft.tier_min_conversions) == (
        Decimal("20"),
        150000000,
        None,
    )


# --- caps: the most one participant earns from a rule per period ----------------------------------

CAPPED = {**PERCENT_20, "cap": {"amount": 1500000000, "period": "quarter"}}  # Rp15.000.000


def test_under_the_cap_the_reward_is_whole():
    [draft] = run([rule(**CAPPED)], sale(amount=750000000), {0: 1000000000})
    assert (draft.amount, draft.capped_from) == (150000000, None)


def test_missing_earned_counts_as_zero():
    [draft] = run([rule(**CAPPED)], sale(amount=750000000))
    assert (draft.amount, draft.capped_from) == (150000000, None)


def test_the_cap_cuts_the_reward_to_what_is_left():
    # Rp14.000.000 earned this quarter: Rp1.000.000 left of a Rp1.500.000 reward.
    [draft] = run([rule(**CAPPED)], sale(amount=750000000), {0: 1400000000})
    assert (draft.amount, draft.capped_from) == (100000000, 150000000)


def test_reaching_the_cap_exactly_is_not_a_cut():
    [draft] = run([rule(**CAPPED)], sale(amount=750000000), {0: 1350000000})
    assert (draft.amount, draft.capped_from) == (150000000, None)


@pytest.mark.parametrize("earned", [1500000000, 1600000000])
def test_an_exhausted_cap_gives_no_reward(earned):
    assert run([rule(**CAPPED)], sale(amount=750000000), {0: earned}) == []


def test_caps_are_per_rule():
    rules = [
        rule(trigger="won", recipient="referrer", kind="perk", perk="Akses beta"),
        rule(**{**CAPPED, "trigger": "won", "kind": "fixed", "percent": None, "amount": 750000000}),
    ]
    # Index 0's figure must not cut rule 1.
    drafts = run(rules, event(Trigger.won), {0: 10**12, 1: 1000000000})
    assert [(d.rule_index, d.amount, d.capped_from) for d in drafts] == [
        (0, None, None),
        (1, 500000000, 750000000),
    ]


def test_a_foreign_currency_sale_is_not_cut_but_flagged_for_review():
    # The cap is Rp15.000.000; a USD commission cannot be measured against it without FX.
    [draft] = run([rule(**CAPPED)], sale(amount=500000, currency="USD"), {0: 1500000000})
    assert (draft.amount, draft.currency, draft.capped_from) == (100000, "USD", None)
    assert "USD" in draft.needs_review_reason
    assert "IDR" in draft.needs_review_reason
    assert "cap" in draft.needs_review_reason


def test_a_foreign_currency_sale_without_a_cap_needs_no_review():
    [draft] = run([rule(**PERCENT_20)], sale(amount=500000, currency="USD"))
    assert draft.needs_review_reason is None


def test_the_contract_example_program_on_a_sale():
    rules = [
        rule(**{**TIERED, "tiers": TIERED["tiers"][1:], **CAPPED, "duration_months": 12}),
        rule(trigger="signup", recipient="friend", kind="fixed", amount=5000000),
        rule(trigger="won", recipient="referrer", kind="fixed", amount=750000000),
        rule(trigger="qualified", recipient="referrer", kind="perk", perk="Akses beta"),
    ]
    occurrence = sale(amount=750000000, paying_customers=5, customer_first_sale_at=FIRST_SALE)
    [draft] = run(rules, occurrence, {0: 1400000000})
    assert (draft.rule_index, draft.percent, draft.amount, draft.capped_from) == (
        0,
        Decimal("25"),
        100000000,
        187500000,
    )


# --- properties ---------------------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=10**15)
percents = st.decimals(min_value=Decimal("0.0001"), max_value=100, places=4)
currencies = st.sampled_from(["IDR", "USD"])


@given(amount=amounts, percent=percents)
def test_a_percent_never_exceeds_the_sale(amount, percent):
    assert 0 <= percent_of(amount, percent) <= amount


@st.composite
def rule_sets(draw):
    def one():
        kind = draw(st.sampled_from(list(RewardKind)))
        trigger = "sale" if kind == "percent" else draw(st.sampled_from(list(Trigger)))
        fields = {
            "trigger": trigger,
            "recipient": draw(st.sampled_from(list(Recipient))),
            "kind": kind,
            "duration_months": draw(st.integers(0, 24)),
        }
        if kind == "perk":
            return Rule.model_validate({**fields, "perk": "Akses beta"})
        rate = "percent" if kind == "percent" else "amount"
        value = (lambda: str(draw(percents))) if rate == "percent" else (lambda: draw(amounts))
        fields[rate] = value()
        thresholds = draw(st.lists(st.integers(1, 20), unique=True, max_size=3))
        fields["tiers"] = [{"min_conversions": n, rate: value()} for n in thresholds]
        if draw(st.booleans()):
            period = draw(st.sampled_from(list(CapPeriod)))
            fields["cap"] = {"amount": draw(amounts), "period": period}
        return Rule.model_validate(fields)

    return [one() for _ in range(draw(st.integers(0, 5)))]


@st.composite
def occurrences(draw):
    at = draw(st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC)))
    trigger = draw(st.sampled_from(list(Trigger)))
    first = draw(st.none() | st.datetimes(datetime(2015, 1, 1), at.replace(tzinfo=None)))
    return Occurrence(
        trigger=trigger,
        occurred_at=at,
        currency=draw(currencies) if trigger == Trigger.sale else "IDR",
        program_currency="IDR",
        sale_amount=draw(st.none() | amounts) if trigger == Trigger.sale else None,
        customer_first_sale_at=first.replace(tzinfo=UTC) if first else None,
        paying_customers=draw(st.integers(0, 30)),
        monetary_rewards_allowed=draw(st.booleans()),
    )


earned_maps = st.dictionaries(st.integers(0, 4), st.integers(0, 2 * 10**15), max_size=5)


@given(rules=rule_sets(), occurrence=occurrences(), earned=earned_maps)
def test_drafts_are_well_formed_and_respect_the_cap(rules, occurrence, earned):
    drafts = run(rules, occurrence, earned)
    assert [d.rule_index for d in drafts] == sorted({d.rule_index for d in drafts})
    for draft in drafts:
        source = rules[draft.rule_index]
        assert draft.trigger == occurrence.trigger == source.trigger
        if draft.kind == RewardKind.perk:
            assert draft.amount is None and draft.currency is None and draft.perk
            continue
        assert occurrence.monetary_rewards_allowed
        assert type(draft.amount) is int and draft.amount > 0
        if draft.kind == RewardKind.percent:
            assert draft.amount <= occurrence.sale_amount
        if source.cap is not None and draft.currency == occurrence.program_currency:
            assert draft.amount <= source.cap.amount - earned.get(draft.rule_index, 0)
        if draft.capped_from is not None:
            assert draft.capped_from > draft.amount
        if draft.needs_review_reason is not None:
            assert draft.currency != occurrence.program_currency and source.cap is not None


@given(rules=rule_sets(), occurrence=occurrences(), earned=earned_maps)
def test_evaluate_is_deterministic(rules, occurrence, earned):
    # Same inputs (the earned figures in another order), same drafts.
    assert run(rules, occurrence, earned) == run(rules, occurrence, dict(reversed(earned.items())))
