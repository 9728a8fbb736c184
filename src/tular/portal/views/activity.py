"""A referrer's own view of one program: their activity (clicks, sign-ups and sales by channel,
referrals, rewards with when each is expected, balance and payouts), the program's rules in
plain words, and the leaderboard when the program has one (R5, R13, R40). Reads through
tular.portal.stats; the only write is the person's leaderboard consent."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tular.participants.models import Participant
from tular.portal import stats
from tular.portal.access import portal_view
from tular.portal.recognition import quarter_start, recognition_for
from tular.workspaces.audit import Actor, audit_record

PERIODS = ("month", "quarter", "all")


@require_safe
@portal_view(program=True)
def activity(request, slug: str):
    participant = request.participant
    return render(
        request,
        "portal/activity/activity.html",
        {
            "program": participant.program,
            "figures": stats.channel_figures(participant),
            "referrals": stats.referrals_page(participant, request.GET.get("page") or 1),
            "reward_groups": stats.reward_groups(participant),
            "balances": stats.balances(participant),
            "payouts": stats.payout_history(participant),
            "recognition": recognition_for(participant, language=get_language() or "id"),
        },
    )


@require_safe
@portal_view(program=True)
def rules(request, slug: str):
    program = request.participant.program
    return render(
        request,
        "portal/activity/rules.html",
        {
            "program": program,
            "groups": stats.rules_grouped(program=program, language=get_language() or "id"),
        },
    )


def _leaderboard_program(request):
    program = request.participant.program
    if not program.leaderboard:
        raise Http404("this program has no leaderboard")
    return program


@require_safe
@portal_view(program=True)
def leaderboard(request, slug: str):
    program = _leaderboard_program(request)
    period = request.GET.get("period")
    period = period if period in PERIODS else "month"
    since = {"month": stats.month_start, "quarter": quarter_start}.get(period, lambda: None)()
    return render(
        request,
        "portal/activity/leaderboard.html",
        {
            "program": program,
            "period": period,
            "since": since,
            "board": stats.leaderboard(
                program=program, participant=request.participant, since=since
            ),
        },
    )


@require_POST
@portal_view(program=True)
def leaderboard_consent(request, slug: str):
    """The person's choice to show their name on the leaderboard (POST, then back to it)."""
    program = _leaderboard_program(request)
    participant = request.participant
    consent = request.POST.get("consent") == "1"
    with transaction.atomic():
        changed = Participant.objects.filter(
            pk=participant.pk, leaderboard_consent=not consent
        ).update(leaderboard_consent=consent)
        if changed:
            # Consent is a record: who gave or withdrew it, and when.
            audit_record(
                workspace=participant.workspace_id,
                actor=Actor.system(f"participant {participant.email} (portal)"),
                action="participant.leaderboard_consent",
                target=participant,
                before={"leaderboard_consent": not consent},
                after={"leaderboard_consent": consent},
            )
    if consent:
        messages.success(request, _("Your name is now shown on the leaderboard."))
    else:
        messages.success(request, _("Your name is now hidden on the leaderboard."))
    url = redirect("portal:leaderboard", program.slug).url
    period = request.POST.get("period")
    return redirect(f"{url}?period={period}" if period in PERIODS else url)
