"""/api/v1/participants"""

from ninja import Router, Status

from tular.api.schemas import ParticipantDetail, ParticipantIn, ParticipantOut
from tular.core.errors import NotFound
from tular.participants import selectors as participant_selectors
from tular.participants.models import Participant
from tular.participants.services import participant_enrol, referral_url
from tular.programs.services import program_named_in_body
from tular.referrals import selectors as referral_selectors
from tular.rewards import ledger

router = Router(tags=["participants"])


def _participant_out(request, participant: Participant) -> dict:
    return {
        "id": participant.id,
        "program": participant.program.slug,
        "external_id": participant.external_id,
        "email": participant.email,
        "name": participant.name,
        "kind": participant.kind,
        "locale": participant.locale,
        "code": participant.code,
        "referral_url": referral_url(participant.code, request.build_absolute_uri("/")[:-1]),
        "created_at": participant.created_at,
    }


@router.post("", response={201: ParticipantOut, 200: ParticipantOut})
def enrol_participant(request, payload: ParticipantIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    participant, created = participant_enrol(
        program=program,
        email=payload.email,
        external_id=payload.external_id,
        name=payload.name,
        kind=payload.kind,
        locale=payload.locale,
        code=payload.code,
    )
    return Status(201 if created else 200, _participant_out(request, participant))


@router.get("/{participant_id}", response={200: ParticipantDetail})
def get_participant(request, participant_id: str):
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=participant_id
    )
    if participant is None:
        raise NotFound("No participant with this id in this workspace.")
    return {
        **_participant_out(request, participant),
        "stats": referral_selectors.participant_stats(participant=participant),
        "balances": ledger.balances(participant=participant),
    }
