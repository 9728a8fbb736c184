"""A partner's co-marketing activities in the portal (R35): each joint activity with the
program's team (a webinar, co-branded content, an event, an e-mail swap), its own link and
code to share, and what it brought so far — clicks, leads, customers, revenue and the partner's
rewards — read by the same service as the console and the API
(tular.partners.comarketing.activity_figures).

Only partners (participants of kind partner or reseller) of partner programs see the page;
anyone else gets a 404. The program's team creates the activities (console or API)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tular.participants.services import referral_url
from tular.partners.comarketing import activities_of, activity_figures
from tular.partners.profiles import PARTNER_PROGRAM_KINDS, is_partner
from tular.portal.access import portal_view

SHOWN = 50


def comarketing_open_to(participant) -> bool:
    """Co-marketing is shown to partners of partner programs."""
    return is_partner(participant) and participant.program.kind in PARTNER_PROGRAM_KINDS


@require_safe
@portal_view(program=True)
def activities(request, slug: str):
    participant = request.participant
    if not comarketing_open_to(participant):
        raise Http404("co-marketing is for partners")
    shown = list(activities_of(workspace=participant.workspace_id, participant=participant)[:SHOWN])
    figures = activity_figures(activities=shown)
    base = request.build_absolute_uri("/")[:-1]
    return render(
        request,
        "portal/comarketing/activities.html",
        {
            "program": participant.program,
            "rows": [
                {
                    "activity": activity,
                    "figures": figures[activity.pk],
                    "url": referral_url(activity.link.code, base),
                }
                for activity in shown
            ],
            "shown": SHOWN,
        },
    )
