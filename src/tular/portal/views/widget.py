"""The in-app "Invite friends" panel (R11): /portal/widget?token=…, shown in an iframe that
/static/tular.js opens on the customer's own site.

The token (participants/widget.py, from POST /api/v1/participants/{id}/widget-token) is the
whole authorisation: it names one participant for ten minutes. The page shows that person's
link (tagged "in_app", so its clicks count as shared from the app), their code, the share
buttons and one line on what they earn; it opens no session and sets no cookie. It is the only
portal page another site may frame (every other keeps X-Frame-Options: DENY).
"""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from tular.participants.channels import tagged
from tular.participants.widget import widget_participant, widget_token_expired
from tular.portal import sharing
from tular.portal.access import LANGUAGES, activate
from tular.programs.wording import incentives_in_words, rules_in_words

GONE, FORBIDDEN = 410, 403


def _language(participant) -> str:
    if participant.locale in LANGUAGES:
        return participant.locale
    default = participant.workspace.default_language
    return default if default in LANGUAGES else "id"


def earnings(*, program, language: str) -> str:
    """One line on what the referrer earns (or why nothing is earned now)."""
    if program.status != "active":
        return rules_in_words(program=program, language=language)[0]
    referrer = incentives_in_words(program=program, language=language)["referrer"]
    if not referrer:
        return ""
    return _("You get %(reward)s.") % {"reward": referrer}


@xframe_options_exempt
@never_cache
@require_safe
def panel(request):
    token = request.GET.get("token", "")
    participant = widget_participant(token=token)
    if participant is None:
        expired = widget_token_expired(token=token)
        return render(
            request,
            "portal/widget/expired.html",
            {"expired": expired},
            status=GONE if expired else FORBIDDEN,
        )
    workspace = participant.workspace
    request.portal_workspace = workspace  # the brand, for the context processor
    language = _language(participant)
    activate(request, language=language, workspace=workspace)
    try:
        base_url = request.build_absolute_uri("/")[:-1]
        share = sharing.share_panel(participant=participant, language=language, base_url=base_url)
        return render(
            request,
            "portal/widget/panel.html",
            {
                "participant": participant,
                "program": participant.program,
                "link": tagged(share["link"], "in_app"),
                "share": share,
                "earnings": earnings(program=participant.program, language=language),
            },
        )
    finally:
        timezone.deactivate()
