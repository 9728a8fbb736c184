"""The list, add one, a participant's page (link, code, QR, stats, balances, rewards, referrals,
payouts) and its edit form.

Adding calls `participant_enrol` (POST /api/v1/participants), editing `participant_update`
(PATCH /api/v1/participants/{id}); the page's figures are the API's (GET …/{id})."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.forms import spend_token
from tular.console.views.participants.forms import (
    ACTIVITY_LABELS,
    FilterForm,
    ParticipantEditForm,
    ParticipantForm,
    add_service_error,
    participants_filtered,
)
from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.core.templatetags.ui import STATUS_BADGES
from tular.participants import selectors
from tular.participants.models import ParticipantKind
from tular.participants.qr import qr_png, qr_svg
from tular.participants.selectors import ACTIVITY_STATUSES
from tular.participants.services import participant_enrol, participant_update, referral_url
from tular.participants.signin import portal_invite
from tular.programs.services import program_get, programs_filter
from tular.referrals.selectors import participant_stats, referrals_filter
from tular.rewards import ledger
from tular.rewards.selectors import payouts_listing, rewards_queue

PER_PAGE = 50
RECENT = 20  # rewards, referrals and payouts shown on a participant's page


def link_of(request, participant) -> str:
    return referral_url(participant.code, request.build_absolute_uri("/")[:-1])


def _filters(request) -> dict[str, str]:
    return FilterForm(request.GET, workspace=request.workspace).values()


@console_view()
def participant_list(request):
    filters = _filters(request)
    participants = participants_filtered(workspace=request.workspace, filters=filters)
    page = Paginator(participants, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/participants/list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "programs": list(programs_filter(workspace=request.workspace).order_by("name")),
            "kinds": ParticipantKind.choices,
            "activities": [(status, STATUS_BADGES[status][1]) for status in ACTIVITY_STATUSES],
            "earnings": [("yes", _("Has earned rewards")), ("no", _("Has not earned yet"))],
            "segments": [("champions", _("Champions: everyone who has referred"))],
            "export_query": request.GET.urlencode(),
        },
    )


@console_view(always_change=True)
def participant_new(request):
    form = ParticipantForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        program = program_get(workspace=request.workspace, slug=data["program"])
        try:
            with transaction.atomic():
                if not spend_token(data.get("token"), request.user):
                    messages.info(request, _("This form was already sent."))
                    return redirect("console:participants")
                participant, created = participant_enrol(
                    program=program,
                    email=data["email"],
                    external_id=data["external_id"] or None,
                    name=data["name"],
                    kind=data["kind"] or None,
                    locale=data["locale"],
                    actor=actor_of(request),
                )
        except (Invalid, FieldConflict) as refused:
            add_service_error(form, refused)
        else:
            url = reverse("console:participants-detail", args=[participant.pk])
            if created:
                messages.success(
                    request,
                    _("%(name)s is enrolled in %(program)s.")
                    % {"name": participant.name or participant.email, "program": program.name},
                )
                return redirect(url)
            form.add_error(
                "external_id",
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Someone with this external id is already enrolled in the program."),
                    url,
                    _("Open %(name)s") % {"name": participant.name or participant.email},
                ),
            )
    return render(request, "console/participants/new.html", {"form": form})


def _participant_or_404(request, participant_id):
    participant = selectors.participant_detail(
        workspace=request.workspace, participant_id=str(participant_id)
    )
    if participant is None:
        raise Http404
    return participant


@console_view()
def participant_detail(request, participant_id):
    participant = _participant_or_404(request, participant_id)
    rewards = rewards_queue(
        workspace=request.workspace, statuses=None, participant_id=participant.pk
    ).order_by("-created_at", "-pk")
    referrals = referrals_filter(
        workspace=request.workspace, participant_id=participant.pk
    ).order_by("-created_at", "-pk")
    payouts = payouts_listing(workspace=request.workspace, participant_id=participant.pk)
    return render(
        request,
        "console/participants/detail.html",
        {
            "participant": participant,
            "link": link_of(request, participant),
            "stats": participant_stats(participant=participant),
            "balances": ledger.balances(participant=participant),
            "rewards": rewards[:RECENT],
            "rewards_more": rewards.count() > RECENT,
            "referrals": referrals[:RECENT],
            "referrals_more": referrals.count() > RECENT,
            "payouts": payouts[:RECENT],
            "payouts_url": reverse("console:payouts"),
            "activity_label": ACTIVITY_LABELS[participant.activity],
        },
    )


@console_view(always_change=True)
def participant_edit(request, participant_id):
    participant = _participant_or_404(request, participant_id)
    form = ParticipantEditForm(
        request.POST or None,
        initial={
            "name": participant.name,
            "email": participant.email,
            "locale": participant.locale,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            participant_update(
                participant=participant,
                changes={field: form.cleaned_data[field] for field in ("name", "email", "locale")},
                actor=actor_of(request),
            )
        except (Invalid, FieldConflict) as refused:
            add_service_error(form, refused)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("console:participants-detail", participant.pk)
    return render(
        request, "console/participants/edit.html", {"form": form, "participant": participant}
    )


@console_view(change=True)
@require_POST
def participant_invite(request, participant_id):
    """E-mail the participant their link, a WhatsApp button and a sign-in link to the portal
    (participants.signin.portal_invite, as POST /api/v1/participants/{id}/portal-invitation)."""
    participant = _participant_or_404(request, participant_id)
    try:
        portal_invite(
            participant=participant,
            base_url=request.build_absolute_uri("/")[:-1],
            actor=actor_of(request),
        )
    except Conflict as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": participant.email})
    return redirect("console:participants-detail", participant.pk)


QR_FORMATS = {
    "png": ("image/png", qr_png),
    "svg": ("image/svg+xml", qr_svg),
}


@console_view()
def participant_qr(request, participant_id, fmt):
    if fmt not in QR_FORMATS:
        raise Http404
    participant = _participant_or_404(request, participant_id)
    content_type, draw = QR_FORMATS[fmt]
    response = HttpResponse(draw(link_of(request, participant)), content_type=content_type)
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="qr-{participant.code}.{fmt}"'
    response["Cache-Control"] = "private, max-age=300"
    return response
