"""Deal registration (R31, R32): register, review, protect, extend, expire (docs/deals.md).

    result = deal_register(program=…, partner=…, company=…, domain=…, contact_name=…, …)
    result.conflict        # True: stored as `conflict`; result.protected_until says until when
    deal_approve(deal=…, actor=…) / deal_reject(deal=…, reason=…) / deal_extend(deal=…, days=…)
    deal_set_status(deal=…, status="won"|"lost") / deal_progress(deal=…, note=…)
    protection_holder(workspace=…, domain=… or email=…, country=…, division=…)

First to register wins by the database: the partial unique index `deal_one_active_holder`
allows one pending or approved deal per (workspace, domain, country, division). A registration
inserts its row inside a savepoint; when the index refuses it (another partner's registration
committed first, or is committing at this moment: PostgreSQL makes the second insert wait for
the first transaction and then fail), the savepoint is rolled back and the registration is
stored as `conflict` instead, in the same transaction. A registration without a country or a
division also runs into an active one of the same domain that names one (and the reverse);
that wider check is a read before the insert, so only the exact key is guaranteed under
concurrency.

Every change writes a `DealEvent`, an audit entry for managers' decisions, and its webhook
(`deal.registered`, `deal.conflict`, `deal.status_changed`) in its own transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.core.errors import Conflict, Invalid, NotFound
from tular.core.money import is_currency
from tular.deals.domains import DomainRefused, domain_normalise, domain_or_none
from tular.deals.models import (
    ACTIVE,
    CHECKLIST,
    DEFAULT_REQUIRED,
    PROTECTION_PRESETS,
    Deal,
    DealEvent,
    DealEventKind,
    DealSettings,
    DealStatus,
    DisputeStatus,
)
from tular.participants.models import PARTNER_KINDS, Participant
from tular.participants.services import partner_for
from tular.programs.models import Program
from tular.webhooks import events
from tular.webhooks.services import webhook_emit
from tular.workspaces.audit import Actor, audit_record

S = DealStatus
# Participants that may register deals: partners, and resellers (a partner that resells).
# The program kinds whose partners register deals and hold accounts (partners.profiles uses
# this one list).
PARTNER_PROGRAMS = ("reseller", "technology_partner", "service_partner")
MAX_VALUE = 10**15
MAX_EXTEND_DAYS = 365
# The statuses that close a deal for good: an extension of one of these is a 409.
CLOSED = (S.rejected, S.won, S.lost, S.expired)
_CHECK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Registered:
    """What a registration came to: the stored deal; `conflict` when another partner holds
    the account, protected until `protected_until` (the holder's identity stays hidden)."""

    deal: Deal
    conflict: bool
    protected_until: datetime | None


# ---------------------------------------------------------------- settings


def settings_for(program: Program) -> DealSettings:
    """The program's deal settings (the defaults, unsaved, when it has none)."""
    found = DealSettings.objects.filter(program=program).first()
    return found if found is not None else DealSettings(program=program)


def settings_check(
    *, protection_days: int, required_checks: list, review_working_days: int, auto_approve: bool
) -> dict:
    if protection_days not in PROTECTION_PRESETS:
        raise Invalid(
            ["protection_days"],
            _("Choose a protection window of %(presets)s days.")
            % {"presets": ", ".join(str(days) for days in PROTECTION_PRESETS)},
        )
    if not isinstance(required_checks, list) or not all(
        isinstance(name, str) and _CHECK_NAME.match(name) for name in required_checks
    ):
        raise Invalid(
            ["required_checks"],
            _("List checklist items by name, e.g. meeting_scheduled, budget_confirmed."),
        )
    if len(required_checks) > 20:
        raise Invalid(["required_checks"], _("Require at most 20 checklist items."))
    if (
        isinstance(review_working_days, bool)
        or not isinstance(review_working_days, int)
        or not 1 <= review_working_days <= 30
    ):
        raise Invalid(["review_working_days"], _("Give 1 to 30 working days."))
    return {
        "protection_days": protection_days,
        "required_checks": list(dict.fromkeys(required_checks)),
        "review_working_days": review_working_days,
        "auto_approve": bool(auto_approve),
    }


@transaction.atomic
def deal_settings_save(*, program: Program, actor: Actor | None = None, **values) -> DealSettings:
    """Save the program's deal settings (validated: presets, item names, 1 to 30 days)."""
    current = settings_for(program)
    before = {
        "protection_days": current.protection_days,
        "required_checks": current.required_checks,
        "review_working_days": current.review_working_days,
        "auto_approve": current.auto_approve,
    }
    cleaned = settings_check(**{**before, **values})
    saved, _created = DealSettings.objects.update_or_create(program=program, defaults=cleaned)
    audit_record(
        workspace=program.workspace_id,
        actor=actor,
        action="deal_settings.update",
        target=saved,
        before=before,
        after=cleaned,
    )
    return saved


# ---------------------------------------------------------------- time


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved on by `days` working days (Monday to Friday), keeping its time of day:
    registered on a Friday morning with 2 days to decide → Tuesday morning."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


# ---------------------------------------------------------------- lookups


def deal_get(*, workspace, deal_id) -> Deal | None:
    from tular.core.ids import parse_uuid

    pk = parse_uuid(deal_id)
    if pk is None:
        return None
    return (
        Deal.objects.filter(workspace=workspace, pk=pk)
        .select_related("program", "partner", "workspace")
        .first()
    )


def deals_filter(
    *,
    workspace,
    status: str | None = None,
    program_slug: str | None = None,
    overdue: bool | None = None,
):
    deals = Deal.objects.filter(workspace=workspace).select_related("program", "partner")
    if status:
        deals = deals.filter(status=status)
    if program_slug:
        deals = deals.filter(program__slug=program_slug)
    if overdue is not None:
        late = Q(status=S.pending, review_due_at__lt=clock.now())
        deals = deals.filter(late) if overdue else deals.exclude(late)
    return deals


def _division_key(division: str) -> str:
    return " ".join(division.split()).casefold()


def _overlapping(*, workspace_id, domain: str, country: str, division_key: str):
    """Active deals whose key covers or is covered by this one: the same domain, and the same
    country (or either gives none), and the same division (or either gives none)."""
    deals = Deal.objects.filter(
        workspace_id=workspace_id, domain_normalised=domain, status__in=ACTIVE
    )
    if country:
        deals = deals.filter(Q(country=country) | Q(country=""))
    if division_key:
        deals = deals.filter(Q(division_key=division_key) | Q(division_key=""))
    return deals


def protection_holder(
    *,
    workspace,
    domain: str | None = None,
    email: str | None = None,
    country: str | None = None,
    division: str | None = None,
) -> Deal | None:
    """The active deal that holds this company's account (by its domain, or the domain of an
    e-mail address), or None: for routing leads. Without a country or a division, any active
    deal of the domain counts (the first registered); with one, deals that name another
    country or division do not."""
    text = domain if domain else (email or "").rpartition("@")[2]
    normalised = domain_or_none(text)
    if normalised is None:
        return None
    deals = Deal.objects.filter(
        workspace_id=getattr(workspace, "pk", workspace),
        domain_normalised=normalised,
        status__in=ACTIVE,
    )
    if country:
        deals = deals.filter(Q(country=country.upper()) | Q(country=""))
    if division:
        deals = deals.filter(Q(division_key=_division_key(division)) | Q(division_key=""))
    return deals.select_related("partner", "program").order_by("registered_at", "pk").first()


# ---------------------------------------------------------------- registration


def _text(value, field: str, *, limit: int, required: str = "") -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None or any(char in text for char in "\r\n\x00"):
        raise Invalid(field.split("."), _("Enter it on one line."))
    if required and not text:
        raise Invalid(field.split("."), required)
    if len(text) > limit:
        raise Invalid(field.split("."), _("Use at most %(limit)d characters.") % {"limit": limit})
    return text


def registration_check(
    *,
    company,
    domain,
    contact_name,
    contact_email,
    estimated_value,
    currency,
    qualification,
    country="",
    division="",
) -> dict:
    """The registration's fields cleaned, or Invalid naming the first bad one."""
    values = {
        "company": _text(company, "company", limit=200, required=_("Enter the company's name.")),
        "domain": _text(domain, "domain", limit=300),
        "contact_name": _text(
            contact_name, "contact.name", limit=200, required=_("Enter the contact's name.")
        ),
        "division": _text(division, "division", limit=100),
    }
    try:
        values["domain_normalised"] = domain_normalise(values["domain"])
    except DomainRefused as refused:
        raise Invalid(["domain"], str(refused.reason)) from None
    try:
        values["contact_email"] = validate_email(
            (contact_email or "").strip(), check_deliverability=False
        ).normalized
    except (EmailNotValidError, AttributeError, TypeError):
        raise Invalid(["contact", "email"], _("Enter a valid e-mail address.")) from None
    if (
        isinstance(estimated_value, bool)
        or not isinstance(estimated_value, int)
        or not 0 <= estimated_value <= MAX_VALUE
    ):
        raise Invalid(["estimated_value"], _("Give the estimated value in minor units, 0 or more."))
    if not isinstance(currency, str) or not is_currency(currency):
        raise Invalid(["currency"], _("Use an ISO 4217 currency code, e.g. IDR."))
    values["estimated_value"] = estimated_value
    values["currency"] = currency
    country = (country or "").strip().upper()
    if country and not _COUNTRY.match(country):
        raise Invalid(["country"], _("Use a two-letter country code (ISO 3166), e.g. ID."))
    values["country"] = country
    if qualification is None:
        qualification = {}
    if not isinstance(qualification, dict) or len(qualification) > 30:
        raise Invalid(["qualification"], _("Answer the checklist as items with true or false."))
    for name, answer in qualification.items():
        if not isinstance(name, str) or not _CHECK_NAME.match(name):
            raise Invalid(
                ["qualification"],
                _("Unknown checklist item name: %(name)s") % {"name": str(name)[:60]},
            )
        if not isinstance(answer, bool):
            raise Invalid(["qualification", name], _("Answer true or false."))
    values["qualification"] = dict(qualification)
    return values


def checklist_passes(*, settings: DealSettings, qualification: dict) -> bool:
    return all(qualification.get(name) is True for name in settings.required_checks)


def missing_checks(*, settings: DealSettings, qualification: dict) -> list[str]:
    return [name for name in settings.required_checks if qualification.get(name) is not True]


def deal_data(deal: Deal) -> dict:
    """A deal as its webhooks tell it."""
    return {
        "id": str(deal.pk),
        "program": deal.program.slug,
        "partner_id": str(deal.partner_id),
        "partner_external_id": deal.partner.external_id,
        "company": deal.company,
        "domain": deal.domain_normalised,
        "country": deal.country or None,
        "division": deal.division or None,
        "status": deal.status,
        "estimated_value": deal.estimated_value,
        "currency": deal.currency,
        "registered_at": deal.registered_at.isoformat(),
        "expires_at": deal.expires_at.isoformat() if deal.expires_at else None,
    }


def _event(
    deal: Deal,
    *,
    kind: str,
    actor: Actor,
    before: str = "",
    reason: str = "",
    expires_before=None,
    at=None,
) -> DealEvent:
    return DealEvent.objects.create(
        deal=deal,
        kind=kind,
        from_status=before,
        to_status=deal.status,
        at=at or clock.now(),
        actor=actor.label[:200],
        reason=reason[:1000],
        expires_before=expires_before,
        expires_after=deal.expires_at,
    )


def deal_register(
    *,
    program: Program,
    partner: Participant,
    company: str,
    domain: str,
    contact_name: str,
    contact_email: str,
    estimated_value: int,
    currency: str,
    qualification: dict | None = None,
    country: str = "",
    division: str = "",
    actor: Actor | None = None,
) -> Registered:
    """Register a partner's opportunity. Approved at once when the program approves
    automatically and every required checklist item is true; otherwise pending, to be decided
    within the program's working days. When another partner's active deal holds the account,
    the registration is kept as `conflict` (for review) and `protected_until` says until when
    the account is held; nothing about the holder is returned."""
    if partner.program_id != program.pk or partner.kind not in PARTNER_KINDS:
        raise NotFound(_("No partner with that id in this program."))
    values = registration_check(
        company=company,
        domain=domain,
        contact_name=contact_name,
        contact_email=contact_email,
        estimated_value=estimated_value,
        currency=currency,
        qualification=qualification,
        country=country,
        division=division,
    )
    actor = actor or Actor(label=partner.name or partner.email)
    rules = settings_for(program)
    now = clock.now()
    fields = {
        **values,
        "workspace_id": program.workspace_id,
        "program": program,
        "partner": partner,
        "division_key": _division_key(values["division"]),
        "registered_at": now,
    }
    with transaction.atomic():
        holder = (
            _overlapping(
                workspace_id=program.workspace_id,
                domain=values["domain_normalised"],
                country=values["country"],
                division_key=fields["division_key"],
            )
            .order_by("registered_at", "pk")
            .first()
        )
        if holder is None:
            automatic = rules.auto_approve and checklist_passes(
                settings=rules, qualification=values["qualification"]
            )
            deal = Deal(
                **fields,
                status=S.approved if automatic else S.pending,
                expires_at=now + timedelta(days=rules.protection_days),
                review_due_at=None
                if automatic
                else add_working_days(now, rules.review_working_days),
                decided_at=now if automatic else None,
                decided_by="automatic" if automatic else "",
                last_activity_at=now,
            )
            try:
                with transaction.atomic():  # a savepoint: the index may refuse the row
                    deal.save(force_insert=True)
            except IntegrityError:
                holder = _exact_holder(fields)
                if holder is None:  # the winner's transaction rolled back after all
                    raise
            else:
                _event(deal, kind=DealEventKind.status, actor=actor, at=now)
                webhook_emit(
                    workspace=program.workspace_id,
                    type=events.DEAL_REGISTERED,
                    data=deal_data(deal),
                )
                return Registered(deal=deal, conflict=False, protected_until=deal.expires_at)
        deal = Deal.objects.create(**fields, status=S.conflict, conflict_with=holder)
        _event(deal, kind=DealEventKind.status, actor=actor, at=now)
        webhook_emit(
            workspace=program.workspace_id,
            type=events.DEAL_CONFLICT,
            data={**deal_data(deal), "protected_until": holder.expires_at.isoformat()},
        )
        return Registered(deal=deal, conflict=True, protected_until=holder.expires_at)


def _exact_holder(fields: dict) -> Deal | None:
    return Deal.objects.filter(
        workspace_id=fields["workspace_id"],
        domain_normalised=fields["domain_normalised"],
        country=fields["country"],
        division_key=fields["division_key"],
        status__in=ACTIVE,
    ).first()


# ---------------------------------------------------------------- decisions


def _locked(deal: Deal) -> Deal:
    return (
        Deal.objects.select_for_update(no_key=True, of=("self",))
        .select_related("program", "partner")
        .get(pk=deal.pk)
    )


def _changed(
    deal: Deal, *, before: str, actor: Actor, reason: str, action: str, expires_before=None
) -> None:
    _event(
        deal,
        kind=DealEventKind.status,
        actor=actor,
        before=before,
        reason=reason,
        expires_before=expires_before,
    )
    audit_record(
        workspace=deal.workspace_id,
        actor=actor,
        action=action,
        target=deal,
        before={"status": before, "expires_at": expires_before},
        after={"status": deal.status, "expires_at": deal.expires_at, "reason": reason},
    )
    webhook_emit(
        workspace=deal.workspace_id,
        type=events.DEAL_STATUS_CHANGED,
        data={**deal_data(deal), "from_status": before, "reason": reason},
    )


@transaction.atomic
def deal_approve(*, deal: Deal, reason: str = "", actor: Actor | None = None) -> Deal:
    """Approve a pending deal (or a conflict whose account is free again): protected from now
    for the program's window. 409 from any other status, or when another deal holds the
    account."""
    actor = actor or Actor.system()
    deal = _locked(deal)
    if deal.status not in (S.pending, S.conflict):
        raise Conflict(
            _("Only a pending deal or a conflict can be approved; this one is %(status)s.")
            % {"status": S(deal.status).label}
        )
    before, expires_before = deal.status, deal.expires_at
    now = clock.now()
    deal.status = S.approved
    deal.decided_at = now
    deal.decided_by = actor.label[:200]
    deal.decision_reason = (reason or "").strip()[:1000]
    deal.expires_at = now + timedelta(days=settings_for(deal.program).protection_days)
    deal.last_activity_at = now
    if before == S.conflict:
        holder = (
            _overlapping(
                workspace_id=deal.workspace_id,
                domain=deal.domain_normalised,
                country=deal.country,
                division_key=deal.division_key,
            )
            .exclude(pk=deal.pk)
            .first()
        )
        if holder is not None:
            raise Conflict(
                _("Another registration still holds this account; reject or let it expire first.")
            )
    try:
        with transaction.atomic():
            deal.save()
    except IntegrityError:
        raise Conflict(
            _("Another registration still holds this account; reject or let it expire first.")
        ) from None
    _changed(
        deal,
        before=before,
        actor=actor,
        reason=deal.decision_reason,
        action="deal.approve",
        expires_before=expires_before,
    )
    return deal


@transaction.atomic
def deal_reject(*, deal: Deal, reason: str, actor: Actor | None = None) -> Deal:
    """Reject a pending, approved or conflicting deal with a reason (required): the account is
    free again at once."""
    actor = actor or Actor.system()
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(["reason"], _("Say why the registration is rejected."))
    deal = _locked(deal)
    if deal.status not in (S.pending, S.approved, S.conflict):
        raise Conflict(
            _(
                "Only a pending, approved or conflicting deal can be rejected; this one is "
                "%(status)s."
            )
            % {"status": S(deal.status).label}
        )
    before, expires_before = deal.status, deal.expires_at
    deal.status = S.rejected
    deal.decided_at = clock.now()
    deal.decided_by = actor.label[:200]
    deal.decision_reason = reason[:1000]
    deal.save()
    _changed(
        deal,
        before=before,
        actor=actor,
        reason=deal.decision_reason,
        action="deal.reject",
        expires_before=expires_before,
    )
    return deal


@transaction.atomic
def deal_extend(
    *, deal: Deal, days: int | None = None, reason: str = "", actor: Actor | None = None
) -> Deal:
    """Extend an active deal's protection by `days` (the program's window when None), counted
    from its current end (or from now when that has passed). 409 for a deal that is not
    active (expired, lost, rejected, won, conflict)."""
    actor = actor or Actor.system()
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTEND_DAYS
    ):
        raise Invalid(["days"], _("Give 1 to %(max)d days.") % {"max": MAX_EXTEND_DAYS})
    deal = _locked(deal)
    if deal.status not in ACTIVE:
        raise Conflict(
            _("Only a pending or approved deal can be extended; this one is %(status)s.")
            % {"status": S(deal.status).label}
        )
    days = days if days is not None else settings_for(deal.program).protection_days
    before = deal.expires_at
    now = clock.now()
    deal.expires_at = max(before or now, now) + timedelta(days=days)
    deal.save(update_fields=["expires_at"])
    reason = (reason or "").strip()[:1000]
    _event(
        deal,
        kind=DealEventKind.extension,
        actor=actor,
        before=deal.status,
        reason=reason,
        expires_before=before,
    )
    audit_record(
        workspace=deal.workspace_id,
        actor=actor,
        action="deal.extend",
        target=deal,
        before={"expires_at": before},
        after={"expires_at": deal.expires_at, "days": days, "reason": reason},
    )
    return deal


def _renew(deal: Deal, now: datetime) -> datetime | None:
    """Progress inside the window renews protection: a full window from now, never shorter."""
    window = timedelta(days=settings_for(deal.program).protection_days)
    before = deal.expires_at
    if before is not None and before > now:
        deal.expires_at = max(before, now + window)
    deal.last_activity_at = now
    return before


@transaction.atomic
def deal_progress(*, deal: Deal, note: str, actor: Actor | None = None) -> Deal:
    """An activity on an active deal (a meeting, a demo, a proposal): recorded, and the
    protection renewed to a full window from now when the window has not run out."""
    actor = actor or Actor.system()
    note = (note or "").strip()
    if not note:
        raise Invalid(["note"], _("Say what happened."))
    deal = _locked(deal)
    if deal.status not in ACTIVE:
        raise Conflict(
            _("Only a pending or approved deal records activity; this one is %(status)s.")
            % {"status": S(deal.status).label}
        )
    now = clock.now()
    before = _renew(deal, now)
    deal.save(update_fields=["expires_at", "last_activity_at"])
    _event(
        deal,
        kind=DealEventKind.activity,
        actor=actor,
        before=deal.status,
        reason=note,
        expires_before=before,
        at=now,
    )
    return deal


@transaction.atomic
def deal_set_status(
    *, deal: Deal, status: str, reason: str = "", actor: Actor | None = None
) -> Deal:
    """Close an approved deal as won or lost (a pending one must be approved first)."""
    actor = actor or Actor.system()
    if status not in (S.won, S.lost):
        raise Invalid(["status"], _("A deal is closed as won or lost."))
    deal = _locked(deal)
    if deal.status != S.approved:
        raise Conflict(
            _("Only an approved deal can be won or lost; this one is %(status)s.")
            % {"status": S(deal.status).label}
        )
    before, expires_before = deal.status, deal.expires_at
    deal.status = status
    deal.last_activity_at = clock.now()
    deal.save()
    _changed(
        deal,
        before=before,
        actor=actor,
        reason=(reason or "").strip()[:1000],
        action=f"deal.{status}",
        expires_before=expires_before,
    )
    return deal


# ---------------------------------------------------------------- disputes


@transaction.atomic
def deal_dispute(*, deal: Deal, reason: str, actor: Actor | None = None) -> Deal:
    """A conflicting registration's partner contests the hold (R32's escalation path): the
    dispute is open until a manager decides it. Recorded on both registrations' histories;
    the holder learns that its account was contested, not by whom. 409 unless the deal is a
    conflict without a dispute yet."""
    actor = actor or Actor.system()
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(["reason"], _("Say why the registration should hold the account."))
    deal = _locked(deal)
    if deal.status != S.conflict or deal.dispute_status:
        raise Conflict(_("Only a conflict can be disputed, once."))
    now = clock.now()
    deal.dispute_status = DisputeStatus.open
    deal.dispute_reason = reason[:1000]
    deal.dispute_opened_at = now
    deal.save(update_fields=["dispute_status", "dispute_reason", "dispute_opened_at"])
    _event(deal, kind=DealEventKind.dispute, actor=actor, before=deal.status, reason=reason, at=now)
    holder = deal.conflict_with
    if holder is not None:
        DealEvent.objects.create(
            deal=holder,
            kind=DealEventKind.dispute,
            from_status=holder.status,
            to_status=holder.status,
            at=now,
            actor="",
            reason="Another registration contests this account.",
        )
    return deal


@transaction.atomic
def deal_dispute_decide(
    *, deal: Deal, uphold: bool, reason: str, actor: Actor | None = None
) -> Deal:
    """Decide an open dispute with a reason (recorded with the decider and the time on both
    registrations). Upheld: the active registration holding the account is rejected and the
    disputing one approved, protected from now. Dismissed: it stays a conflict."""
    actor = actor or Actor.system()
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(["reason"], _("Say why the dispute is decided this way."))
    deal = _locked(deal)
    if deal.dispute_status != DisputeStatus.open:
        raise Conflict(_("This registration has no open dispute."))
    now = clock.now()
    holders = list(
        _overlapping(
            workspace_id=deal.workspace_id,
            domain=deal.domain_normalised,
            country=deal.country,
            division_key=deal.division_key,
        ).exclude(pk=deal.pk)
    )
    if uphold:
        for holder in holders:
            deal_reject(
                deal=holder,
                reason=f"Dispute decided for another registration: {reason}",
                actor=actor,
            )
        deal = deal_approve(deal=deal, reason=reason, actor=actor)
    deal.dispute_status = DisputeStatus.upheld if uphold else DisputeStatus.dismissed
    deal.dispute_decision = reason[:1000]
    deal.dispute_decided_by = actor.label[:200]
    deal.dispute_decided_at = now
    deal.save(
        update_fields=[
            "dispute_status",
            "dispute_decision",
            "dispute_decided_by",
            "dispute_decided_at",
        ]
    )
    _event(
        deal,
        kind=DealEventKind.decision,
        actor=actor,
        before=deal.status,
        reason=f"{deal.dispute_status}: {reason}",
        at=now,
    )
    for holder in holders or ([deal.conflict_with] if deal.conflict_with else []):
        DealEvent.objects.create(
            deal=holder,
            kind=DealEventKind.decision,
            from_status=holder.status,
            to_status=Deal.objects.get(pk=holder.pk).status,
            at=now,
            actor=actor.label[:200],
            reason=f"{deal.dispute_status}: {reason}",
        )
    audit_record(
        workspace=deal.workspace_id,
        actor=actor,
        action="deal.dispute_decide",
        target=deal,
        before={"dispute": "open"},
        after={"dispute": deal.dispute_status, "reason": reason},
    )
    return deal


# ---------------------------------------------------------------- expiry


def deals_expire(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire active deals past `expires_at`: each by a conditional UPDATE (still active, still
    past its end), so two workers expire a deal once and an extension that commits first
    wins. Frees the accounts. Returns how many expired."""
    now = now or clock.now()
    due = list(
        Deal.objects.filter(status__in=ACTIVE, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:batch]
    )
    count = 0
    system = Actor.system("deal expiry")
    for pk in due:
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(no_key=True, of=("self",), skip_locked=True)
                .select_related("program", "partner")
                .filter(pk=pk, status__in=ACTIVE, expires_at__lt=now)
                .first()
            )
            if deal is None:
                continue
            before = deal.status
            deal.status = S.expired
            deal.save(update_fields=["status"])
            _event(
                deal,
                kind=DealEventKind.status,
                actor=system,
                before=before,
                reason="protection window over",
                expires_before=deal.expires_at,
                at=now,
            )
            webhook_emit(
                workspace=deal.workspace_id,
                type=events.DEAL_STATUS_CHANGED,
                data={**deal_data(deal), "from_status": before, "reason": "expired"},
            )
            count += 1
    return count


__all__ = [
    "CHECKLIST",
    "DEFAULT_REQUIRED",
    "Registered",
    "add_working_days",
    "deal_approve",
    "deal_extend",
    "deal_progress",
    "deal_register",
    "deal_reject",
    "deal_set_status",
    "deals_expire",
    "partner_for",
    "protection_holder",
]
