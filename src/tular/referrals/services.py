"""The tracking use cases: what referred customers do (api-v1, Tracking), and a manager's review.

Each use case is one keyword-only function that owns its exactly-once wrapper (`events.once`, one
row per event_id) and its transaction: the click, referral or conversion, its rewards and their
ledger entries commit together or not at all, and a repeated event_id answers the first result.
The API, Stripe and the demo call these functions; they return the frozen results of
`referrals.results`, never JSON.
"""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Sum

from tular.core import clock, rows
from tular.core.changes import figures_changed
from tular.core.errors import Conflict, Invalid, NotFound
from tular.deals.services import PARTNER_PROGRAMS
from tular.participants.codes import normalise_code
from tular.participants.models import Participant
from tular.participants.services import normalise_email, participant_enrol
from tular.programs.rules import Trigger
from tular.referrals import reads, routing, webhook_events
from tular.referrals.events import once, unique_row
from tular.referrals.models import Conversion, ConversionKind, Referral, ReferralStatus
from tular.referrals.results import (
    ClickResult,
    GrantedReward,
    Reversal,
    ReversalResult,
    SaleResult,
    SignupResult,
)
from tular.rewards.engine import Occurrence
from tular.rewards.models import Reward
from tular.rewards.reversals import reverse_for_cancel, reverse_for_refund
from tular.rewards.services import rewards_grant
from tular.tracking import redirect
from tular.tracking.attribution import participant_for
from tular.tracking.journeys import sale_commission_shares
from tular.workspaces.audit import Actor, audit_record

check_occurred_at = clock.check_occurred_at  # the use cases' name for it


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
    sale (None when this one is the first). The tiers' count of paying customers is left to
    `rewards_grant` (given `paying_customers_of`), which reads it only when a rule has tiers."""
    program = referral.program
    return Occurrence(
        trigger=Trigger.sale,
        occurred_at=at,
        currency=currency,
        program_currency=program.currency,
        sale_amount=amount,
        customer_first_sale_at=first_sale_at,
        monetary_rewards_allowed=program.monetary_rewards_allowed,
    )


def commission_split(*, referral: Referral, at):
    """How the sale's referrer commission is split under the program's attribution model
    (`tracking.journeys.sale_commission_shares`; docs/attribution.md): None, and no query, when
    the model is last_touch (the default) or the journey credits the referral's referrer alone,
    and the sale is granted exactly as before."""
    return sale_commission_shares(
        program=referral.program,
        customer_external_id=referral.customer_external_id,
        referrer_id=referral.participant_id,
        referred_at=referral.created_at,
        referral_click_id=referral.click_id,
        converted_at=at,
    )


def paying_customers_of(referral: Referral) -> tuple[str, list]:
    """The count a tier reads: the referrer's distinct customers who have paid, this one
    included, as (SQL, params) of a scalar subquery that `rewards_grant` reads in one
    statement with the cap windows (over the index referral_referrer)."""
    prep = Referral._meta.pk.get_db_prep_value
    return (
        f"SELECT COUNT(*) FROM {Referral._meta.db_table} WHERE participant_id = %s "  # noqa: S608 - the model's own table
        "AND (first_sale_at IS NOT NULL OR id = %s)",
        [prep(referral.participant_id, connection), prep(referral.pk, connection)],
    )


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


# ---------------------------------------------------------------- click


def track_click(
    *,
    workspace,
    code: str,
    event_id: str | None = None,
    landing_url: str = "",
    referrer: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> ClickResult:
    """A click recorded by a page (track/click) rather than by the redirect. Without an
    event_id every call is a new click; with one, a repeat answers the first click."""
    target = redirect.lookup(code)
    if target is None or target.workspace_id != workspace.pk:
        raise NotFound(f"No participant with code {code!r} in this workspace.")

    def record(event=None) -> ClickResult:
        click_id = redirect.record_click(
            target,
            source="api",
            landing_url=landing_url,
            referrer=referrer,
            ip=ip,
            user_agent=user_agent,
        )
        return ClickResult(click_id=click_id)

    if event_id is None:
        return record()
    return once(
        workspace=workspace, event_id=event_id, kind="click", result=ClickResult, run=record
    )


# ---------------------------------------------------------------- sign-up


def _routed_signup(*, participant, email_normalised: str) -> routing.Routed | None:
    """A sign-up through a partner's link whose company another partner of the same program
    holds by an active deal registration goes to the holder (R32: "another partner's link").
    Only in partner programs (no query elsewhere); a holder in another program leaves the
    sign-up with the link's referrer (its attribution), as does a customer program."""
    if participant.program.kind not in PARTNER_PROGRAMS:
        return None
    routed = routing.lead_route(referrer=participant, email_normalised=email_normalised)
    if routed is None or routed.holder.program_id != participant.program_id:
        return None
    return routed


def track_signup(
    *,
    workspace,
    event_id: str,
    customer_external_id: str,
    email: str,
    name: str = "",
    company: str = "",
    click_id: str | None = None,
    code: str | None = None,
    ip: str | None = None,
    user_agent: str = "",
    occurred_at: datetime | None = None,
) -> SignupResult:
    """A referred customer signed up: a referral to the participant of the click (inside its
    window) or of the code, the friend enrolled, the sign-up rules' rewards granted."""
    if ip is not None and redirect.clean_ip(ip) is None:
        raise Invalid(["ip"], "not an IP address")

    def run(event) -> SignupResult:
        at = check_occurred_at(occurred_at)
        existing = reads.referral_alone(
            workspace_id=workspace.pk, customer_external_id=customer_external_id
        )
        if existing is not None:  # the customer was referred before: one referral per customer
            return _signup_result(existing, [])
        if click_id is None and code:
            # participant_for's answer without a click, in one hand-written statement
            participant = reads.participant_of_code(
                workspace_id=workspace.pk, code=normalise_code(code)
            )
            click = None
        else:
            participant, click = participant_for(
                workspace=workspace, click_id=click_id, code=code, at=at
            )
        if participant is None:
            return SignupResult(attributed=False)
        return _signup_result(*_refer(participant=participant, click=click, at=at))

    def _refer(*, participant, click, at):
        email_normalised = normalise_email(email)
        routed = _routed_signup(participant=participant, email_normalised=email_normalised)
        if routed is not None:  # another partner's deal protects the customer's company
            participant = routed.holder
        program = participant.program
        flagged = is_self_referral(
            participant=participant,
            email_normalised=email_normalised,
            external_id=customer_external_id,
        )
        friend = None
        if not flagged:
            # The friend joins the program too: their own link, their friend reward (R3, R23).
            friend, _ = participant_enrol(
                program=program,
                email=email,
                external_id=customer_external_id,
                name=name,
                savepoint=False,  # inside the event's transaction, which answers a conflict
            )
        referral = Referral(
            workspace=workspace,
            program=program,
            participant=participant,
            friend=friend,
            customer_external_id=customer_external_id,
            email=email,
            email_normalised=email_normalised,
            name=name,
            company=company,
            **status_fields(flagged=flagged),
            click=click,
            ip=ip,
            user_agent=user_agent[:500],
            created_at=at,
        )
        rows.insert(Referral, [referral])  # no post_save: the day is announced here
        figures_changed(program_id=program.pk, moments=[at])
        webhook_events.referral_created(referral)
        if routed is not None:
            routing.lead_routed_tell(referral=referral, routed=routed)
        rewards = rewards_grant(
            referral=referral, occurrence=signup_occurrence(program=program, at=at)
        )
        return referral, rewards

    return once(workspace=workspace, event_id=event_id, kind="signup", result=SignupResult, run=run)


def _signup_result(referral: Referral, rewards: list[Reward]) -> SignupResult:
    return SignupResult(
        attributed=True,
        referral_id=referral.id,
        participant_id=referral.participant_id,
        status=referral.status,
        rewards=tuple(GrantedReward.of(reward) for reward in rewards),
    )


# ---------------------------------------------------------------- sale


def track_sale(
    *,
    workspace,
    event_id: str,
    customer_external_id: str,
    amount: int,
    currency: str,
    invoice_id: str | None = None,
    code: str | None = None,
    click_id: str | None = None,
    occurred_at: datetime | None = None,
) -> SaleResult:
    """A referred customer paid: a sale conversion, and the sale rules' rewards (unless the
    customer cancelled before it). A code typed at checkout or a click id refers a customer
    not yet known (R8). One sale per invoice_id (409)."""

    def run(event) -> SaleResult:
        at = check_occurred_at(occurred_at)
        referral = reads.referral_of_customer(
            workspace_id=workspace.pk, customer_external_id=customer_external_id
        )
        if referral is not None:
            referral.workspace = workspace  # the same row: no join to read it again
        if referral is None and (code or click_id):
            referral = _referral_at_checkout(
                workspace=workspace,
                customer_external_id=customer_external_id,
                code=code,
                click_id=click_id,
                at=at,
            )
        if referral is None:
            return SaleResult(attributed=False)
        if invoice_id and _invoice_recorded(workspace_id=workspace.pk, invoice_id=invoice_id):
            raise Conflict(f"invoice {invoice_id!r} was already recorded as a sale")
        conversion = Conversion(
            workspace=workspace,
            program=referral.program,
            referral=referral,
            kind=ConversionKind.sale,
            invoice_id=invoice_id,
            amount=amount,
            currency=currency,
            event=event,
            occurred_at=at,
        )
        rows.insert(Conversion, [conversion])  # no post_save: the days are announced below
        changed_days = [at, referral.created_at]
        first_sale_at = referral.first_sale_at
        if first_sale_at is None or at < first_sale_at:
            Referral.objects.filter(pk=referral.pk).update(first_sale_at=at)
            changed_days.append(first_sale_at)
        figures_changed(program_id=referral.program_id, moments=changed_days)
        rewards = []
        if referral.cancelled_at is None or at < referral.cancelled_at:
            rewards = rewards_grant(
                referral=referral,
                conversion=conversion,
                paying_customers=paying_customers_of(referral),
                split=commission_split(referral=referral, at=at),
                occurrence=sale_occurrence(
                    referral=referral,
                    at=at,
                    amount=amount,
                    currency=currency,
                    first_sale_at=first_sale_at if first_sale_at and first_sale_at < at else None,
                ),
            )
        return SaleResult(
            attributed=True,
            conversion_id=conversion.id,
            referral_id=referral.id,
            rewards=tuple(GrantedReward.of(reward) for reward in rewards),
        )

    return once(workspace=workspace, event_id=event_id, kind="sale", result=SaleResult, run=run)


def _invoice_recorded(*, workspace_id, invoice_id: str) -> bool:
    """A sale with this invoice id is recorded (over the index of one_sale_per_invoice; raw
    SQL: it runs on every sale and the ORM compiled it slower than SQLite answered)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Conversion._meta.db_table} WHERE workspace_id = %s "  # noqa: S608 - the model's own table
            "AND invoice_id = %s AND kind = %s LIMIT 1",
            [workspace_id, invoice_id, ConversionKind.sale.value],
        )
        return cursor.fetchone() is not None


def _referral_at_checkout(
    *, workspace, customer_external_id: str, code, click_id, at
) -> Referral | None:
    """A code typed at checkout (R8) or a click id, for a customer not yet referred."""
    participant, click = participant_for(workspace=workspace, click_id=click_id, code=code, at=at)
    if participant is None:
        return None
    flagged = is_self_referral(
        participant=participant, email_normalised="", external_id=customer_external_id
    )
    referral = Referral.objects.create(
        workspace=workspace,
        program=participant.program,
        participant=participant,
        customer_external_id=customer_external_id,
        **status_fields(flagged=flagged),
        click=click,
        created_at=at,
    )
    referral = Referral.objects.select_related("program", "participant", "workspace").get(
        pk=referral.pk
    )
    webhook_events.referral_created(referral)
    return referral


# ---------------------------------------------------------------- refund and cancel


def _referral_of_customer(*, workspace, external_id: str) -> Referral:
    referral = unique_row(
        Referral.objects.select_related("program", "workspace").filter(
            workspace=workspace, customer_external_id=external_id
        )
    )
    if referral is None:
        raise Invalid(["customer_external_id"], "no referred customer with this id")
    return referral


def track_refund(
    *,
    workspace,
    event_id: str,
    customer_external_id: str,
    invoice_id: str,
    currency: str,
    amount: int | None = None,
    refunded_total: int | None = None,
    occurred_at: datetime | None = None,
) -> ReversalResult:
    """Part or all of a sale was refunded: the rewards earned on it are reversed in proportion.

    Give either `amount` (this refund) or `refunded_total` (everything refunded on the invoice
    so far, as a payment provider reports it; this refund is what Tular has not recorded yet).
    """
    if (amount is None) == (refunded_total is None):
        raise ValueError("give exactly one of amount and refunded_total")

    def run(event) -> ReversalResult:
        at = check_occurred_at(occurred_at)
        referral = _referral_of_customer(workspace=workspace, external_id=customer_external_id)
        sale = (  # locked: two refunds of one invoice never count the same earlier refunds
            Conversion.objects.select_for_update(no_key=True)
            .filter(
                workspace=workspace,
                referral=referral,
                kind=ConversionKind.sale,
                invoice_id=invoice_id,
            )
            .first()
        )
        if sale is None:
            raise NotFound(f"no sale with invoice {invoice_id!r} for this customer")
        if currency != sale.currency:
            raise Invalid(["currency"], f"the sale was in {sale.currency}")
        refunded = sale.refunds.aggregate(total=Sum("amount"))["total"] or 0
        this_refund = amount if amount is not None else refunded_total - refunded
        if refunded_total is not None and this_refund <= 0:
            raise Invalid(
                ["amount"],
                f"{refunded} of invoice {invoice_id} was already recorded as refunded; "
                f"the refunded total given is {refunded_total}",
            )
        left = sale.amount - refunded
        if this_refund > left:
            raise Invalid(["amount"], f"only {left} of this invoice is left to refund")
        refund = Conversion.objects.create(
            workspace=workspace,
            program=sale.program,
            referral=referral,
            kind=ConversionKind.refund,
            invoice_id=sale.invoice_id,
            amount=this_refund,
            currency=sale.currency,
            sale=sale,
            event=event,
            occurred_at=at,
        )
        reversals = reverse_for_refund(
            program=sale.program,
            sale_id=sale.pk,
            sale_amount=sale.amount,
            refunded_total=refunded + this_refund,  # ≤ the sale: checked above
            memo=f"refund {refund.pk}",
        )
        return _reversal_result(refund, reversals)

    return once(
        workspace=workspace, event_id=event_id, kind="refund", result=ReversalResult, run=run
    )


def track_cancel(
    *,
    workspace,
    event_id: str,
    customer_external_id: str,
    occurred_at: datetime | None = None,
) -> ReversalResult:
    """The referred customer cancelled: recurring rewards stop, and their rewards younger than
    the program's clawback_days are reversed in full."""

    def run(event) -> ReversalResult:
        at = check_occurred_at(occurred_at)
        referral = _referral_of_customer(workspace=workspace, external_id=customer_external_id)
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
            figures_changed(program_id=referral.program_id, moments=[at])
        reversals = reverse_for_cancel(
            program=referral.program,
            referral_id=referral.pk,
            at=at,
            clawback_days=referral.program.clawback_days,
        )
        return _reversal_result(cancel, reversals)

    return once(
        workspace=workspace, event_id=event_id, kind="cancel", result=ReversalResult, run=run
    )


def _reversal_result(conversion: Conversion, reversals: list[dict]) -> ReversalResult:
    return ReversalResult(
        conversion_id=conversion.id,
        reversals=tuple(Reversal(**reversal) for reversal in reversals),
    )


# ---------------------------------------------------------------- review


@transaction.atomic
def referral_clear(
    *, referral: Referral, reason: str = "", actor: Actor | None = None
) -> list[Reward]:
    """A manager clears a flagged referral: it becomes active, the friend is enrolled, and the
    rewards it would have earned so far are granted now (sign-up, then each sale in order).
    `reason` (optional) is kept on the referral and in the audit log."""
    referral = _locked_flagged(referral, verb="cleared")
    program = referral.program
    if referral.email and referral.customer_external_id:
        referral.friend, _ = participant_enrol(
            program=program,
            email=referral.email,
            external_id=referral.customer_external_id,
            name=referral.name,
        )
    before = {"status": referral.status, "flag_reason": referral.flag_reason}
    referral.status = ReferralStatus.active
    referral.flag_reason = ""
    referral.review_reason = reason.strip()[:300]
    referral.save(update_fields=["status", "flag_reason", "review_reason", "friend"])
    webhook_events.referral_status_changed(
        referral, previous_status=before["status"], reason=referral.review_reason
    )
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
            paying_customers=paying_customers_of(referral),
            split=commission_split(referral=referral, at=sale.occurred_at),
            occurrence=sale_occurrence(
                referral=referral,
                at=sale.occurred_at,
                amount=sale.amount,
                currency=sale.currency,
                first_sale_at=first_sale_at,
            ),
        )
        first_sale_at = first_sale_at or sale.occurred_at
    audit_record(
        workspace=referral.workspace,
        actor=actor,
        action="referral.clear",
        target=referral,
        before=before,
        after={
            "status": referral.status,
            "reason": referral.review_reason,
            "rewards": [
                {"id": reward.pk, "amount": reward.amount, "currency": reward.currency}
                for reward in granted
            ],
        },
    )
    return granted


def _locked_flagged(referral: Referral, *, verb: str) -> Referral:
    """The referral locked and re-read (of two reviews at once exactly one acts); a referral
    that is not flagged (any more) is a Conflict (409)."""
    referral = (
        Referral.objects.select_for_update(no_key=True, of=("self",))
        .select_related("program", "workspace")
        .get(pk=referral.pk)
    )
    if referral.status != ReferralStatus.flagged:
        raise Conflict(f"only a flagged referral can be {verb}; this one is {referral.status}")
    return referral


@transaction.atomic
def referral_reject(*, referral: Referral, reason: str, actor: Actor | None = None) -> Referral:
    """A manager rejects a flagged referral (a real self-referral, a fraud): it becomes
    `rejected` and earns nothing, now or from later sales. The reason is required (422 without
    one); a referral that is not flagged is a Conflict (409)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(["reason"], "give the reason for rejecting this referral")
    referral = _locked_flagged(referral, verb="rejected")
    before = {"status": referral.status, "flag_reason": referral.flag_reason}
    referral.status = ReferralStatus.rejected
    referral.review_reason = reason[:300]
    referral.save(update_fields=["status", "review_reason"])
    webhook_events.referral_status_changed(
        referral, previous_status=before["status"], reason=referral.review_reason
    )
    audit_record(
        workspace=referral.workspace,
        actor=actor,
        action="referral.reject",
        target=referral,
        before=before,
        after={"status": referral.status, "reason": referral.review_reason},
    )
    return referral
