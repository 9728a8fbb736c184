"""Support in the partner's portal (R34): the partner's tickets, a form to open one, and each
ticket's thread with a reply form, close and reopen, through the same services as the console
and the API (tular.support.services).

Partners of partner programs only (as deal registration, `deals_open_to`); anyone else gets a
404. A partner sees its own tickets only: another's id is a 404. The team's internal notes
are never read here.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.portal.access import portal_view
from tular.portal.views.deals import deals_open_to
from tular.support import services
from tular.support.models import BODY_MAX, SUBJECT_MAX, Side, TicketCategory, TicketStatus
from tular.workspaces.audit import Actor

SHOWN = 50

# The status as the partner reads it (whose turn it is, from their side), and its colour.
PARTNER_STATUS = {
    TicketStatus.new: ("azure", pgettext_lazy("ticket", "sent")),
    TicketStatus.waiting_on_us: ("azure", pgettext_lazy("ticket", "waiting for the team")),
    TicketStatus.waiting_on_partner: ("yellow", pgettext_lazy("ticket", "answered")),
    TicketStatus.closed: ("secondary", pgettext_lazy("ticket", "closed")),
}


def support_open_to(participant) -> bool:
    """Support tickets are for partners of partner programs (those who register deals)."""
    return deals_open_to(participant)


class TicketForm(StyledForm, forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=SUBJECT_MAX,
        error_messages={"required": gettext_lazy("Write a subject: what is the question about?")},
    )
    category = forms.ChoiceField(
        label=gettext_lazy("About"), choices=TicketCategory.choices, initial=TicketCategory.other
    )
    body = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=BODY_MAX,
        error_messages={"required": gettext_lazy("Write a message.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ReplyForm(StyledForm, forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=BODY_MAX,
        error_messages={"required": gettext_lazy("Write a message.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _partner(request):
    participant = request.participant
    if not support_open_to(participant):
        raise Http404("support tickets are for partners")
    return participant


def _who(request) -> tuple[str, str]:
    """(name, e-mail) of the person signed in: the partner's member, else the participant."""
    member = request.portal_member
    participant = request.participant
    if member is not None:
        return member.name, member.email
    return participant.name or participant.email, participant.email


def _actor(request) -> Actor:
    name, _email = _who(request)
    return Actor(label=_("%(name)s (portal)") % {"name": name})


def _badge(ticket) -> dict:
    colour, label = PARTNER_STATUS[TicketStatus(ticket.status)]
    return {"colour": colour, "label": label}


def _add_service_error(form, error: Invalid) -> None:
    loc = error.extra["errors"][0]["loc"]
    field = str(loc[-1]) if loc else ""
    form.add_error(field if field in form.fields else None, error.detail)


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(program=True)
def support(request, slug: str):
    participant = _partner(request)
    form = TicketForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        name, email = _who(request)
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                participant=participant,
                subject=data["subject"],
                body=data["body"],
                category=data["category"],
                contact_name=name,
                contact_email=email,
                actor=_actor(request),
                base_url=request.build_absolute_uri("/"),
            )
        except Invalid as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request, _("Your ticket is sent. The team answers here and by e-mail.")
            )
            return redirect("portal:support-ticket", slug, ticket.pk)
    tickets = list(services.tickets_of_partner(participant=participant)[:SHOWN])
    for ticket in tickets:
        ticket.badge = _badge(ticket)
    return render(
        request,
        "portal/support/list.html",
        {"program": participant.program, "form": form, "tickets": tickets, "shown": SHOWN},
        status=422 if form.is_bound else 200,
    )


def _ticket_or_404(request, ticket_id):
    ticket = services.ticket_of_partner(participant=request.participant, ticket_id=ticket_id)
    if ticket is None:
        raise Http404("not a ticket of this partner")
    return ticket


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(program=True)
def ticket(request, slug: str, ticket_id):
    participant = _partner(request)
    found = _ticket_or_404(request, ticket_id)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        name, _email = _who(request)
        try:
            services.ticket_reply(
                ticket=found,
                body=form.cleaned_data["body"],
                actor=_actor(request),
                partner=participant,
                author_name=name,
                base_url=request.build_absolute_uri("/"),
            )
        except Invalid as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Your reply is sent."))
            return redirect("portal:support-ticket", slug, found.pk)
    thread = list(services.visible_messages(found, for_partner=True))
    for message in thread:
        message.mine = message.side == Side.partner
    found.badge = _badge(found)
    return render(
        request,
        "portal/support/ticket.html",
        {"program": participant.program, "ticket": found, "thread": thread, "form": form},
        status=422 if form.is_bound else 200,
    )


@require_POST
@portal_view(program=True)
def ticket_close(request, slug: str, ticket_id):
    participant = _partner(request)
    found = _ticket_or_404(request, ticket_id)
    try:
        services.ticket_close(ticket=found, actor=_actor(request), partner=participant)
    except Conflict as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The ticket is closed. Write on it again to reopen it."))
    return redirect("portal:support-ticket", slug, found.pk)
