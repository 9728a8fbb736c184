"""Tracking what referred customers do: sign-up, sale, refund, cancellation (api-v1, Tracking).

Each function runs inside `events.once`, so it happens exactly once per event_id, with its
rewards and ledger entries in the same transaction.
"""

import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from tular.core import clock
from tular.core.errors import Conflict, Invalid, NotFound
from tular.participants.codes import normalise_code
from tular.participants.models import Participant
from tular.participants.services import normalise_email, participant_enrol
from tular.programs.rules import Trigger
from tular.referrals.models import Conversion, ConversionKind, Referral, ReferralStatus
from tular.rewards.engine import Occurrence
from tular.rewards.models import Reward
from tular.rewards.reversals import reverse_for_cancel, reverse_for_refund
from tular.rewards.services import rewards_grant
from tular.tracking.models import Click

# Clocks disagree: an event may be stamped a little ahead of ours.
FUTURE_SKEW = timedelta(minutes=5)


def check_occurred_at(occurred_at):
    now = clock.now()
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None:
        raise Invalid(["occurred_at"], "give a time zone (RFC 3339, e.g. 2026-11-27T08:00:00Z)")
    if occurred_at > now + FUTURE_SKEW:
        raise Invalid(["occurred_at"], "is in the future")
    return occurred_at


def signup_occurrence(*, program, at) -> Occurrence:
    return Occurrence(
        trigger=Trigger.signup,
        occurred_at=at,
        currency=program.currency,
        program_currency=program.currency,
        monetary_rewards_allowed=program.monetary_rewards_allowed,
    )


def sale_occurrence(*, referral: Referral, at, amount: int, currency: str, first_sale_at):
    """The facts the engine needs about a sale; `first_sale_at` is the customer's earlier first
    sale (None when this one is the first). Tiers count the referrer's distinct paying
    customers, this one included."""
    program = referral.program
    paying = (
        Referral.objects.filter(participant_id=referral.participant_id)
        .filter(Q(first_sale_at__isnull=False) | Q(pk=referral.pk))
        .count()
    )
    return Occurrence(
        trigger=Trigger.sale,
        occurred_at=at,
        currency=currency,
        program_currency=program.currency,
        sale_amount=amount,
        customer_first_sale_at=first_sale_at,
        paying_customers=paying,
        monetary_rewards_allowed=program.monetary_rewards_allowed,
    )


def reward_items(rewards: list[Reward]) -> list[dict]:
    items = []
    for reward in rewards:
        item = {
            "id": str(reward.id),
            "participant_id": str(reward.participant_id),
            "recipient": reward.recipient,
            "kind": reward.kind,
            "amount": reward.amount,
            "currency": reward.currency or None,
            "status": reward.status,
        }
        if reward.perk:
            item["perk"] = reward.perk
        items.append(item)
    return items


# ---------------------------------------------------------------- attribution


def participant_for(*, workspace, click_id: str | None, code: str | None, at):
    """The referrer by click (inside its program's attribution window) or else by code."""
    if click_id:
        try:
            click_uuid = uuid.UUID(click_id)
        except ValueError:
            click_uuid = None
        click = (
            Click.objects.select_related("participant__program")
            .filter(pk=click_uuid, workspace=workspace)
            .first()
            if click_uuid
            else None
        )
        if click is not None:
            window = timedelta(days=click.participant.program.window_days)
            if click.created_at <= at and at - click.created_at <= window:
                return click.participant, click
    if code:
        participant = (
            Participant.objects.select_related("program")
            .filter(workspace=workspace, code=normalise_code(code))
            .first()
        )
        if participant is not None:
            return participant, None
    return None, None


def is_self_referral(*, participant: Participant, email_normalised: str, external_id) -> bool:
    return bool(
        (email_normalised and email_normalised == participant.email_normalised)
        or (external_id and external_id == participant.external_id)
    )


def status_fields(*, flagged: bool) -> dict:
    """A new referral's status: flagged self-referrals earn nothing until a manager clears them."""
    if flagged:
        return {
            "status": ReferralStatus.flagged,
            "flag_reason": "self-referral: the customer is the referrer",
        }
    return {"status": ReferralStatus.active, "flag_reason": ""}


# ---------------------------------------------------------------- sign-up


def track_signup(*, workspace, event, data: dict) -> dict:
    customer = data["customer"]
    at = check_occurred_at(data.get("occurred_at"))
    email_normalised = normalise_email(customer["email"])
    existing = Referral.objects.filter(
        workspace=workspace, customer_external_id=customer["external_id"]
    ).first()
    if existing is not None:  # the customer was referred before: one referral per customer
        return _signup_response(existing, [])
    participant, click = participant_for(
        workspace=workspace, click_id=data.get("click_id"), code=data.get("code"), at=at
    )
    if participant is None:
        return {"attributed": False}
    program = participant.program
    flagged = is_self_referral(
        participant=participant,
        email_normalised=email_normalised,
        external_id=customer["external_id"],
    )
    friend = None
    if not flagged:
        # The friend joins the program too: their own link, their friend reward (R3, R23).
        friend, _ = participant_enrol(
            program=program,
            email=customer["email"],
            external_id=customer["external_id"],
            name=customer.get("name") or "",
        )
    referral = Referral.objects.create(
        workspace=workspace,
        program=program,
        participant=participant,
        friend=friend,
        customer_external_id=customer["external_id"],
        email=customer["email"],
        email_normalised=email_normalised,
        name=customer.get("name") or "",
        company=customer.get("company") or "",
        **status_fields(flagged=flagged),
        click=click,
        ip=data.get("ip"),
        user_agent=(data.get("user_agent") or "")[:500],
        created_at=at,
    )
    rewards = rewards_grant(
        referral=referral,
        occurrence=signup_occurrence(program=program, at=at),
    )
    return _signup_response(referral, rewards)


def _signup_response(referral: Referral, rewards: list[Reward]) -> dict:
    return {
        "attributed": True,
        "referral_id": str(referral.id),
        "participant_id": str(referral.participant_id),
        "status": referral.status,
        "rewards": reward_items(rewards),
    }


# ---------------------------------------------------------------- sale


def track_sale(*, workspace, event, data: dict) -> dict:
    at = check_occurred_at(data.get("occurred_at"))
    external_id = data["customer_external_id"]
    referral = (
        Referral.objects.select_related("program", "participant", "workspace")
        .filter(workspace=workspace, customer_external_id=external_id)
        .first()
    )
    if referral is None and (data.get("code") or data.get("click_id")):
        referral = _referral_at_checkout(workspace=workspace, data=data, at=at)
    if referral is None:
        return {"attributed": False, "conversion_id": None, "rewards": []}
    invoice_id = data.get("invoice_id")
    if (
        invoice_id
        and Conversion.objects.filter(
            workspace=workspace, invoice_id=invoice_id, kind=ConversionKind.sale
        ).exists()
    ):
        raise Conflict(f"invoice {invoice_id!r} was already recorded as a sale")
    conversion = Conversion.objects.create(
        workspace=workspace,
        program=referral.program,
        referral=referral,
        kind=ConversionKind.sale,
        invoice_id=invoice_id,
        amount=data["amount"],
        currency=data["currency"],
        event=event,
        occurred_at=at,
    )
    first_sale_at = referral.first_sale_at
    if first_sale_at is None or at < first_sale_at:
        Referral.objects.filter(pk=referral.pk).update(first_sale_at=at)
    rewards = []
    if referral.cancelled_at is None or at < referral.cancelled_at:
        rewards = rewards_grant(
            referral=referral,
            conversion=conversion,
            occurrence=sale_occurrence(
                referral=referral,
                at=at,
                amount=data["amount"],
                currency=data["currency"],
                first_sale_at=first_sale_at if first_sale_at and first_sale_at < at else None,
            ),
        )
    return {
        "attributed": True,
        "conversion_id": str(conversion.id),
        "referral_id": str(referral.id),
        "rewards": reward_items(rewards),
    }


def _referral_at_checkout(*, workspace, data: dict, at) -> Referral | None:
    """A code typed at checkout (R8) or a click id, for a customer not yet referred."""
    participant, click = participant_for(
        workspace=workspace, click_id=data.get("click_id"), code=data.get("code"), at=at
    )
    if participant is None:
        return None
    flagged = is_self_referral(
        participant=participant, email_normalised="", external_id=data["customer_external_id"]
    )
    referral = Referral.objects.create(
        workspace=workspace,
        program=participant.program,
        participant=participant,
        customer_external_id=data["customer_external_id"],
        **status_fields(flagged=flagged),
        click=click,
        created_at=at,
    )
    return Referral.objects.select_related("program", "participant", "workspace").get(
        pk=referral.pk
    )


# ---------------------------------------------------------------- refund and cancel


def _referral_of_customer(*, workspace, external_id: str) -> Referral:
    referral = (
        Referral.objects.select_related("program", "workspace")
        .filter(workspace=workspace, customer_external_id=external_id)
        .first()
    )
    if referral is None:
        raise Invalid(["customer_external_id"], "no referred customer with this id")
    return referral


def track_refund(*, workspace, event, data: dict) -> dict:
    at = check_occurred_at(data.get("occurred_at"))
    referral = _referral_of_customer(workspace=workspace, external_id=data["customer_external_id"])
    sale = (
        Conversion.objects.select_for_update()
        .filter(
            workspace=workspace,
            referral=referral,
            kind=ConversionKind.sale,
            invoice_id=data["invoice_id"],
        )
        .first()
    )
    if sale is None:
        raise NotFound(f"no sale with invoice {data['invoice_id']!r} for this customer")
    if data["currency"] != sale.currency:
        raise Invalid(["currency"], f"the sale was in {sale.currency}")
    refunded = sum(sale.refunds.values_list("amount", flat=True))
    left = sale.amount - refunded
    if data["amount"] > left:
        raise Invalid(["amount"], f"only {left} of this invoice is left to refund")
    refund = Conversion.objects.create(
        workspace=workspace,
        program=sale.program,
        referral=referral,
        kind=ConversionKind.refund,
        invoice_id=sale.invoice_id,
        amount=data["amount"],
        currency=sale.currency,
        sale=sale,
        event=event,
        occurred_at=at,
    )
    return {
        "conversion_id": str(refund.id),
        "reversals": reverse_for_refund(
            program=sale.program,
            sale_id=sale.pk,
            sale_amount=sale.amount,
            refunded_total=min(refunded + refund.amount, sale.amount),
            memo=f"refund {refund.pk}",
        ),
    }


def track_cancel(*, workspace, event, data: dict) -> dict:
    at = check_occurred_at(data.get("occurred_at"))
    referral = _referral_of_customer(workspace=workspace, external_id=data["customer_external_id"])
    cancel = Conversion.objects.create(
        workspace=workspace,
        program=referral.program,
        referral=referral,
        kind=ConversionKind.cancel,
        event=event,
        occurred_at=at,
    )
    if referral.cancelled_at is None:
        Referral.objects.filter(pk=referral.pk).update(cancelled_at=at)
    return {
        "conversion_id": str(cancel.id),
        "reversals": reverse_for_cancel(
            program=referral.program,
            referral_id=referral.pk,
            at=at,
            clawback_days=referral.program.clawback_days,
        ),
    }


# ---------------------------------------------------------------- review


@transaction.atomic
def referral_clear(*, referral: Referral) -> list[Reward]:
    """A manager clears a flagged referral: it becomes active, the friend is enrolled, and the
    rewards it would have earned so far are granted now (sign-up, then each sale in order)."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("program", "workspace")
        .get(pk=referral.pk)
    )
    if referral.status != ReferralStatus.flagged:
        raise Conflict(f"only a flagged referral can be cleared; this one is {referral.status}")
    program = referral.program
    if referral.email and referral.customer_external_id:
        referral.friend, _ = participant_enrol(
            program=program,
            email=referral.email,
            external_id=referral.customer_external_id,
            name=referral.name,
        )
    referral.status = ReferralStatus.active
    referral.flag_reason = ""
    referral.save(update_fields=["status", "flag_reason", "friend"])
    granted = rewards_grant(
        referral=referral,
        occurrence=signup_occurrence(program=program, at=referral.created_at),
    )
    first_sale_at = None
    for sale in referral.conversions.filter(kind=ConversionKind.sale).order_by("occurred_at"):
        if referral.cancelled_at is not None and sale.occurred_at >= referral.cancelled_at:
            break
        granted += rewards_grant(
            referral=referral,
            conversion=sale,
            occurrence=sale_occurrence(
                referral=referral,
                at=sale.occurred_at,
                amount=sale.amount,
                currency=sale.currency,
                first_sale_at=first_sale_at,
            ),
        )
        first_sale_at = first_sale_at or sale.occurred_at
    return granted
