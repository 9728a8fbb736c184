"""Stripe in (api-v1): registering a Stripe webhook endpoint, and turning Stripe's events into
the tracking calls an integrator would otherwise make.

- `invoice.paid` → a sale (`amount_paid`, upper-cased `currency`, the invoice id);
- `charge.refunded` → a refund of the charge's invoice: Stripe sends the charge's cumulative
  `amount_refunded`, Tular refunds what it has not recorded yet;
- `customer.subscription.deleted` → a cancellation.

Stripe's event id is the `event_id`, so Stripe's retries go through `events.once` like any
repeated track/* call. Everything Stripe cannot fix by retrying (an unknown customer, a refund
of an invoice Tular never saw, an event of another type) is acknowledged with 200 and a reason:
a non-2xx answer would make Stripe retry for days.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from tular.core.errors import DomainError, Invalid
from tular.core.money import is_currency
from tular.integrations.models import StripeIntegration
from tular.programs.rules import MAX_AMOUNT
from tular.programs.services import program_named_in_body
from tular.referrals import services as use_cases
from tular.referrals.models import Conversion, ConversionKind
from tular.workspaces.audit import Actor, audit_record

TOLERANCE_SECONDS = 300  # api-v1: a 5-minute tolerance on Stripe-Signature's timestamp
WEBHOOK_PATH = "/integrations/stripe/{token}/webhook"


# ---------------------------------------------------------------- registration


SIGNING_SECRET = re.compile(r"^whsec_[A-Za-z0-9_+/=-]{16,240}$")
NOT_A_SIGNING_KEY = (
    "not a Stripe webhook signing secret (whsec_…, shown with the endpoint in "
    "Stripe's dashboard or by `stripe listen`)"
)


def signing_secret_check(value: str) -> str:
    """The secret as given, or Invalid (422 at `signing_secret`)."""
    if not isinstance(value, str) or not SIGNING_SECRET.match(value):
        raise Invalid(["signing_secret"], NOT_A_SIGNING_KEY)
    return value


def integrations_filter(*, workspace):
    """The workspace's Stripe integrations with their programs, oldest first (a queryset)."""
    return (
        StripeIntegration.objects.filter(workspace=workspace)
        .select_related("program")
        .order_by("created_at")
    )


def integration_register(
    *, workspace, program_slug: str, signing_secret: str, actor: Actor | None = None
):
    """Store (or, for a program already connected, re-key) the integration.

    Returns (integration, created). Re-registering keeps the token, so the URL configured in
    Stripe keeps working while its secret is rolled. Recorded in the audit log (never the
    secret).
    """
    signing_secret_check(signing_secret)
    program = program_named_in_body(workspace=workspace, slug=program_slug)
    with transaction.atomic():
        integration = (
            StripeIntegration.objects.select_for_update(no_key=True)
            .filter(workspace=workspace, program=program)
            .first()
        )
        created = integration is None
        if integration is not None:
            integration.signing_secret = signing_secret
            integration.save(update_fields=["signing_secret", "updated_at"])
        else:
            integration = StripeIntegration.objects.create(
                workspace=workspace,
                program=program,
                signing_secret=signing_secret,
                token=secrets.token_urlsafe(32),
            )
        audit_record(
            workspace=workspace,
            actor=actor,
            action="stripe.connect" if created else "stripe.secret_replace",
            target=integration,
            after={"program": program.slug},
        )
        return integration, created


def webhook_url(integration: StripeIntegration, base_url: str) -> str:
    return base_url.rstrip("/") + WEBHOOK_PATH.format(token=integration.token)


# ---------------------------------------------------------------- the webhook


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


class Ignored(Exception):
    """A verified event that Tular acknowledges without recording anything."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def load_sdk() -> None:
    """Import Stripe's SDK now: a serving process does it in the background once it listens
    (tular.urls.load_everything), so the first delivery does not wait for it."""
    import stripe  # noqa: F401


class BadSignature(Exception):
    pass


def verify(payload: bytes, sig_header: str | None, secret: str) -> dict:
    """The event as plain dicts, once Stripe-Signature proves Stripe sent it in the last 5 min."""
    # Stripe's SDK loads here, on the first delivery: the console's settings pages import this
    # module, and a server must answer its first requests without loading the SDK (urls.py).
    import stripe

    try:
        text = payload.decode("utf-8")
        event = stripe.Webhook.construct_event(
            text, sig_header, secret, tolerance=TOLERANCE_SECONDS
        )
        event = event.to_dict()
    except stripe.SignatureVerificationError as exc:
        reason = str(exc).split(". ")[0].rstrip(".")
        raise BadSignature(f"The Stripe-Signature header does not verify: {reason}.") from None
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError):  # signed, not an event
        raise BadSignature("The body is not a Stripe event.") from None
    if event.get("object") != "event":
        raise BadSignature("The body is not a Stripe event.")
    return event


def handle(integration: StripeIntegration, event: dict) -> Answer:
    """Map a verified Stripe event onto a tracking call, exactly once per Stripe event id."""
    event_type = event.get("type")
    handler = HANDLERS.get(event_type) if isinstance(event_type, str) else None
    if handler is None:
        return Answer(200, {"ignored": True, "type": event_type})
    event_id = event.get("id")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event_id, str) or not event_id or not isinstance(obj, dict):
        return _ignored("the event carries no id or no data.object")
    try:
        return handler(integration, event, event_id[:200], obj)
    except Ignored as exc:
        return _ignored(exc.reason)
    except DomainError as exc:  # unknown customer, invoice never sold, over-refund, ...
        return _ignored(exc.detail)


def _ignored(reason: str) -> Answer:
    return Answer(200, {"ignored": True, "reason": reason})


def _answer(result) -> Answer:
    """Stripe gets the use case's result as JSON (200 for first receipt and repeats alike)."""
    return Answer(200, result.record())


# ---------------------------------------------------------------- reading Stripe objects


def _id(value) -> str | None:
    """A Stripe reference: an id string, or the expanded object carrying it."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _metadata_customer(obj) -> str | None:
    if not isinstance(obj, dict):
        return None
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return None
    value = metadata.get("tular_customer")
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def _customer(obj: dict, *also_metadata_of) -> str:
    """`metadata.tular_customer` (of the object, then of `also_metadata_of`, then of the
    customer when expanded), else the Stripe customer id."""
    customer = obj.get("customer")
    for source in (obj, *also_metadata_of, customer):
        found = _metadata_customer(source)
        if found:
            return found
    customer_id = _id(customer)
    if customer_id is None:
        raise Ignored(f"the {obj.get('object', 'object')} names no customer")
    return customer_id[:200]


def _time(value) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _amount(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_AMOUNT:
        raise Ignored(f"{field} is not an amount in minor units")
    return value


def _currency(value) -> str:
    currency = value.upper() if isinstance(value, str) else ""
    if not is_currency(currency):
        raise Ignored(f"{value!r} is not an ISO 4217 currency")
    return currency


def _expect(obj: dict, kind: str) -> None:
    if obj.get("object") != kind:
        raise Ignored(f"data.object is not a {kind}")


# ---------------------------------------------------------------- the events


def on_invoice_paid(integration, event: dict, event_id: str, invoice: dict) -> Answer:
    _expect(invoice, "invoice")
    invoice_id = _id(invoice)
    if invoice_id is None:
        raise Ignored("the invoice has no id")
    amount = _amount(invoice.get("amount_paid"), "amount_paid")
    if amount == 0:  # a trial, a 100 % coupon, a credit balance: no sale to reward
        raise Ignored("nothing was paid (amount_paid is 0)")
    # Subscription invoices carry their subscription's metadata here (API versions before and
    # after 2025-03-31), often the only place an integrator can set it.
    subscription_details = [
        invoice.get("subscription_details"),
        ((invoice.get("parent") or {}).get("subscription_details")),
    ]
    transitions = invoice.get("status_transitions") or {}
    result = use_cases.track_sale(
        workspace=integration.workspace,
        event_id=event_id,
        customer_external_id=_customer(invoice, *subscription_details),
        amount=amount,
        currency=_currency(invoice.get("currency")),
        invoice_id=invoice_id[:200],
        occurred_at=_time(transitions.get("paid_at")) or _time(event.get("created")),
    )
    return _answer(result)


def on_charge_refunded(integration, event: dict, event_id: str, charge: dict) -> Answer:
    _expect(charge, "charge")
    invoice_id = _id(charge.get("invoice"))
    if invoice_id is None:
        raise Ignored("the charge names no invoice: only refunds of invoice payments are tracked")
    invoice_id = invoice_id[:200]
    refunded_total = _amount(charge.get("amount_refunded"), "amount_refunded")
    currency = _currency(charge.get("currency"))
    sale = (
        Conversion.objects.select_related("referral")
        .filter(workspace=integration.workspace, kind=ConversionKind.sale, invoice_id=invoice_id)
        .first()
    )
    # The customer of the sale: the invoice may have named it by metadata.tular_customer, which
    # Stripe does not copy onto the charge.
    customer = sale.referral.customer_external_id if sale is not None else None
    # Stripe reports the charge's refunded total; the use case records what is new of it, with
    # the sale locked, so two refund events of one invoice never count the same refund twice.
    result = use_cases.track_refund(
        workspace=integration.workspace,
        event_id=event_id,
        customer_external_id=customer or _customer(charge),
        invoice_id=invoice_id,
        currency=currency,
        refunded_total=refunded_total,
        occurred_at=_time(event.get("created")),
    )
    return _answer(result)


def on_subscription_deleted(integration, event: dict, event_id: str, subscription: dict) -> Answer:
    _expect(subscription, "subscription")
    ended = (
        _time(subscription.get("ended_at"))
        or _time(subscription.get("canceled_at"))
        or _time(event.get("created"))
    )
    result = use_cases.track_cancel(
        workspace=integration.workspace,
        event_id=event_id,
        customer_external_id=_customer(subscription),
        occurred_at=ended,
    )
    return _answer(result)


HANDLERS = {
    "invoice.paid": on_invoice_paid,
    "charge.refunded": on_charge_refunded,
    "customer.subscription.deleted": on_subscription_deleted,
}


def receive(*, token: str, payload: bytes, sig_header: str | None) -> Answer:
    """The whole webhook: find the integration, verify, then map. Nothing is written unless
    the signature holds."""
    integration = (
        StripeIntegration.objects.select_related("workspace", "program").filter(token=token).first()
        if token
        else None
    )
    if integration is None:
        raise LookupError(token)
    event = verify(payload, sig_header, integration.signing_secret)
    return handle(integration, event)
