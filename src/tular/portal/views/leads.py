"""A referrer's leads in one program ("My leads"): each lead they submitted with its status, its
steps and the rewards it earned (tular.portal.leads says what the referrer may see)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from tular.portal.access import portal_view
from tular.portal.leads import leads_of


@require_safe
@portal_view(program=True)
def leads(request, slug: str):
    participant = request.participant
    total, rows = leads_of(participant)
    return render(
        request,
        "portal/leads/leads.html",
        {
            "program": participant.program,
            "total": total,
            "leads": rows,
            "refer_url": reverse("refer:page", args=[participant.program.slug]),
        },
    )
