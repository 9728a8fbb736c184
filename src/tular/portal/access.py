"""Who is signed in to the portal, and what they may see.

A referrer signs in with a one-time link e-mailed to them (tular.participants.signin); the session
then holds the workspace and the normalised e-mail address (never a password, and separate
from a console user's sign-in in the same browser). Everything a portal page shows is read
through the participants of that address in that workspace: one per program the person takes
part in (R1). Nothing about a referrer is shown without that session.

A partner is an organisation: its people (tular.partners PartnerMember) sign in with their own
addresses and see the partner participant's portal, their own name shown. Members are looked up
here, in the portal (layer 10), because participants (layer 5) may not import partners (layer
8): the sign-in form hands `member_accounts` to participants.signin.magic_link_request, and
every request resolves the session's address again, so a removed member's open session shows
nothing of the partner any more.

    @portal_view()               # any signed-in referrer
    @portal_view(program=True)   # a page of one program: /portal/p/<slug>/…; 404 if the person
                                 # does not take part in it

The wrapper sets `request.workspace`, `request.portal_email`, `request.participants` (all of
the person's participants, by program name; a member's partners count as theirs),
`request.portal_members` (the person's memberships, by partner participant id) and, for program
pages, `request.participant` and `request.portal_member` (None unless it is a member's view);
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
from tular.partners.profiles import memberships_of
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


def participants_of(*, workspace, email_normalised: str, members=None) -> list[Participant]:
    """The person's participants, one per program: where an address was enrolled twice in a
    program (say by the customer's backend and again as a referred friend), the first
    enrolment is the one the portal shows; the partners the address is a member of come after
    the person's own enrolments (`members`: memberships_of, when already read)."""
    if members is None:
        members = memberships_of(workspace=workspace, email_normalised=email_normalised)
    own = (
        Participant.objects.select_related("program")
        .filter(workspace=workspace, email_normalised=email_normalised)
        .exclude(program__status="archived")
        .order_by("program__name", "program_id", "created_at", "id")
    )
    seen, kept = set(), []
    for participant in [*own, *(member.profile.participant for member in members)]:
        if participant.program_id not in seen:
            seen.add(participant.program_id)
            kept.append(participant)
    return sorted(kept, key=lambda participant: participant.program.name)


def member_accounts(email_normalised: str) -> dict:
    """For participants.signin.magic_link_request: the workspaces where the address is a
    partner's member, each with (the member's address, the partners' participants)."""
    found: dict = {}
    for member in memberships_of(email_normalised=email_normalised):
        partner = member.profile.participant
        _to, participants = found.setdefault(partner.workspace, (member.email, []))
        participants.append(partner)
    return found


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
            members = memberships_of(workspace=workspace, email_normalised=session["email"])
            request.portal_members = {member.profile.participant_id: member for member in members}
            request.participants = participants_of(
                workspace=workspace, email_normalised=session["email"], members=members
            )
            request.participant = None
            request.portal_member = None
            if program:
                slug = kwargs.get("slug")
                request.participant = next(
                    (p for p in request.participants if p.program.slug == slug), None
                )
                if request.participant is None:
                    raise Http404("not a program of this participant")
                request.portal_member = request.portal_members.get(request.participant.pk)
            language = language_for(request, workspace=workspace, participants=request.participants)
            activate(request, language=language, workspace=workspace)
            try:
                return view(request, *args, **kwargs)
            finally:
                timezone.deactivate()

        wrapped.portal_access = {"program": program}
        return wrapped

    return decorate
