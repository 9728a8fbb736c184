"""Console pages: referrals — the list, the flagged queue (clear / reject with a reason) and one
referral with its history, conversions and rewards.

Clear and reject call `referral_clear` / `referral_reject`, the same use cases as
POST /api/v1/referrals/{id}/clear|reject."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, can_change, console_view
from tular.console.views.pipeline.common import decorate, member_label, team
from tular.console.views.programs.forms import money_text
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.messaging.catalogue import message_of
from tular.messaging.selectors import emails_about_referral
from tular.programs.services import programs_filter
from tular.referrals.models import PIPELINE_STATUSES, ReferralStatus
from tular.referrals.selectors import (
    referral_get,
    referral_history,
    referrals_filter,
    referrals_flagged,
)
from tular.referrals.services import referral_clear, referral_reject
from tular.rewards.selectors import rewards_queue

PER_PAGE = 50
OTHER = "other"


class ReasonForm(StyledForm, forms.Form):
    """A common reason to pick, and free text: "Suspected fraud: two accounts, one card"."""

    CHOICES: list = []

    reason_choice = forms.ChoiceField(label=gettext_lazy("Reason"), required=False)
    reason_text = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=250, strip=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_choice"].choices = [("", "—"), *self.CHOICES]

    def reason(self) -> str:
        """The reason as one line (empty when neither part was given)."""
        labels = dict(self.CHOICES)
        choice = self.cleaned_data.get("reason_choice") or ""
        text = self.cleaned_data.get("reason_text") or ""
        label = str(labels[choice]) if choice and choice != OTHER else ""
        return ": ".join(part for part in (label, text) if part)


class ReferralReasonForm(ReasonForm):
    CHOICES = [
        ("self", gettext_lazy("Self-referral confirmed")),
        ("duplicate", gettext_lazy("Duplicate account")),
        ("fraud", gettext_lazy("Suspected fraud")),
        ("terms", gettext_lazy("Outside the program's terms")),
        (OTHER, gettext_lazy("Other")),
    ]


def _programs(request):
    return list(programs_filter(workspace=request.workspace).order_by("name"))


@console_view()
def referral_list(request):
    program = request.GET.get("program") or None
    status = request.GET.get("status") or None
    if status not in ReferralStatus.values:
        status = None
    q = (request.GET.get("q") or "").strip()[:100]
    referrals = referrals_filter(
        workspace=request.workspace, program_slug=program, status=status, q=q or None
    ).order_by("-created_at", "-pk")
    page = Paginator(referrals, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/referrals/list.html",
        {
            "page_obj": page,
            "programs": _programs(request),
            "statuses": ReferralStatus.choices,
            "filters": {"program": program or "", "status": status or "", "q": q},
            "flagged_count": referrals_flagged(workspace=request.workspace).count(),
        },
    )


@console_view()
def referral_flagged(request):
    page = Paginator(referrals_flagged(workspace=request.workspace), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "console/referrals/flagged.html",
        {"page_obj": page, "form": ReferralReasonForm(), "flagged_count": page.paginator.count},
    )


def _referral_or_404(request, referral_id):
    referral = referral_get(workspace=request.workspace, referral_id=str(referral_id))
    if referral is None:
        raise Http404
    return referral


@console_view()
def referral_detail(request, referral_id):
    referral = _referral_or_404(request, referral_id)
    rewards = rewards_queue(workspace=request.workspace, statuses=None).filter(referral=referral)
    context = {
        "referral": referral,
        "history": referral_history(referral=referral),
        "rewards": list(rewards),
        "form": ReferralReasonForm(),
    }
    if referral.status in PIPELINE_STATUSES:
        context.update(_lead_context(request, referral))
        request.nav_section = "pipeline"
    return render(request, "console/referrals/detail.html", context)


def _lead_context(request, referral) -> dict:
    """What the page shows of a lead in the pipeline: its details, moves, owner, deal, service
    level, history, team notes and the messages its referrer was sent."""
    decorate(referral, now=clock.now())
    emails = emails_about_referral(referral=referral)
    for email in emails:
        message = message_of(email.template_key) if email.template_key else None
        email.template_label = message.label if message else email.template_key or email.kind
    currency = referral.deal_currency or referral.program.currency
    return {
        "lead": referral,
        "changes": list(referral.changes.select_related("actor_user")),
        "notes": list(referral.notes.all()),
        "emails": emails,
        "members": [(str(user.pk), member_label(user)) for user in team(request.workspace)],
        "owner_id": str(referral.owner_id or ""),
        "deal_text": money_text(referral.deal_value, currency),
        "deal_currency": currency,
        "duplicate": referral.duplicate_of,
        "can_change": can_change(request),
    }


def _back(request, referral):
    target = request.POST.get("next")
    if target == "detail":
        return redirect("console:referrals-detail", referral_id=referral.pk)
    return redirect("console:referrals-flagged")


def _not_flagged(request, referral):
    current = referral_get(workspace=request.workspace, referral_id=str(referral.pk))
    messages.warning(
        request,
        _("%(who)s is no longer flagged (it is %(status)s now): nothing was changed.")
        % {"who": current, "status": current.get_status_display()},
    )


@console_view(change=True)
@require_POST
def referral_clear_view(request, referral_id):
    referral = _referral_or_404(request, referral_id)
    form = ReferralReasonForm(request.POST)
    form.is_valid()
    try:
        granted = referral_clear(referral=referral, reason=form.reason(), actor=actor_of(request))
    except Conflict:
        _not_flagged(request, referral)
    else:
        messages.success(
            request,
            ngettext(
                "%(who)s was cleared and earned %(count)d reward.",
                "%(who)s was cleared and earned %(count)d rewards.",
                len(granted),
            )
            % {"who": referral, "count": len(granted)},
        )
    return _back(request, referral)


@console_view(change=True)
@require_POST
def referral_reject_view(request, referral_id):
    referral = _referral_or_404(request, referral_id)
    form = ReferralReasonForm(request.POST)
    form.is_valid()
    try:
        referral_reject(referral=referral, reason=form.reason(), actor=actor_of(request))
    except Invalid:
        messages.error(
            request,
            _("Choose or write the reason for rejecting %(who)s: it was not rejected.")
            % {"who": referral},
        )
    except Conflict:
        _not_flagged(request, referral)
    else:
        messages.success(request, _("%(who)s was rejected: it earns nothing.") % {"who": referral})
    return _back(request, referral)


urlpatterns = [
    path("referrals/", referral_list, name="referrals"),
    path("referrals/flagged/", referral_flagged, name="referrals-flagged"),
    path("referrals/<uuid:referral_id>/", referral_detail, name="referrals-detail"),
    path("referrals/<uuid:referral_id>/clear", referral_clear_view, name="referrals-clear"),
    path("referrals/<uuid:referral_id>/reject", referral_reject_view, name="referrals-reject"),
]
