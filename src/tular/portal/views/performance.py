"""The partner's performance page (R34: "a performance dashboard"): the last 12 months' revenue,
deals won, win rate and sales cycle (the same figures the managers' Performance page and the tier
rules use: tular.partners.performance), the deals it holds, its tier with its rate, and how far it
is from the tier above (tular.partners.tiers.tier_progress)."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from tular.core import clock
from tular.deals.models import ACTIVE, Deal
from tular.partners.performance import partner_figures
from tular.partners.tiers import tier_progress
from tular.portal.access import portal_view
from tular.portal.views.deals import deals_open_to

WINDOW_DAYS = 365


@require_http_methods(["GET", "HEAD"])
@portal_view(program=True)
def performance(request, slug: str):
    participant = request.participant
    if not deals_open_to(participant):  # partners of partner programs, as deal registration
        raise Http404("the performance page is for partners")
    now = clock.now()
    figures = partner_figures(partner=participant, start=now - timedelta(days=WINDOW_DAYS), end=now)
    return render(
        request,
        "portal/performance/performance.html",
        {
            "program": participant.program,
            "figures": figures,
            "win_percent": None if figures.win_rate is None else round(figures.win_rate * 100),
            "cycle_days": None if figures.cycle_days is None else round(figures.cycle_days),
            "protected": Deal.objects.filter(partner=participant, status__in=ACTIVE).count(),
            "progress": tier_progress(participant=participant, at=now),
        },
    )
