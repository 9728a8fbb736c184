"""Support tickets (R34): a partner opens one, both sides write, either side closes it.

    ticket = ticket_open(participant=…, subject=…, body=…, category="commissions", actor=…)
    ticket_reply(ticket=…, body=…, actor=…, partner=participant)    # the partner writes
    ticket_reply(ticket=…, body=…, actor=…, author_name="Rina")      # the team answers
    ticket_reply(ticket=…, body=…, actor=…, internal=True)           # a note the partner never sees
    ticket_close(ticket=…, actor=…) / ticket_reopen(ticket=…, actor=…)
    ticket_assign(ticket=…, assignee=user | None, actor=…) / ticket_set_priority(…)

Each change locks the ticket's row, writes its audit entry and queues its e-mail in one
transaction (a rollback sends nothing). The partner hears of the team's answers, in the
partner's language, with a link to the ticket in the portal; the team hears of the partner's
messages: the ticket's assignee, else every owner and manager of the workspace (a partner has no
manager of its own in Tular). The status follows whose turn it is (models.TicketStatus); a
message of the partner on a closed ticket reopens it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.core.errors import Conflict, Invalid, NotFound
from tular.core.ids import parse_uuid
from tular.messaging.services import email_language, email_send
from tular.participants.models import Participant
from tular.participants.signin import language_of_person
from tular.support.models import (
    BODY_MAX,
    NEEDS_REPLY,
    SUBJECT_MAX,
    Side,
    Ticket,
    TicketCategory,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from tular.workspaces.audit import Actor, audit_record
from tular.workspaces.models import Membership, Role

S = TicketStatus
# Who may be assigned a ticket: the members who may answer it in the console.
ASSIGNABLE_ROLES = (Role.OWNER, Role.MANAGER)
# Who may open a ticket through the API: partners, and resellers (as deal registration).
FALLBACK_BASE = "http://localhost:8000"
EMAIL_KIND = "support_ticket"


# ---------------------------------------------------------------- checks


def _text(value, field: str, *, limit: int, empty: str, long: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise Invalid([field], empty)
    if len(text) > limit:
        raise Invalid([field], long % {"limit": limit, "length": len(text)})
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise Invalid([field], _("Remove the control characters from the text."))
    return text


def subject_check(value) -> str:
    text = _text(
        value,
        "subject",
        limit=SUBJECT_MAX,
        empty=_("Write a subject: what is the question about?"),
        long=_("Keep the subject to %(limit)s characters (it has %(length)s)."),
    )
    return " ".join(text.split())


def body_check(value) -> str:
    return _text(
        value,
        "body",
        limit=BODY_MAX,
        empty=_("Write a message."),
        long=_("Keep the message to %(limit)s characters (it has %(length)s)."),
    )


def contact_email_check(value: str) -> str:
    """A contact's address, normalised; "" stays "" (the partner's own address is used)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(["contact", "email"], _("Enter a valid e-mail address.")) from None


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise Invalid(
            [field],
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)},
        )
    return value


# ---------------------------------------------------------------- lookups


def ticket_get(*, workspace, ticket_id) -> Ticket | None:
    pk = parse_uuid(str(ticket_id))
    if pk is None:
        return None
    return (
        Ticket.objects.filter(workspace=workspace, pk=pk)
        .select_related("program", "participant", "workspace", "assignee")
        .first()
    )


def ticket_of_partner(*, participant: Participant, ticket_id) -> Ticket | None:
    """The participant's own ticket of that id; None for another's (the portal's 404)."""
    pk = parse_uuid(str(ticket_id))
    if pk is None:
        return None
    return (
        Ticket.objects.filter(participant=participant, pk=pk)
        .select_related("program", "participant", "workspace", "assignee")
        .first()
    )


def tickets_of_partner(*, participant: Participant):
    """The participant's tickets, the open ones first, the latest message first."""
    return (
        Ticket.objects.filter(participant=participant)
        .annotate(
            done=Case(
                When(status=S.closed, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("done", "-last_message_at", "-pk")
    )


def tickets_filter(
    *,
    workspace,
    status: str | None = None,
    program_slug: str | None = None,
    assignee=None,
    unassigned: bool = False,
    participant: Participant | None = None,
):
    """The workspace's tickets. `status` is one of TicketStatus or "needs_reply" (new and
    waiting on us) or "open" (everything not closed); `assignee` a user."""
    tickets = Ticket.objects.filter(workspace=workspace).select_related(
        "program", "participant", "assignee"
    )
    if status == "needs_reply":
        tickets = tickets.filter(status__in=NEEDS_REPLY)
    elif status == "open":
        tickets = tickets.exclude(status=S.closed)
    elif status:
        tickets = tickets.filter(status=status)
    if program_slug:
        tickets = tickets.filter(program__slug=program_slug)
    if unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee is not None:
        tickets = tickets.filter(assignee=assignee)
    if participant is not None:
        tickets = tickets.filter(participant=participant)
    return tickets


def inbox_order(tickets):
    """Unanswered first, the longest waiting first; then the latest message first."""
    return tickets.annotate(
        answered=Case(
            When(status__in=NEEDS_REPLY, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("answered", "waiting_since", "-last_message_at", "-pk")


def needs_reply_count(*, workspace) -> int:
    return Ticket.objects.filter(workspace=workspace, status__in=NEEDS_REPLY).count()


def visible_messages(ticket: Ticket, *, for_partner: bool):
    """The thread in order; the partner never gets the internal notes."""
    messages = ticket.messages.select_related("author_user")
    return messages.filter(internal=False) if for_partner else messages


def assignable(*, workspace):
    """The members a ticket may be assigned to (owners and managers, active), by e-mail."""
    return [
        membership.user
        for membership in Membership.objects.select_related("user")
        .filter(workspace=workspace, role__in=ASSIGNABLE_ROLES, user__is_active=True)
        .order_by("user__email", "user__pk")
    ]


def team_for(ticket: Ticket) -> list:
    """Who of the team hears of the partner's messages: the assignee, else every owner and
    manager of the workspace."""
    if ticket.assignee_id is not None:
        still = Membership.objects.filter(
            workspace_id=ticket.workspace_id,
            user_id=ticket.assignee_id,
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        ).exists()
        if still:
            return [ticket.assignee]
    return assignable(workspace=ticket.workspace)


# ---------------------------------------------------------------- links and e-mail


def public_base(base_url: str | None = None) -> str:
    return (settings.TULAR_PUBLIC_URL or base_url or FALLBACK_BASE).rstrip("/")


def portal_link(ticket: Ticket, *, base_url: str | None = None) -> str:
    path = reverse("portal:support-ticket", args=[ticket.program.slug, ticket.pk])
    return public_base(base_url) + path


def console_link(ticket: Ticket, *, base_url: str | None = None) -> str:
    return public_base(base_url) + reverse("console:support-detail", args=[ticket.pk])


def partner_language(ticket: Ticket) -> str:
    return language_of_person(None, [ticket.participant], ticket.workspace)


def _user_language(user, workspace) -> str:
    preference = getattr(user, "preference", None)
    return email_language(getattr(preference, "language", None) or workspace.default_language)


def _partner_name(ticket: Ticket) -> str:
    return ticket.participant.name or ticket.participant.email


def _tell_team(
    ticket: Ticket, message: TicketMessage, *, opened: bool, skip_user_id=None, base_url=None
) -> int:
    told = 0
    for user in team_for(ticket):
        if not user.email or user.pk == skip_user_id:
            continue
        language = _user_language(user, ticket.workspace)
        with translation.override(language):
            context = {
                "opened": opened,
                "subject": ticket.subject,
                "category": TicketCategory(ticket.category).label,
                "partner_name": _partner_name(ticket),
                "author_name": message.author_name,
                "program_name": ticket.program.name,
                "body": message.body,
                "link": console_link(ticket, base_url=base_url),
            }
        email_send(
            to=user.email,
            kind=EMAIL_KIND,
            template="support_partner_wrote",
            context=context,
            language=language,
            workspace=ticket.workspace,
        )
        told += 1
    return told


def _tell_partner(ticket: Ticket, message: TicketMessage, *, closed: bool, base_url=None) -> None:
    language = partner_language(ticket)
    email_send(
        to=ticket.contact_email or ticket.participant.email,
        kind=EMAIL_KIND,
        template="support_team_replied",
        context={
            "name": ticket.contact_name or _partner_name(ticket),
            "subject": ticket.subject,
            "author_name": message.author_name,
            "workspace_name": ticket.workspace.name,
            "program_name": ticket.program.name,
            "body": message.body,
            "closed": closed,
            "link": portal_link(ticket, base_url=base_url),
        },
        language=language,
        workspace=ticket.workspace,
    )


def _tell_assignee(ticket: Ticket, *, actor: Actor, base_url=None) -> None:
    user = ticket.assignee
    if user is None or not user.email or user.pk == actor.user_id:
        return
    language = _user_language(user, ticket.workspace)
    email_send(
        to=user.email,
        kind=EMAIL_KIND,
        template="support_ticket_assigned",
        context={
            "subject": ticket.subject,
            "partner_name": _partner_name(ticket),
            "program_name": ticket.program.name,
            "by": actor.label,
            "link": console_link(ticket, base_url=base_url),
        },
        language=language,
        workspace=ticket.workspace,
    )


# ---------------------------------------------------------------- changes


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(no_key=True, of=("self",))
        .select_related("program", "participant", "workspace", "assignee")
        .get(pk=ticket.pk)
    )


def _snapshot(ticket: Ticket) -> dict:
    return {
        "status": ticket.status,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "priority": ticket.priority,
    }


def _sync(original: Ticket, locked: Ticket) -> Ticket:
    """Bring the caller's instance up to date with what was saved."""
    for field in Ticket._meta.concrete_fields:
        setattr(original, field.attname, getattr(locked, field.attname))
    original._state.fields_cache = dict(locked._state.fields_cache)
    return original


def ticket_open(
    *,
    participant: Participant,
    subject: str,
    body: str,
    category: str = TicketCategory.other,
    priority: str = TicketPriority.normal,
    contact_name: str = "",
    contact_email: str = "",
    actor: Actor | None = None,
    base_url: str | None = None,
) -> Ticket:
    """A partner's new ticket with its first message; the team is e-mailed. `contact_*` name
    the partner's member who asks (the participant itself when empty): answers go there."""
    subject = subject_check(subject)
    body = body_check(body)
    category = _choice(category, TicketCategory, "category")
    priority = _choice(priority, TicketPriority, "priority")
    contact_email = contact_email_check(contact_email)
    name = (contact_name or "").strip()[:200] or participant.name or participant.email
    now = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            workspace_id=participant.workspace_id,
            program_id=participant.program_id,
            participant=participant,
            contact_name=name,
            contact_email=contact_email or participant.email,
            subject=subject,
            category=category,
            priority=priority,
            status=S.new,
            created_at=now,
            updated_at=now,
            last_message_at=now,
            waiting_since=now,
        )
        ticket = Ticket.objects.select_related("program", "participant", "workspace").get(
            pk=ticket.pk
        )
        message = TicketMessage.objects.create(
            ticket=ticket,
            side=Side.partner,
            author_participant=participant,
            author_name=name,
            body=body,
            created_at=now,
        )
        audit_record(
            workspace=ticket.workspace_id,
            actor=actor or Actor(label=name),
            action="ticket.open",
            target=ticket,
            after={"subject": subject, "category": category, "priority": priority},
        )
        _tell_team(ticket, message, opened=True, base_url=base_url)
    return ticket


def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    actor: Actor,
    partner: Participant | None = None,
    author_name: str = "",
    internal: bool = False,
    close: bool = False,
    base_url: str | None = None,
) -> TicketMessage:
    """A message on the ticket. With `partner` (the ticket's own participant) it is the
    partner's: the ticket waits on us (a closed one reopens) and the team is e-mailed. Without,
    it is the team's (`actor` a user, an API key): the ticket waits on the partner, who is
    e-mailed, or closes with `close`. An `internal` note is the team's only: no status change,
    no e-mail, never shown to the partner. `author_name` is the name the partner sees (the
    workspace's name when empty)."""
    body = body_check(body)
    from_partner = partner is not None
    if from_partner and partner.pk != ticket.participant_id:
        raise NotFound(_("No such ticket."))
    if from_partner and (internal or close):
        raise Invalid(["internal"], _("Only the team writes internal notes."))
    if internal and close:
        raise Invalid(["close"], _("An internal note does not close the ticket: reply instead."))
    now = clock.now()
    with transaction.atomic():
        locked = _locked(ticket)
        before = _snapshot(locked)
        if from_partner:
            name = (author_name or "").strip()[:200] or partner.name or partner.email
        else:
            name = (author_name or "").strip()[:200] or locked.workspace.name
        message = TicketMessage.objects.create(
            ticket=locked,
            side=Side.partner if from_partner else Side.team,
            author_participant=partner if from_partner else None,
            author_user_id=None if from_partner else actor.user_id,
            author_name=name,
            body=body,
            internal=internal,
            created_at=now,
        )
        locked.updated_at = now
        if internal:
            action = "ticket.note"
        elif from_partner:
            action = "ticket.reply"
            if locked.status == S.closed:
                action = "ticket.reopen"
                locked.closed_at = None
                locked.closed_by = ""
            if locked.status not in NEEDS_REPLY:
                locked.status = S.waiting_on_us
                locked.waiting_since = now
            locked.last_message_at = now
        else:
            action = "ticket.reply"
            locked.status = S.closed if close else S.waiting_on_partner
            locked.waiting_since = None
            locked.last_message_at = now
            if close:
                locked.closed_at = now
                locked.closed_by = actor.label[:200]
            else:
                locked.closed_at = None
                locked.closed_by = ""
        locked.save()
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action=action,
            target=locked,
            before=before,
            after={**_snapshot(locked), "message": str(message.pk), "internal": internal},
        )
        if from_partner:
            _tell_team(locked, message, opened=False, base_url=base_url)
        elif not internal:
            _tell_partner(locked, message, closed=close, base_url=base_url)
    _sync(ticket, locked)
    return message


def ticket_close(*, ticket: Ticket, actor: Actor, partner: Participant | None = None) -> Ticket:
    """Close the ticket (by the team, or by the partner when `partner` is its participant).
    Closing a closed ticket is a 409."""
    if partner is not None and partner.pk != ticket.participant_id:
        raise NotFound(_("No such ticket."))
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status == S.closed:
            raise Conflict(_("The ticket is already closed."))
        before = _snapshot(locked)
        now = clock.now()
        locked.status = S.closed
        locked.closed_at = now
        locked.closed_by = actor.label[:200]
        locked.waiting_since = None
        locked.updated_at = now
        locked.save()
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="ticket.close",
            target=locked,
            before=before,
            after={**_snapshot(locked), "by_partner": partner is not None},
        )
    return _sync(ticket, locked)


def ticket_reopen(*, ticket: Ticket, actor: Actor, partner: Participant | None = None) -> Ticket:
    """Reopen a closed ticket: it waits on us when the partner reopens it, on the partner when
    the team does. Reopening an open ticket is a 409."""
    if partner is not None and partner.pk != ticket.participant_id:
        raise NotFound(_("No such ticket."))
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status != S.closed:
            raise Conflict(_("The ticket is open already."))
        before = _snapshot(locked)
        now = clock.now()
        if partner is not None:
            locked.status = S.waiting_on_us
            locked.waiting_since = now
        else:
            locked.status = S.waiting_on_partner
        locked.closed_at = None
        locked.closed_by = ""
        locked.updated_at = now
        locked.save()
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="ticket.reopen",
            target=locked,
            before=before,
            after={**_snapshot(locked), "by_partner": partner is not None},
        )
    return _sync(ticket, locked)


def ticket_assign(*, ticket: Ticket, assignee, actor: Actor, base_url: str | None = None) -> Ticket:
    """Give the ticket to a member (an owner or manager of its workspace), or to nobody
    (`assignee` None: the owners and managers hear of it again). The assignee is e-mailed,
    unless they assigned it to themselves."""
    if assignee is not None:
        allowed = Membership.objects.filter(
            workspace_id=ticket.workspace_id,
            user=assignee,
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        ).exists()
        if not allowed:
            raise Invalid(
                ["assignee"], _("Assign the ticket to an owner or manager of this workspace.")
            )
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.assignee_id == (assignee.pk if assignee else None):
            return _sync(ticket, locked)
        before = _snapshot(locked)
        locked.assignee = assignee
        locked.updated_at = clock.now()
        locked.save()
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="ticket.assign",
            target=locked,
            before=before,
            after=_snapshot(locked),
        )
        _tell_assignee(locked, actor=actor, base_url=base_url)
    return _sync(ticket, locked)


def ticket_set_priority(*, ticket: Ticket, priority: str, actor: Actor) -> Ticket:
    priority = _choice(priority, TicketPriority, "priority")
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.priority == priority:
            return _sync(ticket, locked)
        before = _snapshot(locked)
        locked.priority = priority
        locked.updated_at = clock.now()
        locked.save()
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="ticket.priority",
            target=locked,
            before=before,
            after=_snapshot(locked),
        )
    return _sync(ticket, locked)


def user_for_assignment(*, workspace, email: str | None):
    """The workspace's owner or manager with that e-mail (the API names the assignee by it);
    None for "" / None (nobody). Unknown → 422."""
    if not email:
        return None
    membership = (
        Membership.objects.select_related("user")
        .filter(
            workspace=workspace,
            user__email__iexact=email.strip(),
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        )
        .first()
    )
    if membership is None:
        raise Invalid(
            ["assignee"], _("Assign the ticket to an owner or manager of this workspace.")
        )
    return membership.user
