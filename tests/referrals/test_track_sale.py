"""POST /api/v1/track/sale: every rule semantic of the contract, through the real API."""

from datetime import timedelta

import pytest

from tests.helpers import PROGRAM_BODY, assert_problem
from tests.referrals.conftest import sale_body, signup_body
from tular.core import clock
from tular.referrals.models import Conversion, Referral, TrackedEvent
from tular.rewards.models import LedgerEntry, Reward


def referrer_rewards(response):
    return [r for r in response.json()["rewards"] if r["recipient"] == "referrer"]


def test_first_sale_earns_the_referrer_20_percent(api, participant, budi_signed_up):
    response = api.post("/api/v1/track/sale", sale_body(amount=100_000_000))  # Rp1.000.000
    assert response.status_code == 201
    body = response.json()
    assert body["attributed"] is True
    [reward] = referrer_rewards(response)
    assert (reward["kind"], reward["amount"], reward["currency"], reward["status"]) == (
        "percent",
        20_000_000,
        "IDR",
        "pending",
    )
    assert reward["participant_id"] == participant["id"]
    balances = api.get(f"/api/v1/participants/{participant['id']}").json()["balances"]
    assert balances == [{"currency": "IDR", "pending": 20_000_000, "approved": 0, "paid": 0}]


def test_sale_stats_count_signups_and_conversions(api, participant, budi_signed_up):
    api.post("/api/v1/track/sale", sale_body())
    stats = api.get(f"/api/v1/participants/{participant['id']}").json()["stats"]
    assert (stats["signups"], stats["conversions"]) == (1, 1)


def test_recurring_commission_earns_within_duration_months_only(api, participant, budi_signed_up):
    # the program's sale rule: 20 % for 12 months after the first sale
    first = clock.now()
    api.post("/api/v1/track/sale", sale_body(event_id="s1", invoice_id="i1"))
    eleven_months = (first + timedelta(days=330)).isoformat()
    thirteen_months = (first + timedelta(days=400)).isoformat()
    with clock.frozen(first + timedelta(days=401)):
        inside = api.post(
            "/api/v1/track/sale",
            sale_body(event_id="s2", invoice_id="i2", occurred_at=eleven_months),
        )
        outside = api.post(
            "/api/v1/track/sale",
            sale_body(event_id="s3", invoice_id="i3", occurred_at=thirteen_months),
        )
    assert len(referrer_rewards(inside)) == 1
    assert referrer_rewards(outside) == []
    assert Conversion.objects.filter(kind="sale").count() == 3  # the sale is recorded anyway


def test_without_duration_only_the_first_sale_earns(api, workspace):
    body = {
        **PROGRAM_BODY,
        "slug": "sekali",
        "rules": [
            {"trigger": "sale", "recipient": "referrer", "kind": "fixed", "amount": 1_000_000}
        ],
    }
    assert api.post("/api/v1/programs", body).status_code == 201
    andi = api.post("/api/v1/participants", {"program": "sekali", "email": "a@example.com"}).json()
    api.post("/api/v1/track/signup", signup_body(andi))
    assert (
        len(
            referrer_rewards(
                api.post("/api/v1/track/sale", sale_body(event_id="1", invoice_id="1"))
            )
        )
        == 1
    )
    assert (
        referrer_rewards(api.post("/api/v1/track/sale", sale_body(event_id="2", invoice_id="2")))
        == []
    )


def test_tier_applies_from_the_fifth_paying_customer(api, participant):
    # the program: 20 %, tier 25 % from 5 distinct paying referred customers
    rates = []
    for n in range(1, 7):
        api.post(
            "/api/v1/track/signup",
            signup_body(
                participant, event_id=f"su{n}", external_id=f"c{n}", email=f"c{n}@example.com"
            ),
        )
        sale = api.post(
            "/api/v1/track/sale",
            sale_body(
                event_id=f"sa{n}", external_id=f"c{n}", invoice_id=f"inv{n}", amount=1_000_000
            ),
        )
        rates.append(referrer_rewards(sale)[0]["amount"])
    assert rates == [200_000] * 4 + [250_000] * 2


def test_cap_cuts_the_reward_to_what_is_left_in_the_quarter(api, participant, budi_signed_up):
    # cap: Rp15.000.000 (1_500_000_000) per quarter; 20 % of Rp50.000.000 = Rp10.000.000
    first = api.post(
        "/api/v1/track/sale", sale_body(event_id="1", invoice_id="1", amount=5_000_000_000)
    )
    second = api.post(
        "/api/v1/track/sale", sale_body(event_id="2", invoice_id="2", amount=5_000_000_000)
    )
    third = api.post(
        "/api/v1/track/sale", sale_body(event_id="3", invoice_id="3", amount=5_000_000_000)
    )
    assert referrer_rewards(first)[0]["amount"] == 1_000_000_000
    assert referrer_rewards(second)[0]["amount"] == 500_000_000  # cut to what is left
    assert referrer_rewards(third) == []  # nothing left: no reward at all


def test_hold_zero_approves_below_the_limit_and_reviews_above(api, workspace):
    body = {
        **PROGRAM_BODY,
        "slug": "cepat",
        "hold_days": 0,
        "auto_approve_below": 30_000_000,
        "rules": [
            {
                "trigger": "sale",
                "recipient": "referrer",
                "kind": "percent",
                "percent": "20",
                "duration_months": 12,
            }
        ],
    }
    assert api.post("/api/v1/programs", body).status_code == 201
    andi = api.post("/api/v1/participants", {"program": "cepat", "email": "a@example.com"}).json()
    api.post("/api/v1/track/signup", signup_body(andi))
    small = api.post(
        "/api/v1/track/sale", sale_body(event_id="1", invoice_id="1", amount=100_000_000)
    )
    large = api.post(
        "/api/v1/track/sale", sale_body(event_id="2", invoice_id="2", amount=1_000_000_000)
    )
    assert referrer_rewards(small)[0]["status"] == "approved"
    assert referrer_rewards(large)[0]["status"] == "needs_review"
    balances = api.get(f"/api/v1/participants/{andi['id']}").json()["balances"]
    assert balances == [
        {"currency": "IDR", "pending": 200_000_000, "approved": 20_000_000, "paid": 0}
    ]


def test_non_monetary_program_gives_perks_only(api, workspace):
    body = {
        **PROGRAM_BODY,
        "slug": "firma",
        "monetary_rewards_allowed": False,
        "rules": [
            {"trigger": "sale", "recipient": "referrer", "kind": "perk", "perk": "Makan siang"}
        ],
    }
    assert api.post("/api/v1/programs", body).status_code == 201
    andi = api.post("/api/v1/participants", {"program": "firma", "email": "a@example.com"}).json()
    api.post("/api/v1/track/signup", signup_body(andi))
    [reward] = referrer_rewards(api.post("/api/v1/track/sale", sale_body()))
    assert (reward["kind"], reward["perk"], reward["amount"]) == ("perk", "Makan siang", None)
    assert not LedgerEntry.objects.exists()


def test_unknown_customer_is_not_attributed(api, participant):
    response = api.post("/api/v1/track/sale", sale_body(external_id="stranger"))
    assert response.status_code == 201
    assert response.json()["attributed"] is False
    assert not Conversion.objects.exists()


def test_code_at_checkout_attributes_a_new_customer(api, participant):
    # R8: the referral code typed as a promo code at checkout
    response = api.post(
        "/api/v1/track/sale", sale_body(external_id="walk_in", code=participant["code"].lower())
    )
    assert response.json()["attributed"] is True
    assert Referral.objects.get().customer_external_id == "walk_in"


def test_same_invoice_twice_is_a_conflict(api, participant, budi_signed_up):
    api.post("/api/v1/track/sale", sale_body(event_id="1"))
    assert_problem(api.post("/api/v1/track/sale", sale_body(event_id="2")), 409)
    assert Conversion.objects.count() == 1


def test_repeated_sale_event_has_no_second_effect(api, participant, budi_signed_up):
    first = api.post("/api/v1/track/sale", sale_body())
    again = api.post("/api/v1/track/sale", sale_body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Reward.objects.filter(recipient="referrer").count() == 1


def test_flagged_referral_earns_nothing_on_sales(api, participant):
    api.post("/api/v1/track/signup", signup_body(participant, email="andi@example.com"))
    response = api.post("/api/v1/track/sale", sale_body())
    assert response.json()["attributed"] is True
    assert response.json()["rewards"] == []


def test_ledger_balances_after_sales(api, participant, budi_signed_up):
    for n in range(3):
        api.post("/api/v1/track/sale", sale_body(event_id=f"e{n}", invoice_id=f"i{n}"))
    for transaction_id in LedgerEntry.objects.values_list("transaction", flat=True).distinct():
        entries = LedgerEntry.objects.filter(transaction=transaction_id)
        assert sum(entries.values_list("amount", flat=True)) == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 5.5}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 10**16}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "idr"}, "currency"),
        ({"currency": 360}, "currency"),
        ({"customer_external_id": ""}, "customer_external_id"),
        ({"customer_external_id": "x" * 201}, "customer_external_id"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
        ({"event_id": None}, "event_id"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_bad_sale_is_422_and_writes_nothing(api, participant, budi_signed_up, change, where):
    before = (
        Conversion.objects.count(),
        Reward.objects.count(),
        TrackedEvent.objects.count(),
        LedgerEntry.objects.count(),
    )
    problem = assert_problem(api.post("/api/v1/track/sale", {**sale_body(), **change}), 422)
    assert where in str(problem["errors"])
    assert before == (
        Conversion.objects.count(),
        Reward.objects.count(),
        TrackedEvent.objects.count(),
        LedgerEntry.objects.count(),
    )


def test_malformed_json_is_400(api, participant):
    assert_problem(api.post("/api/v1/track/sale", raw="{not json"), 400)
