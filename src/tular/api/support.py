"""/api/v1/tickets: the partners' support tickets, the team's side (docs/support.md).

GET /tickets lists (filters, cursor pages), POST /tickets opens one on behalf of a partner,
GET /tickets/{id} is one with its thread (internal notes included, marked), POST
/tickets/{id}/messages writes on it (the team's reply, an internal note, or the partner's
message), POST /tickets/{id}/close and /reopen, PATCH /tickets/{id} assigns it and sets its
priority. The same services as the console and the portal (tular.support.services).
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Status
from pydantic import BaseModel, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.errors import Invalid, NotFound
from tular.core.schemas import Strict
from tular.participants.services import partner_for
from tular.programs.services import program_named_in_body
from tular.support import services
from tular.support.models import (
    BODY_MAX,
    SUBJECT_MAX,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from tular.workspaces.audit import Actor

router = Router(tags=["support"])

StatusName = Literal[tuple(TicketStatus.values)]
CategoryName = Literal[tuple(TicketCategory.values)]
PriorityName = Literal[tuple(TicketPriority.values)]
Body = Annotated[str, StringConstraints(max_length=BODY_MAX)]


class TicketContactIn(Strict):
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    email: Annotated[str, StringConstraints(max_length=254)] = ""


class TicketIn(Strict):
    program: Annotated[str, StringConstraints(max_length=50)] = Field(description="Program slug.")
    partner_external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The partner's external_id in the program (a participant of kind partner "
        "or reseller); unknown → 404."
    )
    subject: Annotated[str, StringConstraints(max_length=SUBJECT_MAX)] = Field(
        "", description=f"1 to {SUBJECT_MAX} characters; line breaks become spaces."
    )
    body: Body = Field("", description=f"The first message, 1 to {BODY_MAX} characters.")
    category: CategoryName = "other"
    priority: PriorityName = "normal"
    contact: TicketContactIn | None = Field(
        None,
        description="Who of the partner asks (a member of its organisation): the team's "
        "answers are e-mailed there. The partner's own name and address when omitted.",
    )


class TicketMessageIn(Strict):
    body: Body = Field(description=f"1 to {BODY_MAX} characters.")
    author: Literal["team", "partner"] = Field(
        "team",
        description="team: the program's team answers (the partner is e-mailed; the ticket "
        "waits on the partner). partner: the partner writes (the assignee, else the owners and "
        "managers, are e-mailed; the ticket waits on the team, a closed one reopens).",
    )
    author_name: Annotated[str, StringConstraints(max_length=200)] = Field(
        "",
        description="The name shown with the message (the workspace's name for the team, the "
        "partner's name for the partner, when empty).",
    )
    internal: bool = Field(
        False,
        description="The team's internal note: never shown or sent to the partner, changes no "
        "status, e-mails nobody.",
    )
    close: bool = Field(False, description="The team's reply closes the ticket.")


class TicketUpdateIn(Strict):
    assignee: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None,
        description='The e-mail of an owner or manager of the workspace; "" unassigns. '
        "Absent: unchanged.",
    )
    priority: PriorityName | None = None


class TicketMessageOut(BaseModel):
    id: UUID
    author: Literal["team", "partner"]
    author_name: str
    author_user: str | None = Field(description="The team member's e-mail, when a user wrote it.")
    body: str
    internal: bool
    created_at: datetime


class TicketOut(BaseModel):
    id: UUID
    program: str
    partner_id: UUID
    partner_external_id: str | None
    contact: dict = Field(description="name and email: where the team's answers go.")
    subject: str
    category: CategoryName
    status: StatusName = Field(
        description="new (not answered yet), waiting_on_us (the partner wrote last), "
        "waiting_on_partner (the team answered), closed."
    )
    priority: PriorityName
    assignee: str | None = Field(description="The assignee's e-mail.")
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    waiting_since: datetime | None = Field(
        description="Since when the partner's oldest unanswered message waits; null when the "
        "team owes no answer."
    )
    closed_at: datetime | None
    closed_by: str
    messages: list[TicketMessageOut] | None = Field(
        description="The thread, oldest first (one ticket only; null in lists)."
    )


def _out(ticket: Ticket, *, thread: bool = True) -> dict:
    messages = None
    if thread:
        messages = [
            {
                "id": message.pk,
                "author": message.side,
                "author_name": message.author_name,
                "author_user": message.author_user.email if message.author_user else None,
                "body": message.body,
                "internal": message.internal,
                "created_at": message.created_at,
            }
            for message in services.visible_messages(ticket, for_partner=False)
        ]
    return {
        "id": ticket.pk,
        "program": ticket.program.slug,
        "partner_id": ticket.participant_id,
        "partner_external_id": ticket.participant.external_id,
        "contact": {"name": ticket.contact_name, "email": ticket.contact_email},
        "subject": ticket.subject,
        "category": ticket.category,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "last_message_at": ticket.last_message_at,
        "waiting_since": ticket.waiting_since,
        "closed_at": ticket.closed_at,
        "closed_by": ticket.closed_by,
        "messages": messages,
    }


def _ticket(request, ticket_id: str) -> Ticket:
    ticket = services.ticket_get(workspace=request.workspace, ticket_id=ticket_id)
    if ticket is None:
        raise NotFound("No ticket with this id in this workspace.")
    return ticket


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


@router.post(
    "",
    response={201: TicketOut},
    description="Open a ticket on behalf of a partner, with its first message: status `new`, "
    "the assignee-less ticket's e-mail goes to the workspace's owners and managers. Unknown "
    "partner → 404; an empty or overlong subject or body → 422.",
)
def open_ticket(request, payload: TicketIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    partner = partner_for(program=program, external_id=payload.partner_external_id)
    contact = payload.contact or TicketContactIn()
    ticket = services.ticket_open(
        participant=partner,
        subject=payload.subject,
        body=payload.body,
        category=payload.category,
        priority=payload.priority,
        contact_name=contact.name,
        contact_email=contact.email,
        actor=_actor(request),
    )
    return Status(201, _out(_ticket(request, str(ticket.pk))))


class TicketQuery(PageQuery):
    status: StatusName | Literal["needs_reply", "open"] | None = Field(
        None,
        description="A status, or needs_reply (new and waiting_on_us), or open (not closed).",
    )
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Program slug."
    )
    assignee: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description='The assignee\'s e-mail; "none": tickets nobody is assigned.'
    )
    partner_external_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


@router.get("", response={200: page_of(TicketOut)})
def list_tickets(request, query: Query[TicketQuery]):
    """The workspace's tickets in the order they were opened (without their threads)."""
    assignee = None
    unassigned = query.assignee == "none"
    if query.assignee and not unassigned:
        try:
            assignee = services.user_for_assignment(
                workspace=request.workspace, email=query.assignee
            )
        except Invalid:
            return {"items": [], "next": None}
    tickets = services.tickets_filter(
        workspace=request.workspace,
        status=query.status,
        program_slug=query.program,
        assignee=assignee,
        unassigned=unassigned,
    )
    if query.partner_external_id:
        tickets = tickets.filter(participant__external_id=query.partner_external_id)
    return paginate(
        tickets, after=query.after, limit=query.limit, shape=lambda t: _out(t, thread=False)
    )


@router.get("/{ticket_id}", response={200: TicketOut})
def get_ticket(request, ticket_id: str):
    """One ticket with its whole thread, the team's internal notes included (`internal`)."""
    return _out(_ticket(request, ticket_id))


@router.patch(
    "/{ticket_id}",
    response={200: TicketOut},
    description='Assign the ticket (the assignee is e-mailed) or unassign it (""), and set '
    "its priority. An assignee who is not an owner or manager of the workspace → 422.",
)
def update_ticket(request, ticket_id: str, payload: TicketUpdateIn):
    ticket = _ticket(request, ticket_id)
    if payload.assignee is not None:
        user = services.user_for_assignment(workspace=request.workspace, email=payload.assignee)
        services.ticket_assign(ticket=ticket, assignee=user, actor=_actor(request))
    if payload.priority is not None:
        services.ticket_set_priority(
            ticket=ticket, priority=payload.priority, actor=_actor(request)
        )
    return _out(_ticket(request, ticket_id))


@router.post(
    "/{ticket_id}/messages",
    response={201: TicketOut},
    description="Write on the ticket: the team's reply (the partner is e-mailed in their "
    "language with a link to the ticket in the portal; `close` closes it with the reply), an "
    "internal note, or the partner's message (`author: partner`). Returns the ticket with its "
    "thread. An empty or overlong body → 422; an internal note from the partner → 422.",
)
def add_message(request, ticket_id: str, payload: TicketMessageIn):
    ticket = _ticket(request, ticket_id)
    services.ticket_reply(
        ticket=ticket,
        body=payload.body,
        actor=_actor(request),
        partner=ticket.participant if payload.author == "partner" else None,
        author_name=payload.author_name,
        internal=payload.internal,
        close=payload.close,
    )
    return Status(201, _out(_ticket(request, ticket_id)))


@router.post(
    "/{ticket_id}/close",
    response={200: TicketOut},
    description="Close the ticket (no e-mail). A closed ticket → 409.",
)
def close_ticket(request, ticket_id: str):
    services.ticket_close(ticket=_ticket(request, ticket_id), actor=_actor(request))
    return _out(_ticket(request, ticket_id))


@router.post(
    "/{ticket_id}/reopen",
    response={200: TicketOut},
    description="Reopen a closed ticket: it waits on the partner. An open ticket → 409.",
)
def reopen_ticket(request, ticket_id: str):
    services.ticket_reopen(ticket=_ticket(request, ticket_id), actor=_actor(request))
    return _out(_ticket(request, ticket_id))
