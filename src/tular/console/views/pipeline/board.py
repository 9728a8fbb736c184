"""The pipeline as a board: a column per status, a card per lead (overdue first), and the move.

A move — a card dropped on a column, the card's "Move to…" form, the queue's quick actions,
the referral page's buttons — is `pipeline.referral_move` with the signed-in user as the actor,
the service PATCH /api/v1/referrals/{id} calls. The board's script sends the form with
`Accept: application/json` and gets the card again (200) or the refusal (409, 422) to show;
without JavaScript the form posts and the page comes back with the message."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, can_change, console_view
from tular.console.views.pipeline.common import (
    COLUMNS,
    FilterForm,
    decorate,
    filtered,
    status_label,
)
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.referrals.pipeline import CLOSED, referral_move
from tular.referrals.selectors import referral_get

# A closed column shows its latest cards; the list has the rest.
CLOSED_LIMIT = 30


@console_view()
def board(request):
    form = FilterForm(request.GET, workspace=request.workspace)
    values = form.values()
    values = {"program": values.get("program"), "owner": values.get("owner")}
    now = clock.now()
    found = filtered(request.workspace, values, now=now)
    columns = []
    for status in COLUMNS:
        cards = found.filter(status=status)
        if status in CLOSED:
            cards = cards.order_by("-status_changed_at", "-pk")
        total = cards.count()
        shown = [
            decorate(card, now=now) for card in cards[: CLOSED_LIMIT if status in CLOSED else 200]
        ]
        columns.append(
            {
                "status": status,
                "label": status_label(status),
                "cards": shown,
                "total": total,
                "more": total - len(shown),
                "overdue": sum(1 for card in shown if card.overdue),
            }
        )
    return render(
        request,
        "console/pipeline/board.html",
        {
            "columns": columns,
            "filters": {"program": values["program"] or "", "owner": values["owner"] or ""},
            "programs": form.programs,
            **form.choices(),
            "can_change": can_change(request),
            "empty": not any(column["total"] for column in columns),
        },
    )


def _lead_or_404(request, referral_id):
    referral = referral_get(workspace=request.workspace, referral_id=str(referral_id))
    if referral is None:
        raise Http404
    return referral


def _back(request, referral):
    """Where the form came from: the board (with its filters), the list, the queue, the page."""
    target = request.POST.get("next") or ""
    if target == "detail":
        return redirect("console:referrals-detail", referral_id=referral.pk)
    if target.startswith("/console/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("console:pipeline")


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@console_view(change=True)
@require_POST
def move(request, referral_id):
    referral = _lead_or_404(request, referral_id)
    status = request.POST.get("status") or ""
    reopen = request.POST.get("reopen") in {"1", "true", "on"}
    reason = request.POST.get("reason") or ""
    who = str(referral)
    try:
        change = referral_move(
            referral=referral,
            status=status,
            reason=reason,
            reopen=reopen,
            actor=actor_of(request),
        )
    except (Conflict, Invalid) as refused:
        code = 409 if isinstance(refused, Conflict) else 422
        message = _("%(who)s was not moved: %(why)s") % {"who": who, "why": refused.detail}
        if _wants_json(request):
            field = ""
            if isinstance(refused, Invalid):
                loc = refused.extra.get("errors", [{}])[0].get("loc", [])
                field = str(loc[-1]) if loc else ""
            return JsonResponse({"message": message, "field": field}, status=code)
        messages.error(request, message)
        return _back(request, referral)
    label = status_label(status)
    if change is None:
        message = _("%(who)s is already %(status)s.") % {"who": who, "status": label}
    else:
        message = _("%(who)s moved to %(status)s.") % {"who": who, "status": label}
    if _wants_json(request):
        fresh = decorate(_lead_or_404(request, referral_id), now=clock.now())
        card = render_to_string(
            "console/pipeline/_card.html",
            {"card": fresh, "can_change": True, "next": reverse("console:pipeline")},
            request=request,
        )
        return JsonResponse({"message": message, "status": fresh.status, "card": card})
    messages.success(request, message)
    return _back(request, referral)
