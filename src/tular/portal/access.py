"""Who is signed in to the portal, and what they may see.

A referrer signs in with a one-time link e-mailed to them (tular.participants.signin); the session
then holds the workspace and the normalised e-mail address (never a password, and separate
from a console user's sign-in in the same browser). Everything a portal page shows is read
through the participants of that address in that workspace: one per program the person takes
part in (R1). Nothing about a referrer is shown without that session.

    @portal_view()               # any signed-in referrer
    @portal_view(program=True)   # a page of one program: /portal/p/<slug>/…; 404 if the person
                                 # does not take part in it

The wrapper sets `request.workspace`, `request.portal_email`, `request.participants` (all of
the person's participants, by program name) and, for program pages, `request.participant`;
it turns on the person's language and the workspace's time zone.
"""

from __future__ import annotations

import zoneinfo
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from tular.participants.models import Participant
from tular.participants.signin import language_of_person
from tular.workspaces.models import Workspace

SESSION_KEY = "tular_portal"
LANGUAGE_KEY = "tular_portal_language"
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def sign_in(request, *, workspace, email_normalised: str) -> None:
    """Open a portal session (a new session key: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"workspace": workspace.pk, "email": email_normalised}


def sign_out(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(LANGUAGE_KEY, None)
    request.session.cycle_key()


def signed_in(request) -> dict | None:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, dict) and value.get("email") else None


def participants_of(*, workspace, email_normalised: str) -> list[Participant]:
    """The person's participants, one per program: where an address was enrolled twice in a
    program (say by the customer's backend and again as a referred friend), the first
    enrolment is the one the portal shows."""
    seen, kept = set(), []
    for participant in (
        Participant.objects.select_related("program")
        .filter(workspace=workspace, email_normalised=email_normalised)
        .exclude(program__status="archived")
        .order_by("program__name", "program_id", "created_at", "id")
    ):
        if participant.program_id not in seen:
            seen.add(participant.program_id)
            kept.append(participant)
    return kept


def language_for(request, *, workspace, participants) -> str:
    """The session's choice, else the person's language on record, else the workspace's."""
    return language_of_person(request.session.get(LANGUAGE_KEY), participants, workspace)


def activate(request, *, language: str, workspace) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language
    try:
        timezone.activate(zoneinfo.ZoneInfo(workspace.time_zone or "Asia/Jakarta"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo("Asia/Jakarta"))


def portal_view(*, program: bool = False):
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            session = signed_in(request)
            workspace = (
                Workspace.objects.filter(pk=session["workspace"]).first() if session else None
            )
            if workspace is None:
                url = reverse("portal:sign-in")
                return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
            request.workspace = workspace
            request.portal_email = session["email"]
            request.participants = participants_of(
                workspace=workspace, email_normalised=session["email"]
            )
            request.participant = None
            if program:
                slug = kwargs.get("slug")
                request.participant = next(
                    (p for p in request.participants if p.program.slug == slug), None
                )
                if request.participant is None:
                    raise Http404("not a program of this participant")
            language = language_for(request, workspace=workspace, participants=request.participants)
            activate(request, language=language, workspace=workspace)
            try:
                return view(request, *args, **kwargs)
            finally:
                timezone.deactivate()

        wrapped.portal_access = {"program": program}
        return wrapped

    return decorate
