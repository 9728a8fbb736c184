"""/api/v1/participants"""

from typing import Annotated
from uuid import UUID

from ninja import Field, Query, Router, Status
from pydantic import StringConstraints, field_validator

from tular.api.pagination import (
    AFTER_DESCRIPTION,
    PageQuery,
    page_of,
    paginate,
)
from tular.api.schemas import (
    ParticipantDetail,
    ParticipantIn,
    ParticipantOut,
    ParticipantPatch,
    conflict_documented,
)
from tular.core.errors import Invalid, NotFound
from tular.participants import selectors as participant_selectors
from tular.participants.models import Participant
from tular.participants.services import (
    normalise_email,
    participant_enrol,
    participant_update,
    referral_url,
)
from tular.programs.services import program_named_in_body
from tular.referrals import selectors as referral_selectors
from tular.rewards import ledger

router = Router(tags=["participants"])


class ParticipantQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Program slug."
    )
    email: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="Compared normalised, as on enrolment (any case)."
    )
    external_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    code: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        None, description="Any case."
    )
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        if value is None:
            return value
        try:
            return normalise_email(value)
        except Invalid as refused:
            raise ValueError(refused.detail) from None


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


def _participant(request, participant_id: str) -> Participant:
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=participant_id
    )
    if participant is None:
        raise NotFound("No participant with this id in this workspace.")
    return participant


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


@router.get("", response={200: page_of(ParticipantOut)})
def list_participants(request, query: Query[ParticipantQuery]):
    """The workspace's participants in the order they enrolled, a page at a time; every filter
    narrows."""
    participants = participant_selectors.participants_filter(
        workspace=request.workspace,
        program_slug=query.program,
        email=query.email,
        external_id=query.external_id,
        code=query.code,
    )
    return paginate(
        participants,
        after=query.after,
        limit=query.limit,
        shape=lambda participant: _participant_out(request, participant),
    )


@router.get("/{participant_id}", response={200: ParticipantDetail})
def get_participant(request, participant_id: str):
    participant = _participant(request, participant_id)
    return {
        **_participant_out(request, participant),
        "stats": referral_selectors.participant_stats(participant=participant),
        "balances": ledger.balances(participant=participant),
    }


@router.patch(
    "/{participant_id}",
    response={200: ParticipantOut},
    openapi_extra=conflict_documented(
        "The external id is taken in the program, or the code by another participant."
    ),
)
def update_participant(request, participant_id: str, payload: ParticipantPatch):
    """Change a participant's name, e-mail, language, kind, external id or code.

    Validated as on enrolment (422, nothing changes); an external id taken in the program or a
    code taken anywhere is a 409. Rewards, referrals and clicks stay the participant's."""
    participant = participant_update(
        participant=_participant(request, participant_id),
        changes=payload.model_dump(mode="json", exclude_unset=True),
    )
    return _participant_out(request, participant)
