"""The pipeline of submitted leads (R12, R15-R20, R24, R61): intake, status moves with their
history, service levels, and the rewards of `qualified` and `won`.

    submitted → acknowledged → contacted → qualified → proposal → won
                         ╰────────────╰──────────╰─────────╰──→ lost / dark

Each use case owns its transaction and locks the referral row before it reads its status, so
two people moving one card at once make one move and the other gets 409. Every move writes a
`ReferralChange` (who, when, from, to, why), tells the referrer (`notify.referral_notify`, an
outbox row sent by the worker after the commit) and emits `referral.status_changed`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.money import is_currency
from tular.participants.models import Participant
from tular.participants.services import normalise_email
from tular.programs.models import Program
from tular.programs.rules import Trigger
from tular.referrals import routing, webhook_events
from tular.referrals.models import Referral, ReferralChange, ReferralNote, ReferralStatus
from tular.referrals.notify import referral_notify
from tular.rewards.engine import Occurrence
from tular.rewards.models import Reward
from tular.rewards.services import rewards_grant
from tular.workspaces.audit import Actor, audit_record

S = ReferralStatus

# The chain a lead walks, in order; lost and dark close it from any open step.
CHAIN = (S.submitted, S.acknowledged, S.contacted, S.qualified, S.proposal, S.won)
OPEN = frozenset({S.submitted, S.acknowledged, S.contacted, S.qualified, S.proposal})
CLOSED = frozenset({S.won, S.lost, S.dark})

# The moves allowed without `reopen`. A fast team may contact a lead right away (acknowledged
# is then implied) and may win a qualified deal without a formal proposal; nothing else skips.
MOVES: dict[str, frozenset[str]] = {
    S.submitted: frozenset({S.acknowledged, S.contacted, S.lost}),
    S.acknowledged: frozenset({S.contacted, S.lost, S.dark}),
    S.contacted: frozenset({S.qualified, S.lost, S.dark}),
    S.qualified: frozenset({S.proposal, S.won, S.lost, S.dark}),
    S.proposal: frozenset({S.won, S.lost, S.dark}),
    S.won: frozenset(),
    S.lost: frozenset(),
    S.dark: frozenset(),
}
# A lost or dark lead comes back only explicitly (`reopen=True`), to an open step past intake.
# A won deal stays won: new business is a new referral.
REOPENABLE = frozenset({S.lost, S.dark})
REOPEN_TO = frozenset({S.acknowledged, S.contacted, S.qualified, S.proposal})

# Which service level a status meets (R18): each is counted from the submission.
SLA_KINDS = ("acknowledge", "contact", "meeting")
MEETS = {
    S.acknowledged: 1,  # acknowledge
    S.contacted: 2,  # acknowledge, contact
    S.qualified: 3,  # … and the first meeting (a lead is qualified in a meeting)
    S.proposal: 3,
    S.won: 3,
}

# Addresses of public mailbox providers say nothing about the lead's company.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.id",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "outlook.com",
        "outlook.co.id",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "yandex.com",
        "zoho.com",
        "qq.com",
        "163.com",
    }
)

LEAD_LIMITS = {"name": 200, "company": 200, "phone": 40, "notes": 4000, "heard_from": 200}
INTAKES = frozenset({"api", "form", "portal", "csv", "console"})


# ---------------------------------------------------------------- service levels


def sla_hours(program: Program) -> dict[str, int]:
    return {
        "acknowledge": program.sla_acknowledge_hours,
        "contact": program.sla_contact_hours,
        "meeting": program.sla_meeting_hours,
    }


def sla_next(*, program: Program, status: str, submitted_at: datetime):
    """(kind, due) of the first service level the lead has not met yet, or ("", None) when
    every level is met or the lead is closed."""
    if status not in OPEN:
        return "", None
    met = MEETS.get(status, 0)
    if met >= len(SLA_KINDS):
        return "", None
    kind = SLA_KINDS[met]
    return kind, submitted_at + timedelta(hours=sla_hours(program)[kind])


def is_overdue(referral: Referral, *, now: datetime | None = None) -> bool:
    return referral.due_at is not None and referral.due_at < (now or clock.now())


def overdue(queryset, *, now: datetime | None = None):
    """The open leads of `queryset` past their service level (the queue, the overview, the
    owner's reminder): the database's side of `is_overdue`."""
    return queryset.filter(status__in=OPEN, due_at__lt=now or clock.now())


# ---------------------------------------------------------------- intake


def company_domain_of(email_normalised: str) -> str:
    domain = email_normalised.rpartition("@")[2]
    return "" if not domain or domain in PUBLIC_MAIL_DOMAINS else domain


def possible_duplicate(
    *, program: Program, email_normalised: str, company_domain: str, exclude=None
) -> Referral | None:
    """The first lead of the program's pipeline with the same e-mail or company domain."""
    match = Q(email_normalised=email_normalised)
    if company_domain:
        match |= Q(company_domain=company_domain)
    found = Referral.objects.filter(program=program, status__in=[*OPEN, *CLOSED]).filter(match)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.order_by("created_at", "pk").first()


def lead_check(
    *,
    name: str,
    email: str,
    company: str = "",
    phone: str = "",
    notes: str = "",
    heard_from: str = "",
    loc: tuple = ("lead",),
) -> dict:
    """The lead's fields cleaned, or Invalid naming the first bad one (nothing is written)."""
    values = {
        "name": (name or "").strip(),
        "company": (company or "").strip(),
        "phone": (phone or "").strip(),
        "notes": (notes or "").strip(),
        "heard_from": (heard_from or "").strip(),
    }
    if not values["name"]:
        raise Invalid([*loc, "name"], _("Enter the lead's name."))
    for field, limit in LEAD_LIMITS.items():
        if len(values[field]) > limit:
            raise Invalid(
                [*loc, field] if field != "heard_from" else ["heard_from"],
                _("Use at most %(limit)d characters.") % {"limit": limit},
            )
    if any(char in values["phone"] for char in "\r\n\x00"):
        raise Invalid([*loc, "phone"], _("Enter a phone number on one line."))
    try:
        values["email"] = validate_email(
            (email or "").strip(), check_deliverability=False
        ).normalized
    except EmailNotValidError:
        raise Invalid([*loc, "email"], _("Enter a valid e-mail address.")) from None
    return values


def referrer_for(*, program: Program, external_id: str) -> Participant:
    """The referrer a request names by their external id in the program (422 when unknown)."""
    participant = Participant.objects.filter(program=program, external_id=external_id).first()
    if participant is None:
        raise Invalid(
            ["referrer_external_id"],
            _("No referrer with that id in program %(program)s.") % {"program": program.slug},
        )
    return participant


def referral_submit(
    *,
    referrer: Participant,
    name: str,
    email: str,
    company: str = "",
    phone: str = "",
    notes: str = "",
    heard_from: str = "",
    consent: bool = False,
    intake: str = "api",
    actor: Actor | None = None,
) -> Referral:
    """A referrer's lead enters the program's pipeline as `submitted`: the first service level
    is due, a possible duplicate (the same e-mail or company domain already in the pipeline) is
    marked rather than refused, the referrer is thanked and `referral.created` goes out."""
    lead = lead_check(
        name=name,
        email=email,
        company=company,
        phone=phone,
        notes=notes,
        heard_from=heard_from,
    )
    if intake not in INTAKES:
        raise Invalid(["intake"], f"one of {', '.join(sorted(INTAKES))}")
    program = referrer.program
    actor = actor or Actor(label=referrer.name or referrer.email or str(referrer.pk))
    email_normalised = normalise_email(lead["email"])
    if email_normalised == referrer.email_normalised:
        raise Invalid(["lead", "email"], _("A referrer cannot refer themselves."))
    domain = company_domain_of(email_normalised)
    # A partner's deal registration protects the lead's company: the lead is the holder's (R32).
    routed = routing.lead_route(referrer=referrer, email_normalised=email_normalised)
    if routed is not None:
        referrer, program = routed.holder, routed.holder.program
    now = clock.now()
    with transaction.atomic():
        due_kind, due_at = sla_next(program=program, status=S.submitted, submitted_at=now)
        referral = Referral.objects.create(
            workspace_id=program.workspace_id,
            program=program,
            participant=referrer,
            email=lead["email"],
            email_normalised=email_normalised,
            name=lead["name"],
            company=lead["company"],
            phone=lead["phone"],
            lead_notes=lead["notes"],
            heard_from=lead["heard_from"],
            intake=intake,
            consent_at=now if consent else None,
            company_domain=domain,
            duplicate_of=possible_duplicate(
                program=program, email_normalised=email_normalised, company_domain=domain
            ),
            lead_score=program.lead_score_boost,
            status=S.submitted,
            status_changed_at=now,
            due_kind=due_kind,
            due_at=due_at,
            created_at=now,
        )
        change = ReferralChange.objects.create(
            referral=referral,
            from_status="",
            to_status=S.submitted,
            at=now,
            actor=actor.label,
            actor_user_id=actor.user_id,
        )
        if routed is None:
            referral_notify(referral=referral, change=change)
        else:
            routing.lead_routed_tell(referral=referral, routed=routed)
        webhook_events.referral_created(referral)
    return referral


# ---------------------------------------------------------------- moves


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(no_key=True, of=("self",))
        .select_related("program", "participant", "workspace")
        .get(pk=referral.pk)
    )


def check_move(*, current: str, target: str, reopen: bool) -> None:
    """Conflict (409) unless `current → target` is a move the pipeline allows."""
    if current not in MOVES:
        raise Conflict(
            _("This referral is a tracked sign-up, not a lead in the pipeline."),
        )
    if reopen:
        if current not in REOPENABLE:
            raise Conflict(
                _("Only a lost or dark lead can be reopened; this one is %(status)s.")
                % {"status": S(current).label}
            )
        if target not in REOPEN_TO:
            raise Conflict(
                _("A reopened lead goes back to acknowledged, contacted, qualified or proposal.")
            )
        return
    if target in MOVES[current]:
        return
    if current in REOPENABLE:
        raise Conflict(
            _("This lead is %(status)s: reopen it explicitly (reopen: true) to move it again.")
            % {"status": S(current).label}
        )
    if current == S.won:
        raise Conflict(_("A won deal stays won; new business is a new referral."))
    allowed = ", ".join(sorted(MOVES[current]))
    raise Conflict(
        _("A lead cannot go from %(current)s to %(target)s; from here: %(allowed)s.")
        % {"current": current, "target": target, "allowed": allowed}
    )


def deal_check(*, program: Program, deal_value, currency) -> tuple[int | None, str]:
    if deal_value is None:
        if currency and not is_currency(currency):
            raise Invalid(["currency"], _("Use an ISO 4217 currency code, e.g. IDR."))
        return None, currency or ""
    if isinstance(deal_value, bool) or not isinstance(deal_value, int) or deal_value < 0:
        raise Invalid(["deal_value"], _("Give the deal value in minor units, 0 or more."))
    currency = (currency or program.currency).upper()
    if not is_currency(currency):
        raise Invalid(["currency"], _("Use an ISO 4217 currency code, e.g. IDR."))
    return deal_value, currency


def referral_move(
    *,
    referral: Referral,
    status: str,
    reason: str = "",
    deal_value: int | None = None,
    currency: str | None = None,
    reopen: bool = False,
    actor: Actor,
) -> ReferralChange | None:
    """Move a lead to `status` (409 when the pipeline does not allow it; `reopen=True` brings a
    lost or dark lead back). Writes the history, sets the next service level, fires the
    rewards of `qualified` and `won` (once per rule and referral, also after a reopen), tells
    the referrer and emits `referral.status_changed`. Moving to the status it has is no
    change (None): a retried request does nothing twice. `lost` needs a reason."""
    if status not in S.values:
        raise Invalid(["status"], _("Unknown status %(status)s.") % {"status": status})
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise Invalid(["reason"], _("Use at most %(limit)d characters.") % {"limit": 1000})
    value, value_currency = deal_check(
        program=referral.program, deal_value=deal_value, currency=currency
    )
    with transaction.atomic():
        referral = _locked(referral)
        current = referral.status
        if status == current and not reopen:
            if value is not None:
                _deal_write(referral, value, value_currency, actor=actor)
            return None
        check_move(current=current, target=status, reopen=reopen)
        if status == S.lost and not reason:
            raise Invalid(["reason"], _("Say why the lead is not a fit; the referrer is told."))
        now = clock.now()
        program = referral.program
        if value is not None:
            _set_deal(referral, value, value_currency)
        referral.status = status
        referral.status_changed_at = now
        referral.due_kind, referral.due_at = sla_next(
            program=program, status=status, submitted_at=referral.created_at
        )
        referral.recontact_at = (
            now + timedelta(days=program.dark_recontact_days) if status == S.dark else None
        )
        referral.recontact_told_at = None
        referral.save(
            update_fields=[
                "status",
                "status_changed_at",
                "due_kind",
                "due_at",
                "deal_value",
                "deal_currency",
                "recontact_at",
                "recontact_told_at",
            ]
        )
        change = ReferralChange.objects.create(
            referral=referral,
            from_status=current,
            to_status=status,
            at=now,
            actor=actor.label,
            actor_user_id=actor.user_id,
            reason=reason,
            reopened=reopen,
        )
        if status in (S.qualified, S.won):
            grant_once(referral=referral, trigger=Trigger(status), at=now)
        referral_notify(referral=referral, change=change)
        audit_record(
            workspace=referral.workspace,
            actor=actor,
            action="referral.moved",
            target=referral,
            before={"status": current},
            after={"status": status, "reason": reason, "reopened": reopen},
        )
        webhook_events.referral_status_changed(referral, previous_status=current, reason=reason)
    return change


def _set_deal(referral: Referral, value: int, currency: str) -> None:
    referral.deal_value = value
    referral.deal_currency = currency


def grant_once(*, referral: Referral, trigger: Trigger, at) -> list[Reward]:
    """The program's rules for `trigger`, once per referral: a lead reopened and qualified
    again earns nothing twice (the database refuses a second reward of a rule anyway)."""
    if Reward.objects.filter(referral=referral, trigger=trigger).exists():
        return []
    program = referral.program
    won_value = trigger == Trigger.won and referral.deal_value
    return rewards_grant(
        referral=referral,
        occurrence=Occurrence(
            trigger=trigger,
            occurred_at=at,
            currency=(referral.deal_currency or program.currency)
            if won_value
            else program.currency,
            program_currency=program.currency,
            sale_amount=referral.deal_value if won_value else None,
            monetary_rewards_allowed=program.monetary_rewards_allowed,
        ),
    )


# ---------------------------------------------------------------- other changes


def owner_for(*, workspace, email: str):
    """A member of the workspace named by e-mail (422 when there is none)."""
    user = (
        get_user_model()
        .objects.filter(email__iexact=(email or "").strip(), memberships__workspace=workspace)
        .first()
    )
    if user is None:
        raise Invalid(["owner"], _("No team member with that e-mail in this workspace."))
    return user


def referral_assign(*, referral: Referral, owner, actor: Actor) -> Referral:
    """Give the lead an owner (a team member; None for nobody). The owner is told when a
    service level is missed."""
    with transaction.atomic():
        referral = _locked(referral)
        before = referral.owner_id
        referral.owner = owner
        referral.save(update_fields=["owner"])
        audit_record(
            workspace=referral.workspace,
            actor=actor,
            action="referral.assigned",
            target=referral,
            before={"owner": before},
            after={"owner": owner.pk if owner else None},
        )
    return referral


def referral_set_deal(*, referral: Referral, deal_value, currency, actor: Actor) -> Referral:
    value, value_currency = deal_check(
        program=referral.program, deal_value=deal_value, currency=currency
    )
    with transaction.atomic():
        referral = _locked(referral)
        _deal_write(referral, value, value_currency if value is not None else "", actor=actor)
    return referral


def _deal_write(referral: Referral, value: int | None, currency: str, *, actor: Actor) -> None:
    """Store a locked referral's deal value with its audit entry."""
    before = {"deal_value": referral.deal_value, "currency": referral.deal_currency}
    referral.deal_value = value
    referral.deal_currency = currency
    referral.save(update_fields=["deal_value", "deal_currency"])
    audit_record(
        workspace=referral.workspace,
        actor=actor,
        action="referral.deal_value",
        target=referral,
        before=before,
        after={"deal_value": value, "currency": currency},
    )


def referral_note_add(*, referral: Referral, body: str, actor: Actor) -> ReferralNote:
    body = (body or "").strip()
    if not body:
        raise Invalid(["body"], _("Write the note first."))
    if len(body) > 4000:
        raise Invalid(["body"], _("Use at most %(limit)d characters.") % {"limit": 4000})
    return ReferralNote.objects.create(
        referral=referral,
        author=actor.label,
        author_user_id=actor.user_id,
        body=body,
        created_at=clock.now(),
    )


def referral_case_study_answer(*, referral: Referral, agreed: bool) -> Referral:
    """The referrer's answer to the case-study question asked on a win (R61)."""
    with transaction.atomic():
        referral = _locked(referral)
        if referral.status != S.won:
            raise Conflict(_("Only a won deal can become a case study."))
        referral.case_study = "agreed" if agreed else "declined"
        referral.save(update_fields=["case_study"])
    return referral
