"""A registered deal closed (R31, R21): the use case that turns a partner's won deal into its
commission.

A deal registration (`tular.deals`) protects a company for a partner; when the deal is won,
`deal_close` closes it and, in the same transaction:

- the deal's customer becomes the partner's referred customer: a lead of the pipeline, `won`,
  intake `deal` (or the partner's existing referral of that customer), under the customer's id
  in the seller's system when given, so later sales of that customer (Stripe, the API) earn
  the program's sale rules like any referred customer's;
- the won value is the customer's sale (`track_sale`, event `deal-won:<deal id>`, invoice
  `deal:<deal id>`): the program's `sale` rules pay the partner, a partner in a tier at the
  tier's rate (`programs.PartnerTier.rate`, applied by `rewards_grant`), with caps, holds and
  refunds (`track_refund` of that invoice) as for any sale; the revenue counts toward the
  partner's tier rules;
- the program's `won` rules (a bonus or perk per won deal) are granted as for a won lead.

The partner is told as a referrer is told of a won lead. A deal is closed once: a second close
is 409 (the deal is no longer approved), so nothing is granted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.money import is_currency
from tular.deals.models import Deal, DealStatus
from tular.deals.services import MAX_VALUE, deal_set_status
from tular.participants.services import normalise_email
from tular.programs.rules import Trigger
from tular.referrals import webhook_events
from tular.referrals.models import Referral, ReferralChange, ReferralStatus
from tular.referrals.notify import referral_notify
from tular.referrals.pipeline import company_domain_of, grant_once
from tular.referrals.services import track_sale
from tular.rewards.models import Reward
from tular.workspaces.audit import Actor

# The intake of a lead that came from a won deal registration.
INTAKE = "deal"


@dataclass(frozen=True)
class DealClosed:
    deal: Deal
    referral: Referral | None  # the won lead; None for a lost deal
    rewards: list[Reward]


def won_value_check(*, deal: Deal, value, currency) -> tuple[int, str]:
    """What a won deal is worth: the value given (minor units, > 0), else the registration's
    estimate; the currency given, else the registration's."""
    if value is None:
        value = deal.estimated_value
        if value <= 0:
            raise Invalid(
                ["value"],
                _("The registration has no estimated value: give the value the deal was won at."),
            )
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_VALUE:
        raise Invalid(["value"], _("Give the value the deal was won at in minor units, above 0."))
    currency = (currency or deal.currency).upper()
    if not is_currency(currency):
        raise Invalid(["currency"], _("Use an ISO 4217 currency code, e.g. IDR."))
    return value, currency


@transaction.atomic
def deal_close(
    *,
    deal: Deal,
    status: str,
    value: int | None = None,
    currency: str | None = None,
    customer_external_id: str | None = None,
    reason: str = "",
    actor: Actor | None = None,
) -> DealClosed:
    """Close an approved deal as won or lost. Won, the deal's customer becomes the partner's
    referred customer (`customer_external_id`, the customer's id in the seller's system, so its
    later sales earn the program's sale rules too; `deal:<id>` when not given) and the won value
    is the customer's sale: the program's `sale` rules pay the partner (its tier's rate), and
    the program's `won` rules (a bonus per won deal) as for a won lead."""
    actor = actor or Actor.system()
    if status == DealStatus.won:
        won = won_value_check(deal=deal, value=value, currency=currency)
        customer = _customer_check(customer_external_id, deal=deal)
    elif value is not None or currency or customer_external_id:
        raise Invalid(["value"], _("Only a won deal has a value and a customer."))
    deal = deal_set_status(deal=deal, status=status, reason=reason, actor=actor)
    if status != DealStatus.won:
        return DealClosed(deal=deal, referral=None, rewards=[])
    now = clock.now()
    referral = _won_lead(
        deal=deal, customer=customer, value=won, reason=reason, actor=actor, at=now
    )
    deal.won_value, deal.won_currency, deal.referral = won[0], won[1], referral
    deal.save(update_fields=["won_value", "won_currency", "referral"])
    sale = track_sale(
        workspace=deal.workspace,
        event_id=f"deal-won:{deal.pk}",
        customer_external_id=customer,
        amount=won[0],
        currency=won[1],
        invoice_id=f"deal:{deal.pk}",
        occurred_at=now,
    )
    granted = grant_once(referral=referral, trigger=Trigger.won, at=now)
    reward_ids = [reward.id for reward in sale.rewards] + [r.pk for r in granted]
    return DealClosed(
        deal=deal,
        referral=referral,
        rewards=list(Reward.objects.filter(pk__in=reward_ids).order_by("created_at", "pk")),
    )


def _customer_check(customer_external_id, *, deal: Deal) -> str:
    if customer_external_id is None:
        return f"deal:{deal.pk}"
    customer = str(customer_external_id).strip()
    if not customer or len(customer) > 200:
        raise Invalid(["customer_external_id"], _("Give the customer's id, up to 200 characters."))
    return customer


def _won_lead(*, deal: Deal, customer: str, value, reason: str, actor: Actor, at) -> Referral:
    """The won deal's customer as the partner's referral: a new won lead, or the partner's
    referral of that customer when it already has one (it referred the customer before the
    deal, or an earlier deal with the customer was won). Another referrer's customer → 409:
    the customer is theirs by attribution."""
    existing = Referral.objects.filter(
        workspace_id=deal.workspace_id, customer_external_id=customer
    ).first()
    if existing is not None:
        if existing.participant_id != deal.partner_id:
            raise Conflict(
                _(
                    "The customer %(customer)s is already another referrer's customer: close "
                    "the deal without a customer id or with the right one."
                )
                % {"customer": customer}
            )
        return existing
    email_normalised = normalise_email(deal.contact_email)
    referral = Referral.objects.create(
        workspace_id=deal.workspace_id,
        program=deal.program,
        participant=deal.partner,
        customer_external_id=customer,
        email=deal.contact_email,
        email_normalised=email_normalised,
        name=deal.contact_name,
        company=deal.company,
        company_domain=company_domain_of(email_normalised) or deal.domain_normalised,
        intake=INTAKE,
        status=ReferralStatus.won,
        status_changed_at=at,
        created_at=deal.registered_at,
        deal_value=value[0],
        deal_currency=value[1],
    )
    change = ReferralChange.objects.create(
        referral=referral,
        from_status="",
        to_status=ReferralStatus.won,
        at=at,
        actor=actor.label,
        actor_user_id=actor.user_id,
        reason=(reason or "").strip()[:1000],
    )
    webhook_events.referral_created(referral)
    referral_notify(referral=referral, change=change)
    return referral


def deal_commission(deal: Deal) -> list[Reward]:
    """The rewards a won deal earned, oldest first (the partner's commission and any other
    reward of the program's `won` rules)."""
    if deal.referral_id is None:
        return []
    return list(
        Reward.objects.filter(referral_id=deal.referral_id)
        .select_related("participant")
        .order_by("created_at", "pk")
    )
