"""Story: the owner describes how rewards are earned; Tular refuses any rule it could not honour.

Each case is a whole program whose rules (or attribution) break one rule of the contract; the
answer is a 422 problem pointing at the culprit, and no program is written.
"""

import copy

import pytest

from tests.helpers import PROGRAM_BODY, assert_problem
from tular.programs.models import Program

SALE_PERCENT = {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "20"}
SIGNUP_FIXED = {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000}
PERK = {"trigger": "qualified", "recipient": "referrer", "kind": "perk", "perk": "Akses beta"}


def program_with(**changes) -> dict:
    body = copy.deepcopy(PROGRAM_BODY)
    body["slug"] = "aturan"
    body.update(changes)
    return body


def rules(*items) -> dict:
    return program_with(rules=list(items))


def post(api, body):
    before = Program.objects.count()
    response = api.post("/api/v1/programs", body)
    return response, Program.objects.count() - before


ACCEPTED = {
    "every trigger": rules(
        *[{**SIGNUP_FIXED, "trigger": t} for t in ("signup", "qualified", "won", "sale")]
    ),
    "both recipients": rules(SIGNUP_FIXED, {**SIGNUP_FIXED, "recipient": "referrer"}),
    "fixed with amount": rules(SIGNUP_FIXED),
    "percent with a whole percent": rules(SALE_PERCENT),
    "percent with a fractional percent": rules({**SALE_PERCENT, "percent": "12.5"}),
    "percent of 100": rules({**SALE_PERCENT, "percent": "100"}),
    "percent with four decimals": rules({**SALE_PERCENT, "percent": "0.0001"}),
    "perk with text": rules(PERK),
    "duration 0": rules({**SALE_PERCENT, "duration_months": 0}),
    "duration 12": rules({**SALE_PERCENT, "duration_months": 12}),
    "percent tiers": rules(
        {
            **SALE_PERCENT,
            "tiers": [
                {"min_conversions": 5, "percent": "25"},
                {"min_conversions": 10, "percent": "30"},
            ],
        }
    ),
    "fixed tiers": rules({**SIGNUP_FIXED, "tiers": [{"min_conversions": 3, "amount": 7500000}]}),
    **{
        f"cap per {period}": rules({**SALE_PERCENT, "cap": {"amount": 100, "period": period}})
        for period in ("month", "quarter", "year", "lifetime")
    },
    **{
        f"attribution {model}": program_with(attribution={"model": model, "window_days": 30})
        for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based")
    },
    "window of 1 day": program_with(attribution={"model": "last_touch", "window_days": 1}),
    "window of 365 days": program_with(attribution={"model": "last_touch", "window_days": 365}),
    "attribution defaults": program_with(attribution={}),
    **{
        f"kind {kind}": program_with(kind=kind)
        for kind in (
            "customer",
            "affiliate",
            "reseller",
            "technology_partner",
            "service_partner",
            "employee",
            "network",
        )
    },
    "perk-only program without monetary rewards": program_with(
        monetary_rewards_allowed=False, rules=[PERK]
    ),
    "no rules without monetary rewards": program_with(monetary_rewards_allowed=False, rules=[]),
    "hold_days 0": program_with(hold_days=0),
    "auto_approve_below 0": program_with(auto_approve_below=0),
    "auto_approve_below null": program_with(auto_approve_below=None),
}


@pytest.mark.parametrize("body", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_program_the_contract_allows_is_created(api, body):
    response, written = post(api, body)
    assert response.status_code == 201, response.content
    assert written == 1


REFUSED = {
    # enums
    "unknown trigger": (rules({**SIGNUP_FIXED, "trigger": "purchase"}), "trigger"),
    "unknown recipient": (rules({**SIGNUP_FIXED, "recipient": "both"}), "recipient"),
    "unknown reward kind": (rules({**SIGNUP_FIXED, "kind": "voucher"}), "kind"),
    "unknown program kind": (program_with(kind="franchise"), "kind"),
    "unknown attribution model": (
        program_with(attribution={"model": "u_shaped", "window_days": 30}),
        "model",
    ),
    "unknown cap period": (
        rules({**SALE_PERCENT, "cap": {"amount": 100, "period": "week"}}),
        "period",
    ),
    # fixed needs an amount
    "fixed without amount": (rules({**SIGNUP_FIXED, "amount": None}), "rules"),
    "fixed missing amount": (
        rules({k: v for k, v in SIGNUP_FIXED.items() if k != "amount"}),
        "rules",
    ),
    "fixed with zero amount": (rules({**SIGNUP_FIXED, "amount": 0}), "amount"),
    "fixed with negative amount": (rules({**SIGNUP_FIXED, "amount": -5}), "amount"),
    "fixed with fractional amount": (rules({**SIGNUP_FIXED, "amount": 5.5}), "amount"),
    "fixed with float amount": (rules({**SIGNUP_FIXED, "amount": 5.0}), "amount"),
    "fixed with string amount": (rules({**SIGNUP_FIXED, "amount": "5000"}), "amount"),
    "fixed with boolean amount": (rules({**SIGNUP_FIXED, "amount": True}), "amount"),
    "fixed with absurd amount": (rules({**SIGNUP_FIXED, "amount": 10**20}), "amount"),
    "fixed with a percent too": (rules({**SIGNUP_FIXED, "percent": "10"}), "rules"),
    # percent needs a decimal-string percent
    "percent without percent": (
        rules({k: v for k, v in SALE_PERCENT.items() if k != "percent"}),
        "rules",
    ),
    "percent as a JSON number": (rules({**SALE_PERCENT, "percent": 20}), "percent"),
    "percent as a JSON float": (rules({**SALE_PERCENT, "percent": 12.5}), "percent"),
    "percent not a number": (rules({**SALE_PERCENT, "percent": "twenty"}), "percent"),
    "percent zero": (rules({**SALE_PERCENT, "percent": "0"}), "percent"),
    "percent negative": (rules({**SALE_PERCENT, "percent": "-5"}), "percent"),
    "percent above 100": (rules({**SALE_PERCENT, "percent": "100.5"}), "percent"),
    "percent with five decimals": (rules({**SALE_PERCENT, "percent": "1.00001"}), "percent"),
    "percent in exponent form": (rules({**SALE_PERCENT, "percent": "1e1"}), "percent"),
    "percent with spaces": (rules({**SALE_PERCENT, "percent": " 20 "}), "percent"),
    "percent with a % sign": (rules({**SALE_PERCENT, "percent": "20%"}), "percent"),
    "percent NaN": (rules({**SALE_PERCENT, "percent": "NaN"}), "percent"),
    "percent on a signup": (rules({**SALE_PERCENT, "trigger": "signup"}), "rules"),
    "percent with an amount too": (rules({**SALE_PERCENT, "amount": 100}), "rules"),
    # perk needs text
    "perk without text": (rules({k: v for k, v in PERK.items() if k != "perk"}), "rules"),
    "perk with empty text": (rules({**PERK, "perk": ""}), "perk"),
    "perk with overlong text": (rules({**PERK, "perk": "x" * 201}), "perk"),
    "perk with an amount": (rules({**PERK, "amount": 100}), "rules"),
    "perk with a cap": (rules({**PERK, "cap": {"amount": 100, "period": "year"}}), "rules"),
    "perk with tiers": (rules({**PERK, "tiers": [{"min_conversions": 2, "amount": 1}]}), "rules"),
    # duration
    "negative duration": (rules({**SALE_PERCENT, "duration_months": -1}), "duration_months"),
    "duration as string": (rules({**SALE_PERCENT, "duration_months": "12"}), "duration_months"),
    # tiers
    "tier without rate": (rules({**SALE_PERCENT, "tiers": [{"min_conversions": 5}]}), "tiers"),
    "tier with both rates": (
        rules({**SALE_PERCENT, "tiers": [{"min_conversions": 5, "percent": "5", "amount": 5}]}),
        "tiers",
    ),
    "percent rule with an amount tier": (
        rules({**SALE_PERCENT, "tiers": [{"min_conversions": 5, "amount": 5}]}),
        "rules",
    ),
    "fixed rule with a percent tier": (
        rules({**SIGNUP_FIXED, "tiers": [{"min_conversions": 5, "percent": "5"}]}),
        "rules",
    ),
    "tier threshold zero": (
        rules({**SALE_PERCENT, "tiers": [{"min_conversions": 0, "percent": "25"}]}),
        "min_conversions",
    ),
    "two tiers with one threshold": (
        rules(
            {
                **SALE_PERCENT,
                "tiers": [
                    {"min_conversions": 5, "percent": "25"},
                    {"min_conversions": 5, "percent": "30"},
                ],
            }
        ),
        "rules",
    ),
    "tier with unknown field": (
        rules({**SALE_PERCENT, "tiers": [{"min_conversions": 5, "percent": "25", "x": 1}]}),
        "x",
    ),
    # caps
    "cap without amount": (rules({**SALE_PERCENT, "cap": {"period": "month"}}), "amount"),
    "cap without period": (rules({**SALE_PERCENT, "cap": {"amount": 100}}), "period"),
    "cap of zero": (rules({**SALE_PERCENT, "cap": {"amount": 0, "period": "month"}}), "amount"),
    # monetary rewards switched off
    "fixed rule when monetary rewards are off": (
        program_with(monetary_rewards_allowed=False, rules=[PERK, SIGNUP_FIXED]),
        "rules[1]",
    ),
    "percent rule when monetary rewards are off": (
        program_with(monetary_rewards_allowed=False, rules=[SALE_PERCENT]),
        "rules[0]",
    ),
    # attribution window
    "window of 0 days": (program_with(attribution={"window_days": 0}), "window_days"),
    "window over a year": (program_with(attribution={"window_days": 366}), "window_days"),
    "window as string": (program_with(attribution={"window_days": "30"}), "window_days"),
    "window as float": (program_with(attribution={"window_days": 30.0}), "window_days"),
    "attribution unknown field": (program_with(attribution={"decay": 7}), "decay"),
    "rule with unknown field": (rules({**SIGNUP_FIXED, "bonus": True}), "bonus"),
    "rules not a list": (program_with(rules={"trigger": "sale"}), "rules"),
    "negative hold_days": (program_with(hold_days=-1), "hold_days"),
    "negative clawback_days": (program_with(clawback_days=-1), "clawback_days"),
    "negative auto_approve_below": (program_with(auto_approve_below=-1), "auto_approve_below"),
}


@pytest.mark.parametrize(("body", "culprit"), REFUSED.values(), ids=REFUSED.keys())
def test_a_rule_the_contract_forbids_is_a_422_and_nothing_is_written(api, body, culprit):
    # when
    response, written = post(api, body)
    # then the problem names where the fault lies
    problem = assert_problem(response, 422)
    assert written == 0
    where = " ".join(f"{e['loc']} {e['msg']}" for e in problem["errors"]) + problem["detail"]
    assert culprit in where, problem


def test_monetary_rewards_switched_off_explains_which_rule_is_refused(api):
    body = program_with(monetary_rewards_allowed=False, rules=[PERK, SALE_PERCENT])
    problem = assert_problem(api.post("/api/v1/programs", body), 422)
    assert "rules[1]" in problem["detail"]
    assert "monetary_rewards_allowed" in problem["detail"]
