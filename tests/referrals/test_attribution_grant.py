"""The program's attribution model splits a sale's commission at grant time (R14, issue 13 §7).

Andi refers Budi with a click; partners Mitra, Sari and Joko touch Budi before he buys. Under
the program's model each percent-of-sale referrer reward is split exactly (largest remainder)
into one reward per credited participant; campaign and direct touches are credited in the
comparison but the commission is renormalised over the participants; last_touch (the default)
grants exactly as before. docs/attribution.md, "The model at grant time"."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY
from tular.core.money import share_half_even
from tular.programs.models import Program
from tular.referrals.models import Referral
from tular.referrals.services import commission_split
from tular.rewards.ledger import balances
from tular.rewards.models import LedgerEntry, Reward
from tular.rewards.payouts import payout_create, payout_items
from tular.tracking import redirect
from tular.tracking.touchpoints import touchpoint_record

SALE_AT = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SALE = 100_000_000  # Rp1.000.000 (IDR has 2 minor units in Tular)


def program_body(model: str, percent: str = "20", **attribution):
    return {
        **PROGRAM_BODY,
        "attribution": {"model": model, "window_days": 30, **attribution},
        "hold_days": 0,
        "auto_approve_below": 10_000_000_000,
        "rules": [
            {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": percent},
            {"trigger": "sale", "recipient": "referrer", "kind": "fixed", "amount": 1_000_000},
            {"trigger": "sale", "recipient": "friend", "kind": "percent", "percent": "5"},
        ],
    }


@pytest.fixture
def model():
    return "linear"


@pytest.fixture
def percent():
    return "20"


@pytest.fixture
def program(api, model, percent):
    response = api.post("/api/v1/programs", program_body(model, percent))
    assert response.status_code == 201, response.content
    return response.json()


def enrol(api, external_id, name):
    body = {
        **PARTICIPANT_BODY,
        "external_id": external_id,
        "email": f"{external_id}@example.com",
        "name": name,
        "kind": "reseller",
    }
    response = api.post("/api/v1/participants", body)
    assert response.status_code == 201, response.content
    return response.json()


def touch(workspace, program, days, **extra):
    kind = "partner" if "partner_external_id" in extra else extra.pop("kind", "campaign")
    touchpoint_record(
        workspace=workspace,
        program=Program.objects.get(pk=program["id"]),
        customer_external_id="budi",
        kind=kind,
        occurred_at=SALE_AT - timedelta(days=days),
        **extra,
    )


def signed_up_by_click(api, participant, days):
    """Budi arrives by Andi's click `days` before the sale and signs up an hour later."""
    target = redirect.lookup(participant["code"])
    click_id = redirect.record_click(target, source="api", at=SALE_AT - timedelta(days=days))
    response = api.post(
        "/api/v1/track/signup",
        {
            "event_id": "signup-budi",
            "click_id": str(click_id),
            "customer": {"external_id": "budi", "email": "budi@example.com"},
            "occurred_at": (SALE_AT - timedelta(days=days, hours=-1)).isoformat(),
        },
    )
    assert response.status_code == 201 and response.json()["attributed"], response.content
    return click_id


def buy(api, *, amount=SALE, event="sale-1", at=SALE_AT):
    response = api.post(
        "/api/v1/track/sale",
        {
            "event_id": event,
            "customer_external_id": "budi",
            "amount": amount,
            "currency": "IDR",
            "invoice_id": "inv-1",
            "occurred_at": at.isoformat(),
        },
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def percent_parts(people) -> list:
    """The referrer percent rewards of the sale as [(name, amount)] in the order of `people`."""
    names = {person["id"]: name for name, person in people.items()}
    found = {
        names[str(reward.participant_id)]: reward.amount
        for reward in Reward.objects.filter(recipient="referrer", kind="percent")
    }
    return [(name, found[name]) for name in people if name in found]


@pytest.fixture
def three_partners(api, workspace, program, participant, frozen_clock):
    """Andi's click 14 days before the sale, Mitra 7 days, Sari 3 days, a campaign on the day."""
    mitra = enrol(api, "mitra_1", "Mitra")
    sari = enrol(api, "sari_1", "Sari")
    signed_up_by_click(api, participant, 14)
    touch(workspace, program, 7, partner_external_id="mitra_1")
    touch(workspace, program, 3, partner_external_id="sari_1")
    touch(workspace, program, 0, campaign="ramadan")
    return {"Andi": participant, "Mitra": mitra, "Sari": sari}


# 20 % of Rp1.000.000 = 20,000,000 minor units, split over Andi, Mitra, Sari (the campaign's
# credit renormalised over the three). time_decay: weights 0.25 / 0.5 / 2^(-3/7) (campaign: 1).
THREE_PARTNERS = {
    "linear": [("Andi", 6_666_667), ("Mitra", 6_666_667), ("Sari", 6_666_666)],
    "position_based": [("Andi", 13_333_334), ("Mitra", 3_333_333), ("Sari", 3_333_333)],
    "time_decay": [("Andi", 3_348_968), ("Mitra", 6_697_937), ("Sari", 9_953_095)],
    "first_touch": [("Andi", 20_000_000)],
    "last_touch": [("Andi", 20_000_000)],
}


@pytest.mark.parametrize("model", list(THREE_PARTNERS))
def test_three_partners_under_each_model(api, three_partners, model):
    sold = buy(api)
    parts = percent_parts(three_partners)
    assert parts == THREE_PARTNERS[model]
    assert sum(amount for _, amount in parts) == 20_000_000  # the whole commission, exactly
    # The answer lists every part; the fixed reward and the friend's stay whole.
    assert sum(r["amount"] for r in sold["rewards"] if r["kind"] == "percent") == 25_000_000
    fixed = Reward.objects.get(kind="fixed")
    assert (str(fixed.participant_id), fixed.amount) == (three_partners["Andi"]["id"], 1_000_000)
    assert fixed.attribution_share is None
    friend = Reward.objects.get(recipient="friend")
    assert (friend.amount, friend.attribution_share) == (5_000_000, None)
    shares = [
        reward.attribution_share
        for reward in Reward.objects.filter(recipient="referrer", kind="percent")
    ]
    if len(parts) == 1:
        assert shares == [None]  # today's path: one reward, not split
    else:
        assert sum(shares) == pytest.approx(Decimal(1), abs=Decimal("0.000002"))


@pytest.mark.parametrize("model", ["time_decay"])
def test_time_decay_parts_follow_the_weights(api, three_partners, model):
    buy(api)
    weights = [0.25, 0.5, 2 ** (-3 / 7)]
    for (_, amount), weight in zip(percent_parts(three_partners), weights, strict=True):
        assert amount == pytest.approx(20_000_000 * weight / sum(weights), abs=1)


@pytest.fixture
def four_partners(api, workspace, program, participant, frozen_clock):
    """The worked example of issue 13: Andi's click 14 days before, Mitra 7, Sari 3, Joko 0."""
    people = {"Andi": participant}
    for name, days in (("Mitra", 7), ("Sari", 3), ("Joko", 0)):
        people[name] = enrol(api, f"{name.lower()}_1", name)
    signed_up_by_click(api, participant, 14)
    for name, days in (("Mitra", 7), ("Sari", 3), ("Joko", 0)):
        touch(workspace, program, days, partner_external_id=f"{name.lower()}_1")
    return people


# A 100 % rule: the commission is the sale, so the parts are the worked example's credit.
WORKED_EXAMPLE = {
    "linear": [25_000_000] * 4,
    "position_based": [40_000_000, 10_000_000, 10_000_000, 40_000_000],
    "time_decay": [10_028_090, 20_056_180, 29_803_369, 40_112_361],
    "first_touch": [100_000_000],
}


@pytest.mark.parametrize("percent", ["100"])
@pytest.mark.parametrize("model", list(WORKED_EXAMPLE))
def test_the_worked_example(api, four_partners, model, percent):
    buy(api)
    parts = [amount for _, amount in percent_parts(four_partners)]
    assert parts == WORKED_EXAMPLE[model]
    assert sum(parts) == SALE


@pytest.mark.parametrize("percent", ["100"])
@pytest.mark.parametrize("model", ["position_based"])
def test_refunds_reverse_each_part_in_proportion(api, four_partners, model, percent):
    buy(api)
    refund = {
        "customer_external_id": "budi",
        "invoice_id": "inv-1",
        "currency": "IDR",
    }
    response = api.post("/api/v1/track/refund", {**refund, "event_id": "r1", "amount": SALE // 2})
    assert response.status_code == 201, response.content
    parts = Reward.objects.filter(recipient="referrer", kind="percent").order_by("-amount", "pk")
    assert {(r.amount, r.reversed_amount) for r in parts} == {
        (40_000_000, 20_000_000),
        (10_000_000, 5_000_000),
    }
    reversed_now = {r["reward_id"]: r["amount"] for r in response.json()["reversals"]}
    for name, person in four_partners.items():
        reward = Reward.objects.get(participant_id=person["id"], kind="percent")
        assert reversed_now[str(reward.pk)] == share_half_even(reward.amount, 1, 2), name
        [held] = balances(participant=reward.participant)
        mine = Reward.objects.filter(participant_id=person["id"])  # Andi's fixed reward too
        assert held["approved"] == sum(r.amount - r.reversed_amount for r in mine), name
    # The rest of the invoice: every part is reversed in full.
    api.post("/api/v1/track/refund", {**refund, "event_id": "r2", "amount": SALE // 2})
    assert all(r.reversed_amount == r.amount for r in Reward.objects.all() if r.amount)
    assert_books_balanced()


def assert_books_balanced():
    for currency in {entry.currency for entry in LedgerEntry.objects.all()}:
        total = sum(LedgerEntry.objects.filter(currency=currency).values_list("amount", flat=True))
        assert total == 0, currency
    for reward in Reward.objects.filter(amount__isnull=False):
        moved = sum(
            LedgerEntry.objects.filter(
                transaction__reward=reward, participant_id=reward.participant_id
            ).values_list("amount", flat=True)
        )
        assert moved == reward.amount - reward.reversed_amount


@pytest.mark.parametrize("model", ["linear"])
def test_cancel_reverses_every_part_and_payouts_pay_each_part(
    api, workspace, three_partners, model
):
    buy(api)
    program = Program.objects.get(slug="pelanggan")
    payout = payout_create(workspace=workspace, program=program, currency="IDR")
    paid = {str(item["participant_id"]): item["amount"] for item in payout_items(payout)}
    assert paid == {
        three_partners["Andi"]["id"]: 6_666_667 + 1_000_000,
        three_partners["Mitra"]["id"]: 6_666_667,
        three_partners["Sari"]["id"]: 6_666_666,
        str(Referral.objects.get().friend_id): 5_000_000,
    }
    response = api.post(
        "/api/v1/track/cancel", {"event_id": "cancel-1", "customer_external_id": "budi"}
    )
    assert response.status_code == 201, response.content
    assert {r["participant_id"] for r in response.json()["reversals"]} == set(paid)
    assert all(r.reversed_amount == r.amount for r in Reward.objects.all() if r.amount)
    assert payout_items(payout) == []  # the draft pays nothing that was taken back
    assert_books_balanced()


@pytest.mark.parametrize("model", ["linear"])
def test_a_repeated_event_grants_nothing_twice(api, three_partners, model):
    first = buy(api)
    again = buy(api)
    assert again == first
    assert Reward.objects.filter(recipient="referrer", kind="percent").count() == 3
    assert_books_balanced()


@pytest.mark.parametrize("model", ["first_touch"])
def test_a_campaign_first_falls_to_the_first_participant(
    api, workspace, program, participant, frozen_clock, model
):
    """first_touch on a campaign: the participants' touches alone decide (Mitra, the first of
    them), the referral's referrer gets no part of the percent rule, the fixed reward stays his."""
    mitra = enrol(api, "mitra_1", "Mitra")
    signed_up_by_click(api, participant, 14)
    touch(workspace, program, 25, campaign="ramadan")
    touch(workspace, program, 20, partner_external_id="mitra_1")
    buy(api)
    [part] = Reward.objects.filter(recipient="referrer", kind="percent")
    assert (str(part.participant_id), part.amount) == (mitra["id"], 20_000_000)
    assert part.attribution_share == Decimal(1)
    fixed = Reward.objects.get(kind="fixed")
    assert str(fixed.participant_id) == participant["id"]
    rewards = api.get(f"/api/v1/rewards?participant={mitra['id']}").json()["items"]
    assert [(r["amount"], r["attribution_share"]) for r in rewards] == [(20_000_000, "1.000000")]


@pytest.mark.parametrize("model", ["linear"])
def test_touches_outside_the_window_do_not_count_and_an_old_referral_stays(
    api, workspace, program, participant, frozen_clock, model
):
    """Mitra's touch 40 days before the sale is outside the 30-day window; Andi's referral is
    60 days old but is kept at the window's start: Andi and Sari share the commission."""
    enrol(api, "mitra_1", "Mitra")
    sari = enrol(api, "sari_1", "Sari")
    signed_up_by_click(api, participant, 60)
    touch(workspace, program, 40, partner_external_id="mitra_1")
    touch(workspace, program, 2, partner_external_id="sari_1")
    buy(api)
    parts = {
        str(reward.participant_id): reward.amount
        for reward in Reward.objects.filter(recipient="referrer", kind="percent")
    }
    assert parts == {participant["id"]: 10_000_000, sari["id"]: 10_000_000}


@pytest.mark.parametrize("model", ["last_touch"])
def test_last_touch_grants_as_before_without_reading_the_journey(
    api, three_partners, model, django_assert_num_queries
):
    referral = Referral.objects.select_related("program").get()
    with django_assert_num_queries(0):
        assert commission_split(referral=referral, at=SALE_AT) is None
    sold = buy(api)
    [whole] = Reward.objects.filter(recipient="referrer", kind="percent")
    assert (str(whole.participant_id), whole.amount) == (three_partners["Andi"]["id"], 20_000_000)
    assert whole.attribution_share is None
    assert len(sold["rewards"]) == 3
    rewards = api.get("/api/v1/rewards").json()["items"]
    assert {r["attribution_share"] for r in rewards} == {None}


@pytest.mark.parametrize("model", ["time_decay"])
def test_a_journey_of_the_referrer_alone_is_not_split(
    api, workspace, program, participant, frozen_clock, model
):
    signed_up_by_click(api, participant, 5)
    touch(workspace, program, 1, partner_external_id=participant["external_id"])
    touch(workspace, program, 0, kind="direct")
    referral = Referral.objects.select_related("program").get()
    assert commission_split(referral=referral, at=SALE_AT) is None
    buy(api)
    [whole] = Reward.objects.filter(recipient="referrer", kind="percent")
    assert (whole.amount, whole.attribution_share) == (20_000_000, None)
