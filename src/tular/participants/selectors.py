"""Reads about participants (no writes here)."""

from tular.core.errors import Invalid
from tular.core.ids import parse_uuid
from tular.participants.codes import normalise_code
from tular.participants.models import Participant
from tular.participants.services import normalise_email


def get_in_workspace(*, workspace, participant_id: str) -> Participant | None:
    parsed = parse_uuid(participant_id)
    if parsed is None:
        return None  # not an id we could have issued: the same 404 as an unknown one
    return (
        Participant.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()
    )


def participants_filter(
    *,
    workspace,
    program_slug: str | None = None,
    email: str | None = None,
    external_id: str | None = None,
    code: str | None = None,
):
    """The workspace's participants (a queryset), narrowed by program slug, e-mail (compared
    normalised, as on enrolment), external id and code (any case). A value that cannot match
    (an invalid e-mail, a code with other characters) matches nothing."""
    participants = Participant.objects.select_related("program").filter(workspace=workspace)
    if program_slug is not None:
        participants = participants.filter(program__slug=program_slug)
    if email is not None:
        try:
            participants = participants.filter(email_normalised=normalise_email(email))
        except Invalid:
            return participants.none()
    if external_id is not None:
        participants = participants.filter(external_id=external_id)
    if code is not None:
        code = normalise_code(code)
        if not code:
            return participants.none()
        participants = participants.filter(code=code)
    return participants
