"""Console pages: the support inbox (partners' tickets, the unanswered first with how long
they have waited) and one ticket with its thread, the reply form (an internal note or a reply
that closes it), assign, priority, close and reopen.

Each action calls the service the API calls (tular.support.services): POST
/api/v1/tickets/{id}/messages and /close do the same."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, attempt, can_change, console_view
from tular.core import clock
from tular.core.errors import Invalid
from tular.programs.services import programs_filter
from tular.support import services
from tular.support.models import BODY_MAX, Side, Ticket, TicketPriority, TicketStatus

PER_PAGE = 50
TABS = ("needs_reply", "waiting_on_partner", "closed", "all")
COLOURS = {
    TicketStatus.new: "red",
    TicketStatus.waiting_on_us: "orange",
    TicketStatus.waiting_on_partner: "azure",
    TicketStatus.closed: "secondary",
}
PRIORITY_COLOURS = {"low": "secondary", "normal": "", "high": "orange", "urgent": "red"}


def needs_reply_count(request) -> int:
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return 0
    return services.needs_reply_count(workspace=workspace)


def _decorate(ticket: Ticket) -> Ticket:
    ticket.colour = COLOURS[TicketStatus(ticket.status)]
    ticket.priority_colour = PRIORITY_COLOURS.get(ticket.priority, "")
    # How long the partner has waited for an answer (by the one clock, as the services).
    ticket.age = timesince(ticket.waiting_since, clock.now()) if ticket.waiting_since else ""
    return ticket


def _author_name(user) -> str:
    return (user.get_full_name() or "").strip()


@console_view()
def inbox(request):
    tab = request.GET.get("tab") or "needs_reply"
    if tab not in TABS:
        tab = "needs_reply"
    who = request.GET.get("assignee") or ""
    team = services.assignable(workspace=request.workspace)
    assignee = None
    if who == "me":
        assignee = request.user
    elif who.isdigit():
        assignee = next((user for user in team if str(user.pk) == who), None)
        if assignee is None:
            who = ""
    tickets = services.tickets_filter(
        workspace=request.workspace,
        status=None if tab == "all" else tab,
        program_slug=request.GET.get("program") or None,
        assignee=assignee,
        unassigned=who == "none",
    )
    page = Paginator(services.inbox_order(tickets), PER_PAGE).get_page(request.GET.get("page"))
    for ticket in page.object_list:
        _decorate(ticket)
    assignees = [("me", _("Assigned to me")), ("none", _("Not assigned"))] + [
        (str(user.pk), user.get_full_name() or user.email) for user in team
    ]
    return render(
        request,
        "console/support/inbox.html",
        {
            "page_obj": page,
            "tab": tab,
            "tabs": [
                ("needs_reply", _("Needs a reply")),
                ("waiting_on_partner", _("Waiting on the partner")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],
            "waiting": needs_reply_count(request),
            "programs": list(programs_filter(workspace=request.workspace).order_by("name")),
            "assignees": assignees,
            "filters": {"program": request.GET.get("program", ""), "assignee": who},
        },
    )


def _ticket_or_404(request, ticket_id) -> Ticket:
    ticket = services.ticket_get(workspace=request.workspace, ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    return ticket


@console_view()
def detail(request, ticket_id):
    return _detail(request, _ticket_or_404(request, ticket_id))


def _detail(request, ticket: Ticket, *, draft: str = "", error: str = "", status: int = 200):
    ticket = _decorate(ticket)
    thread = list(services.visible_messages(ticket, for_partner=False))
    for message in thread:
        message.from_partner = message.side == Side.partner
    return render(
        request,
        "console/support/detail.html",
        {
            "ticket": ticket,
            "thread": thread,
            "team": services.assignable(workspace=request.workspace),
            "priorities": TicketPriority.choices,
            "body_max": BODY_MAX,
            "can_change": can_change(request),
            "draft": draft,
            "error": error,
            "internal": request.POST.get("internal") == "on",
        },
        status=status,
    )


def _back(ticket: Ticket):
    return redirect("console:support-detail", ticket_id=ticket.pk)


@console_view(change=True)
@require_POST
def reply(request, ticket_id):
    ticket = _ticket_or_404(request, ticket_id)
    internal = request.POST.get("internal") == "on"
    close = request.POST.get("close") == "on" and not internal
    body = request.POST.get("body", "")
    try:
        services.ticket_reply(
            ticket=ticket,
            body=body,
            actor=actor_of(request),
            author_name=_author_name(request.user),
            internal=internal,
            close=close,
            base_url=request.build_absolute_uri("/"),
        )
    except Invalid as refused:
        # The page again with what was typed and the error beside it.
        return _detail(request, ticket, draft=body, error=refused.detail, status=422)
    else:
        if internal:
            messages.success(request, _("The note is saved; the partner does not see it."))
        elif close:
            messages.success(request, _("The reply is sent and the ticket closed."))
        else:
            messages.success(request, _("The reply is sent; the partner is e-mailed."))
    return _back(ticket)


@console_view(change=True)
@require_POST
def assign(request, ticket_id):
    ticket = _ticket_or_404(request, ticket_id)
    raw = request.POST.get("assignee", "")
    team = services.assignable(workspace=request.workspace)
    user = next((member for member in team if str(member.pk) == raw), None)
    if raw and user is None:
        messages.error(request, _("Assign the ticket to an owner or manager of this workspace."))
        return _back(ticket)
    try:
        services.ticket_assign(
            ticket=ticket,
            assignee=user,
            actor=actor_of(request),
            base_url=request.build_absolute_uri("/"),
        )
        priority = request.POST.get("priority")
        if priority:
            services.ticket_set_priority(ticket=ticket, priority=priority, actor=actor_of(request))
    except Invalid as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The ticket is updated."))
    return _back(ticket)


@console_view(change=True)
@require_POST
def close(request, ticket_id):
    ticket = _ticket_or_404(request, ticket_id)
    return attempt(
        request,
        lambda: services.ticket_close(ticket=ticket, actor=actor_of(request)),
        told=_("The ticket is closed."),
        back=_back(ticket),
    )


@console_view(change=True)
@require_POST
def reopen(request, ticket_id):
    ticket = _ticket_or_404(request, ticket_id)
    return attempt(
        request,
        lambda: services.ticket_reopen(ticket=ticket, actor=actor_of(request)),
        told=_("The ticket is open again."),
        back=_back(ticket),
    )


urlpatterns = [
    path("support/", inbox, name="support"),
    path("support/<uuid:ticket_id>/", detail, name="support-detail"),
    path("support/<uuid:ticket_id>/reply", reply, name="support-reply"),
    path("support/<uuid:ticket_id>/assign", assign, name="support-assign"),
    path("support/<uuid:ticket_id>/close", close, name="support-close"),
    path("support/<uuid:ticket_id>/reopen", reopen, name="support-reopen"),
]
