"""The referral page's other actions on a lead: its owner (`referral_assign`), its deal value
(`referral_set_deal`) and the team's notes (`referral_note_add`) — the services of PATCH
/api/v1/referrals/{id} and POST …/notes. Each posts back to the referral page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.views.pipeline.board import _lead_or_404
from tular.console.views.pipeline.common import member_label, team
from tular.console.views.programs.forms import parse_money
from tular.core.errors import Invalid
from tular.core.money import is_currency
from tular.referrals.pipeline import referral_assign, referral_note_add, referral_set_deal


def _page(referral):
    return redirect("console:referrals-detail", referral_id=referral.pk)


@console_view(change=True)
@require_POST
def assign(request, referral_id):
    referral = _lead_or_404(request, referral_id)
    chosen = request.POST.get("owner") or ""
    owner = None
    if chosen:
        members = {str(user.pk): user for user in team(request.workspace)}
        owner = members.get(chosen)
        if owner is None:
            messages.error(request, _("Choose a member of the team."))
            return _page(referral)
    referral_assign(referral=referral, owner=owner, actor=actor_of(request))
    if owner is None:
        messages.success(request, _("%(who)s has no owner now.") % {"who": referral})
    else:
        messages.success(
            request,
            _("%(owner)s owns %(who)s now.") % {"owner": member_label(owner), "who": referral},
        )
    return _page(referral)


@console_view(change=True)
@require_POST
def deal(request, referral_id):
    referral = _lead_or_404(request, referral_id)
    currency = (request.POST.get("currency") or referral.program.currency).strip().upper()
    text = (request.POST.get("deal_value") or "").strip()
    if not is_currency(currency):
        messages.error(request, _("Use an ISO 4217 currency code, e.g. IDR."))
        return _page(referral)
    try:
        value = parse_money(text, currency) if text else None
    except forms.ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return _page(referral)
    try:
        referral_set_deal(
            referral=referral,
            deal_value=value,
            currency=currency if value is not None else "",
            actor=actor_of(request),
        )
    except Invalid as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The deal value was saved."))
    return _page(referral)


@console_view(change=True)
@require_POST
def note(request, referral_id):
    referral = _lead_or_404(request, referral_id)
    try:
        referral_note_add(
            referral=referral, body=request.POST.get("body") or "", actor=actor_of(request)
        )
    except Invalid as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The note was added."))
    return _page(referral)
