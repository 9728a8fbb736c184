"""Stripe in (api-v1): registration, then Stripe's own deliveries, signed as Stripe signs them.

The payloads have the shape Stripe sends (an `event` whose `data.object` is an invoice, a charge
or a subscription). Nothing is mocked: webhooks are inbound, Stripe's servers are never called.
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.helpers import PROGRAM_BODY, assert_problem
from tests.referrals.conftest import signup_body
from tular.integrations.models import StripeIntegration
from tular.referrals.models import Conversion, Referral, TrackedEvent
from tular.rewards.models import Reward

SECRET = "whsec_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
CUSTOMER = "cus_QxYz12AbCdEf34"
API_VERSION = "2024-06-20"


# ---------------------------------------------------------------- Stripe, as it sends


def sign(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    """`Stripe-Signature`: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def stripe_event(event_type: str, obj: dict, *, event_id: str = "evt_1PqRsTuVwXyZ0001") -> dict:
    now = int(time.time())
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def invoice(
    *,
    invoice_id: str = "in_1PqRsT2eZvKYlo2C0001",
    customer: str | dict = CUSTOMER,
    amount_paid: int = 100_000_000,
    currency: str = "idr",
    metadata: dict | None = None,
) -> dict:
    paid_at = int(time.time()) - 10
    return {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "ID",
        "amount_due": amount_paid,
        "amount_paid": amount_paid,
        "amount_remaining": 0,
        "attempt_count": 1,
        "attempted": True,
        "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically",
        "created": paid_at - 3600,
        "currency": currency,
        "customer": customer,
        "customer_email": "budi@example.com",
        "customer_name": "Budi",
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_1",
        "lines": {"object": "list", "data": [], "has_more": False, "total_count": 0},
        "livemode": False,
        "metadata": metadata or {},
        "number": "A1B2C3D4-0001",
        "paid": True,
        "period_end": paid_at,
        "period_start": paid_at - 30 * 86400,
        "status": "paid",
        "status_transitions": {
            "finalized_at": paid_at - 3600,
            "marked_uncollectible_at": None,
            "paid_at": paid_at,
            "voided_at": None,
        },
        "subscription": "sub_1PqRsT2eZvKYlo2C",
        "subtotal": amount_paid,
        "total": amount_paid,
    }


def charge(
    *,
    amount: int = 100_000_000,
    amount_refunded: int,
    invoice_id: str = "in_1PqRsT2eZvKYlo2C0001",
    customer: str = CUSTOMER,
) -> dict:
    return {
        "id": "ch_3PqRsT2eZvKYlo2C0001",
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "balance_transaction": "txn_3PqRsT2eZvKYlo2C",
        "captured": True,
        "created": int(time.time()) - 86400,
        "currency": "idr",
        "customer": customer,
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": "pi_3PqRsT2eZvKYlo2C",
        "refunded": amount_refunded == amount,
        "status": "succeeded",
    }


def subscription(*, customer: str = CUSTOMER) -> dict:
    now = int(time.time())
    return {
        "id": "sub_1PqRsT2eZvKYlo2C",
        "object": "subscription",
        "billing_cycle_anchor": now - 40 * 86400,
        "cancel_at_period_end": False,
        "canceled_at": now - 5,
        "created": now - 40 * 86400,
        "currency": "idr",
        "customer": customer,
        "ended_at": now - 5,
        "items": {"object": "list", "data": [], "has_more": False, "total_count": 0},
        "livemode": False,
        "metadata": {},
        "status": "canceled",
    }


# ---------------------------------------------------------------- fixtures


def register(api, *, secret=SECRET, program="pelanggan"):
    return api.post("/api/v1/integrations/stripe", {"signing_secret": secret, "program": program})


@pytest.fixture
def webhook_path(api, program):
    response = register(api)
    assert response.status_code == 201, response.content
    url = response.json()["webhook_url"]
    return url.removeprefix("http://testserver")


@pytest.fixture
def stripe_customer_referred(api, participant):
    """Budi signs up through Andi's code; the integrator knows him by his Stripe customer id."""
    response = api.post(
        "/api/v1/track/signup", signup_body(participant, external_id=CUSTOMER, event_id="su-1")
    )
    assert response.status_code == 201, response.content
    assert response.json()["attributed"] is True
    return response.json()


def deliver(client, path, event: dict, *, secret=SECRET, timestamp=None, signature=None):
    payload = json.dumps(event, separators=(",", ":"))
    header = signature if signature is not None else sign(payload, secret, timestamp)
    headers = {"Stripe-Signature": header} if header else {}
    return client.post(path, data=payload, content_type="application/json", headers=headers)


def referrer_rewards():
    return list(Reward.objects.filter(recipient="referrer").order_by("created_at"))


def nothing_written():
    return (
        TrackedEvent.objects.filter(event_id__startswith="evt_").count() == 0
        and Conversion.objects.count() == 0
    )


# ---------------------------------------------------------------- registration


def test_register_answers_201_with_a_webhook_url_outside_the_api(api, program):
    response = register(api)
    assert response.status_code == 201, response.content
    url = response.json()["webhook_url"]
    assert url.startswith("http://testserver/integrations/stripe/")
    assert url.endswith("/webhook")
    token = url.removeprefix("http://testserver/integrations/stripe/").removesuffix("/webhook")
    assert len(token) >= 32 and "/" not in token
    assert SECRET not in response.content.decode()
    integration = StripeIntegration.objects.get()
    assert (integration.token, integration.signing_secret) == (token, SECRET)
    assert integration.program.slug == "pelanggan"


def test_webhook_url_starts_with_tular_public_url(api, program, settings):
    settings.TULAR_PUBLIC_URL = "https://ref.toko.example"
    url = register(api).json()["webhook_url"]
    assert url.startswith("https://ref.toko.example/integrations/stripe/")


def test_every_integration_gets_its_own_unguessable_token(api, outsider_api, program):
    outsider_api.post("/api/v1/programs", PROGRAM_BODY)
    first = register(api).json()["webhook_url"]
    second = register(outsider_api).json()["webhook_url"]
    assert first != second


def test_registering_the_same_program_again_replaces_the_secret_keeps_the_url_and_answers_200(
    api, program
):
    first = register(api).json()["webhook_url"]
    new_secret = "whsec_" + "Z" * 32
    again = register(api, secret=new_secret)
    assert again.status_code == 200
    assert again.json()["webhook_url"] == first
    assert StripeIntegration.objects.get().signing_secret == new_secret


def test_a_secret_that_is_not_whsec_is_422(api, program):
    for bad in ("sk_test_123456789012345678901234", "whsec_", "whsec_short", "rahasia"):
        body = assert_problem(register(api, secret=bad), 422)
        assert body["errors"][0]["loc"][-1] == "signing_secret"
    assert StripeIntegration.objects.count() == 0


def test_an_unknown_program_is_422(api, program):
    body = assert_problem(register(api, program="tidak-ada"), 422)
    assert body["errors"][0]["loc"] == ["body", "program"]


def test_a_publishable_key_may_not_register(publishable_api, program):
    assert_problem(register(publishable_api), 403)


def test_without_a_key_it_is_401(anonymous_api, program):
    assert_problem(register(anonymous_api), 401)


def test_an_outsider_neither_sees_nor_reaches_the_workspace_integration(api, outsider_api, program):
    register(api)
    # the owner's program is unknown to the outsider
    assert_problem(register(outsider_api), 422)
    assert outsider_api.get("/api/v1/integrations/stripe").json() == {"items": []}
    [mine] = api.get("/api/v1/integrations/stripe").json()["items"]
    assert mine["program"] == "pelanggan" and "signing_secret" not in mine
    assert StripeIntegration.objects.get().signing_secret == SECRET


# ---------------------------------------------------------------- invoice.paid → sale


def test_invoice_paid_records_a_sale_with_the_referral_rewards(
    client, api, participant, stripe_customer_referred, webhook_path
):
    response = deliver(client, webhook_path, stripe_event("invoice.paid", invoice()))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["attributed"] is True
    sale = Conversion.objects.get(kind="sale")
    assert (sale.invoice_id, sale.amount, sale.currency) == (
        "in_1PqRsT2eZvKYlo2C0001",
        100_000_000,
        "IDR",
    )
    assert sale.referral.customer_external_id == CUSTOMER
    assert sale.event.event_id == "evt_1PqRsTuVwXyZ0001"
    [reward] = referrer_rewards()
    assert (reward.amount, reward.currency, reward.status) == (20_000_000, "IDR", "pending")
    assert str(reward.participant_id) == participant["id"]
    assert [r["id"] for r in body["rewards"] if r["recipient"] == "referrer"] == [str(reward.id)]
    balances = api.get(f"/api/v1/participants/{participant['id']}").json()["balances"]
    assert balances == [{"currency": "IDR", "pending": 20_000_000, "approved": 0, "paid": 0}]


def test_occurred_at_is_the_invoice_paid_at(client, stripe_customer_referred, webhook_path):
    paid = invoice()
    deliver(client, webhook_path, stripe_event("invoice.paid", paid))
    sale = Conversion.objects.get(kind="sale")
    expected = datetime.fromtimestamp(paid["status_transitions"]["paid_at"], tz=UTC)
    assert sale.occurred_at == expected


def test_the_same_stripe_event_delivered_twice_is_one_sale(
    client, stripe_customer_referred, webhook_path
):
    event = stripe_event("invoice.paid", invoice())
    first = deliver(client, webhook_path, event)
    second = deliver(client, webhook_path, event)  # Stripe retries with a fresh signature
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert Conversion.objects.filter(kind="sale").count() == 1
    assert len(referrer_rewards()) == 1


def test_metadata_tular_customer_names_the_customer(client, api, participant, webhook_path):
    api.post(
        "/api/v1/track/signup", signup_body(participant, external_id="user-77", event_id="su-77")
    )
    paid = invoice(metadata={"tular_customer": "user-77"})
    response = deliver(client, webhook_path, stripe_event("invoice.paid", paid))
    assert response.json()["attributed"] is True
    assert Conversion.objects.get(kind="sale").referral.customer_external_id == "user-77"


def test_metadata_of_an_expanded_customer_names_the_customer(
    client, api, participant, webhook_path
):
    api.post(
        "/api/v1/track/signup", signup_body(participant, external_id="user-78", event_id="su-78")
    )
    expanded = {"id": CUSTOMER, "object": "customer", "metadata": {"tular_customer": "user-78"}}
    event = stripe_event("invoice.paid", invoice(customer=expanded))
    response = deliver(client, webhook_path, event)
    assert response.json()["attributed"] is True


def test_an_invoice_of_an_unknown_customer_is_acknowledged_not_attributed(
    client, participant, webhook_path
):
    response = deliver(client, webhook_path, stripe_event("invoice.paid", invoice()))
    assert response.status_code == 200
    assert response.json()["attributed"] is False
    assert Conversion.objects.count() == 0


def test_an_invoice_with_nothing_paid_is_acknowledged_and_records_nothing(
    client, stripe_customer_referred, webhook_path
):
    free = invoice(amount_paid=0)
    response = deliver(client, webhook_path, stripe_event("invoice.paid", free))
    assert response.status_code == 200
    assert response.json()["ignored"] is True
    assert nothing_written()


# ---------------------------------------------------------------- charge.refunded → refund


@pytest.fixture
def sold(client, stripe_customer_referred, webhook_path):
    response = deliver(client, webhook_path, stripe_event("invoice.paid", invoice()))
    assert response.json()["attributed"] is True
    return response.json()


def test_partial_then_full_refund_reverses_the_rewards_in_proportion(
    client, api, participant, sold, webhook_path
):
    pytest.importorskip("tular.rewards.reversals")
    [reward] = referrer_rewards()
    # Stripe sends the charge's cumulative amount_refunded: 30 %, then all of it.
    partial = stripe_event(
        "charge.refunded", charge(amount_refunded=30_000_000), event_id="evt_refund_1"
    )
    response = deliver(client, webhook_path, partial)
    assert response.status_code == 200, response.content
    [reversal] = response.json()["reversals"]
    assert reversal["amount"] == 6_000_000  # 30 % of the 20 % commission
    full = stripe_event(
        "charge.refunded", charge(amount_refunded=100_000_000), event_id="evt_refund_2"
    )
    response = deliver(client, webhook_path, full)
    [reversal] = response.json()["reversals"]
    assert reversal["amount"] == 14_000_000
    refunds = Conversion.objects.filter(kind="refund").order_by("created_at")
    assert [r.amount for r in refunds] == [30_000_000, 70_000_000]
    reward.refresh_from_db()
    assert (reward.reversed_amount, reward.status) == (20_000_000, "reversed")
    balances = api.get(f"/api/v1/participants/{participant['id']}").json()["balances"]
    assert balances[0]["pending"] == 0


def test_a_refund_event_delivered_twice_or_late_refunds_once(client, sold, webhook_path):
    pytest.importorskip("tular.rewards.reversals")
    full = stripe_event(
        "charge.refunded", charge(amount_refunded=100_000_000), event_id="evt_refund_full"
    )
    assert deliver(client, webhook_path, full).status_code == 200
    assert deliver(client, webhook_path, full).status_code == 200
    # an earlier partial refund arriving after the full one: already covered
    late = stripe_event(
        "charge.refunded", charge(amount_refunded=30_000_000), event_id="evt_refund_late"
    )
    response = deliver(client, webhook_path, late)
    assert response.status_code == 200
    assert response.json()["ignored"] is True
    assert [r.amount for r in Conversion.objects.filter(kind="refund")] == [100_000_000]


def test_a_refund_of_an_invoice_tular_never_recorded_is_acknowledged(
    client, stripe_customer_referred, webhook_path
):
    event = stripe_event("charge.refunded", charge(amount_refunded=5_000))
    response = deliver(client, webhook_path, event)
    assert response.status_code == 200
    assert response.json()["ignored"] is True and response.json()["reason"]
    assert nothing_written()


def test_a_refund_for_an_unknown_customer_is_acknowledged(client, program, webhook_path):
    event = stripe_event("charge.refunded", charge(amount_refunded=5_000, customer="cus_nobody"))
    response = deliver(client, webhook_path, event)
    assert response.status_code == 200
    assert response.json()["ignored"] is True
    assert "no referred customer" in response.json()["reason"]


# ---------------------------------------------------------------- subscription.deleted → cancel


def test_subscription_deleted_cancels_and_claws_back_young_rewards(client, sold, webhook_path):
    pytest.importorskip("tular.rewards.reversals")
    event = stripe_event("customer.subscription.deleted", subscription(), event_id="evt_cancel")
    response = deliver(client, webhook_path, event)
    assert response.status_code == 200, response.content
    # the referrer's 20 % commission and Budi's own sign-up reward, both younger than 60 days
    assert sorted(r["amount"] for r in response.json()["reversals"]) == [5_000_000, 20_000_000]
    referral = Referral.objects.get(customer_external_id=CUSTOMER)
    assert referral.cancelled_at is not None
    assert Conversion.objects.filter(kind="cancel").count() == 1


def test_a_cancellation_of_an_unknown_customer_is_acknowledged(client, program, webhook_path):
    event = stripe_event("customer.subscription.deleted", subscription(customer="cus_nobody"))
    response = deliver(client, webhook_path, event)
    assert response.status_code == 200
    assert response.json()["ignored"] is True and response.json()["reason"]
    assert nothing_written()


# ---------------------------------------------------------------- signatures


def test_a_bad_signature_is_400_and_writes_nothing(client, stripe_customer_referred, webhook_path):
    event = stripe_event("invoice.paid", invoice())
    for signature in (
        None,  # no header at all
        "t=1,v1=00",
        "garbage",
    ):
        response = deliver(client, webhook_path, event, signature=signature or "")
        body = assert_problem(response, 400)
        assert "Stripe-Signature" in body["detail"]
    wrong_secret = deliver(client, webhook_path, event, secret="whsec_" + "x" * 32)
    assert_problem(wrong_secret, 400)
    assert nothing_written()


def test_a_body_changed_after_signing_is_400(client, stripe_customer_referred, webhook_path):
    event = stripe_event("invoice.paid", invoice())
    payload = json.dumps(event, separators=(",", ":"))
    header = sign(payload)
    tampered = payload.replace("100000000", "900000000")
    response = client.post(
        webhook_path,
        data=tampered,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert_problem(response, 400)
    assert nothing_written()


def test_a_timestamp_older_than_five_minutes_is_400(client, stripe_customer_referred, webhook_path):
    event = stripe_event("invoice.paid", invoice())
    stale = deliver(client, webhook_path, event, timestamp=int(time.time()) - 301)
    assert_problem(stale, 400)
    assert nothing_written()
    fresh_enough = deliver(client, webhook_path, event, timestamp=int(time.time()) - 240)
    assert fresh_enough.status_code == 200


def test_the_signature_of_the_old_secret_fails_after_re_registering(
    client, api, stripe_customer_referred, webhook_path
):
    register(api, secret="whsec_" + "N" * 32)
    event = stripe_event("invoice.paid", invoice())
    assert_problem(deliver(client, webhook_path, event), 400)
    assert deliver(client, webhook_path, event, secret="whsec_" + "N" * 32).status_code == 200


def test_an_unknown_token_is_404(client, program):
    event = stripe_event("invoice.paid", invoice())
    assert_problem(deliver(client, "/integrations/stripe/nope/webhook", event), 404)


def test_only_post_is_accepted(client, webhook_path):
    response = client.get(webhook_path)
    assert_problem(response, 405)
    assert response["Allow"] == "POST"


# ---------------------------------------------------------------- other events


def test_an_unknown_event_type_is_acknowledged_as_ignored(client, program, webhook_path):
    event = stripe_event("customer.created", {"id": CUSTOMER, "object": "customer"})
    response = deliver(client, webhook_path, event)
    assert response.status_code == 200
    assert response.json()["ignored"] is True
    assert nothing_written()


def test_a_signed_body_that_is_not_a_stripe_event_is_400(client, webhook_path):
    for payload in ("not json", "[]", '{"object": "list"}'):
        response = client.post(
            webhook_path,
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": sign(payload)},
        )
        assert_problem(response, 400)


def test_a_malformed_event_is_acknowledged_not_a_500(client, program, webhook_path):
    for event in (
        {"id": "evt_x", "object": "event", "type": ["invoice.paid"], "data": {}},
        {"id": "evt_y", "object": "event", "type": "invoice.paid", "data": 5},
        {"object": "event", "type": "invoice.paid", "data": {"object": invoice()}},
        stripe_event("invoice.paid", {**invoice(), "amount_paid": "100"}),
        stripe_event("invoice.paid", {**invoice(), "currency": "xx"}),
        stripe_event("invoice.paid", {**invoice(), "customer": None}),
    ):
        response = deliver(client, webhook_path, event)
        assert response.status_code == 200, response.content
        assert response.json()["ignored"] is True
    assert nothing_written()


def test_a_refund_finds_the_customer_the_invoice_named_by_metadata(
    client, api, participant, webhook_path
):
    pytest.importorskip("tular.rewards.reversals")
    api.post(
        "/api/v1/track/signup", signup_body(participant, external_id="user-79", event_id="su-79")
    )
    paid = invoice(metadata={"tular_customer": "user-79"})
    assert deliver(client, webhook_path, stripe_event("invoice.paid", paid)).status_code == 200
    # Stripe does not copy the invoice's metadata onto its charge: the sale names the customer.
    refund = stripe_event("charge.refunded", charge(amount_refunded=50_000_000), event_id="evt_r")
    response = deliver(client, webhook_path, refund)
    assert [r["amount"] for r in response.json()["reversals"]] == [10_000_000]
    assert Conversion.objects.get(kind="refund").referral.customer_external_id == "user-79"


def test_stripe_needs_no_csrf_token(stripe_customer_referred, webhook_path):
    strict = Client(enforce_csrf_checks=True)
    response = deliver(strict, webhook_path, stripe_event("invoice.paid", invoice()))
    assert response.status_code == 200
    assert response.json()["attributed"] is True
