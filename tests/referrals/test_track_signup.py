"""POST /api/v1/track/signup: attribution by click or code, self-referral, friend rewards,
exactly-once per event_id."""

from datetime import timedelta

import pytest

from tests.helpers import assert_problem
from tests.referrals.conftest import signup_body
from tular.core import clock
from tular.participants.models import Participant
from tular.referrals.models import Referral, TrackedEvent
from tular.rewards.models import Reward


def test_signup_by_code_creates_a_referral_and_the_friend_reward(api, participant):
    # when Budi signs up with Andi's code
    response = api.post("/api/v1/track/signup", signup_body(participant))
    # then the referral is Andi's and Budi gets the program's Rp50.000 friend reward
    assert response.status_code == 201
    body = response.json()
    assert body["attributed"] is True
    assert body["participant_id"] == participant["id"]
    assert body["status"] == "active"
    [reward] = body["rewards"]
    assert (reward["recipient"], reward["kind"], reward["amount"], reward["currency"]) == (
        "friend",
        "fixed",
        5_000_000,
        "IDR",
    )
    budi = Participant.objects.get(external_id="cust_budi")
    assert reward["participant_id"] == str(budi.pk)
    assert budi.program.slug == "pelanggan"  # the friend can refer in turn


def test_signup_by_click_id_inside_the_window(api, participant):
    click = api.post("/api/v1/track/click", {"code": participant["code"]}).json()
    body = signup_body(participant, click_id=click["click_id"])
    del body["code"]
    response = api.post("/api/v1/track/signup", body)
    assert response.json()["attributed"] is True
    assert Referral.objects.get().click_id is not None


def test_click_outside_the_attribution_window_does_not_attribute(api, participant):
    click = api.post("/api/v1/track/click", {"code": participant["code"]}).json()
    with clock.frozen(clock.now() + timedelta(days=31)):  # the program's window is 30 days
        body = signup_body(participant, click_id=click["click_id"])
        del body["code"]
        response = api.post("/api/v1/track/signup", body)
    assert response.status_code == 201
    assert response.json() == {
        "attributed": False,
        "referral_id": None,
        "participant_id": None,
        "status": None,
        "rewards": [],
    }
    assert Referral.objects.count() == 0


def test_neither_click_nor_code_is_not_attributed(api, participant):
    body = signup_body(participant)
    del body["code"]
    response = api.post("/api/v1/track/signup", body)
    assert response.json()["attributed"] is False


def test_self_referral_is_flagged_and_earns_nothing(api, participant):
    # Andi signs up with his own code, his e-mail in another case
    response = api.post("/api/v1/track/signup", signup_body(participant, email="ANDI@Example.com"))
    body = response.json()
    assert body["status"] == "flagged"
    assert body["rewards"] == []
    assert Reward.objects.count() == 0


def test_repeated_event_id_returns_the_first_result_with_200_and_no_second_effect(api, participant):
    first = api.post("/api/v1/track/signup", signup_body(participant))
    again = api.post("/api/v1/track/signup", signup_body(participant))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Referral.objects.count() == 1
    assert Reward.objects.count() == 1


def test_event_id_used_for_another_kind_is_refused(api, participant, budi_signed_up):
    response = api.post(
        "/api/v1/track/sale",
        {
            "event_id": "signup-budi",
            "customer_external_id": "cust_budi",
            "amount": 100,
            "currency": "IDR",
        },
    )
    assert_problem(response, 422)


def test_a_customer_is_referred_once(api, participant, budi_signed_up):
    again = api.post("/api/v1/track/signup", signup_body(participant, event_id="other"))
    assert again.json()["referral_id"] == budi_signed_up["referral_id"]
    assert Referral.objects.count() == 1


def test_outsider_code_does_not_attribute(outsider_api, participant):
    response = outsider_api.post("/api/v1/track/signup", signup_body(participant))
    assert response.json()["attributed"] is False


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"customer": {"external_id": "x", "email": "not-an-email"}}, "email"),
        ({"customer": {"email": "budi@example.com"}}, "external_id"),
        ({"customer": None}, "customer"),
        ({"event_id": ""}, "event_id"),
        ({"event_id": None}, "event_id"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
        ({"occurred_at": "2026-05-17T09:00:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"ip": "999.1.1.1"}, "ip"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_signup_is_422_and_writes_nothing(api, participant, change, where):
    body = {**signup_body(participant), **change}
    problem = assert_problem(api.post("/api/v1/track/signup", body), 422)
    assert where in str(problem["errors"])
    assert Referral.objects.count() == 0
    assert TrackedEvent.objects.count() == 0
    assert Reward.objects.count() == 0


def test_publishable_key_cannot_track_signups(publishable_api, participant):
    assert_problem(publishable_api.post("/api/v1/track/signup", signup_body(participant)), 403)


def test_clearing_a_flagged_referral_grants_what_it_would_have_earned(api, participant):
    from tular.referrals.services import referral_clear

    # given a flagged sign-up that then bought
    api.post("/api/v1/track/signup", signup_body(participant, email="andi@example.com"))
    api.post(
        "/api/v1/track/sale",
        {
            "event_id": "s1",
            "customer_external_id": "cust_budi",
            "amount": 100_000_000,
            "currency": "IDR",
        },
    )
    assert Reward.objects.count() == 0
    # when a manager clears it
    granted = referral_clear(referral=Referral.objects.get())
    # then the friend reward and the 20 % on the sale exist, and clearing twice is refused
    assert sorted((r.recipient, r.amount) for r in granted) == [
        ("friend", 5_000_000),
        ("referrer", 20_000_000),
    ]
    assert Referral.objects.get().status == "active"
    from tular.core.errors import Conflict

    with pytest.raises(Conflict):
        referral_clear(referral=Referral.objects.get())


def test_manager_clears_a_flag_in_the_admin(api, participant, admin_client):
    api.post("/api/v1/track/signup", signup_body(participant, email="andi@example.com"))
    referral = Referral.objects.get()
    response = admin_client.post(
        "/admin/referrals/referral/",
        {"action": "clear_flag", "_selected_action": [str(referral.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert Referral.objects.get().status == "active"
    assert Reward.objects.filter(recipient="friend").count() == 1
