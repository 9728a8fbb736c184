"""The public referral form, /refer/{program_slug} (R12): which program, which referrer, and the
throttle that keeps a public form from becoming a spam cannon. The lead itself is written by
`referrals.pipeline.referral_submit` (the API's `POST /api/v1/referrals` calls it too).

Who refers, in this order:

1. the person signed in to the portal (the portal's session, `portal.access`) when they take
   part in the program: intake `portal`;
2. `?via=CODE`, the referrer's own code (it is in their referral link, so it names nobody a
   visitor could not already see on the landing page): intake `form`;
3. otherwise the referrer types the e-mail address they joined the program with, and it must be
   a participant's of this program: intake `form`.

Enumeration (case 3). The form has to tell a referrer whose address it does not know that it
does not know it — a lead sent in the name of nobody would be lost. It tells exactly that and
no more: "not a referrer of this program", never whether the address takes part in another
program or workspace, never the referrer's name (the thanks page greets nobody by name when the
referrer was identified by a typed address). The check runs only once every other field is
valid and the consent box is ticked, and each such try counts against the IP's throttle, so
probing costs a full form per address and stops after `MAX_PER_IP` tries. A lead sent in
someone else's name is not silent either: the real referrer is e-mailed their thanks for it.

The throttle counts, per client IP, the posts that reach the referrer check or the submission
(not the ones refused for a field error, so a person correcting a typo is not locked out):
`MAX_PER_IP` within `WINDOW`. The tries are rows of the sign-in throttle's table
(`participants.signin.attempt_record`, kind "refer"), so every server process counts the same.
"""

from __future__ import annotations

from datetime import timedelta

from tular.core.errors import Invalid
from tular.participants.models import Participant
from tular.participants.services import normalise_email
from tular.participants.signin import attempt_record, attempts_from_ip
from tular.portal.access import participants_of
from tular.portal.landing import B2B_KINDS
from tular.portal.landing import program_for as landing_program_for
from tular.programs.models import Program, ProgramStatus
from tular.referrals.models import PIPELINE_STATUSES

WINDOW = timedelta(minutes=15)
MAX_PER_IP = 10
# Programs whose referrers send leads to a team: their portal always shows "My leads".
LEAD_KINDS = B2B_KINDS | {"employee"}


def program_for(*, slug: str, via: str | None, workspace_id=None) -> tuple[Program | None, object]:
    """The program of /refer/<slug> and the participant `via` names (None when it names nobody
    of that program). A signed-in referrer's workspace wins when it has a program with that
    slug; otherwise as the landing page (`landing.program_for`). Archived: (None, None)."""
    if workspace_id is not None and not via:
        program = (
            Program.objects.select_related("workspace")
            .filter(workspace_id=workspace_id, slug=slug)
            .first()
        )
        if program is not None:
            if program.status == ProgramStatus.archived:
                return None, None
            return program, None
    return landing_program_for(slug=slug, via=via)


def session_participants(*, session: dict | None, program: Program) -> list[Participant]:
    """The signed-in person's participants (the portal's session) when they are of the
    program's workspace, else []."""
    if not session or session.get("workspace") != program.workspace_id:
        return []
    return participants_of(workspace=program.workspace, email_normalised=session.get("email", ""))


def referrer_by_email(*, program: Program, email: str) -> Participant | None:
    """The participant of `program` with this e-mail address (as typed), else None."""
    try:
        email_normalised = normalise_email(email)
    except Invalid:
        return None
    return (
        Participant.objects.filter(program=program, email_normalised=email_normalised)
        .order_by("created_at", "pk")
        .first()
    )


# ---------------------------------------------------------------- the throttle


def refer_throttled(*, ip: str | None) -> bool:
    """True when this IP has already made `MAX_PER_IP` tries within the window."""
    return attempts_from_ip(kind="refer", ip=ip, window=WINDOW) >= MAX_PER_IP


def refer_attempt(*, ip: str | None) -> None:
    """Count one try from this IP (in the database: every server process sees it)."""
    attempt_record(kind="refer", ip=ip)


# ---------------------------------------------------------------- the portal's menu


def shows_leads(participant: Participant) -> bool:
    """Whether the portal lists "My leads" for this participant: always in programs whose
    referrers send leads to a team (`LEAD_KINDS`), elsewhere once they have sent one."""
    if participant.program.kind in LEAD_KINDS:
        return True
    return participant.referrals.filter(status__in=PIPELINE_STATUSES).exists()
