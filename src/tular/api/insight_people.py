"""/api/v1/nps, /api/v1/participants/{id}/readiness and /api/v1/ask-list: who is ready to refer
(R4, R56). The rules are in tular.analytics.readiness (module docstring); docs/readiness.md."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Status
from pydantic import AwareDatetime, BaseModel, StringConstraints

from tular.analytics import readiness
from tular.analytics.models import NpsAnswer, Readiness
from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.participants import selectors as participant_selectors
from tular.programs.services import program_get
from tular.workspaces.audit import Actor

router = Router(tags=["readiness"])

Score = Annotated[int, Field(ge=1, le=5, strict=True)]


# ---------------------------------------------------------------------------------- NPS


class NpsIn(Strict):
    email: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="The person's e-mail; compared normalised. Give this or participant_id."
    )
    participant_id: UUID | None = Field(None, description="A participant of the workspace.")
    score: int = Field(
        ge=0, le=10, strict=True, description="0-10; 9 and 10 make the person a promoter."
    )
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""
    answered_at: AwareDatetime | None = Field(None, description="Default: now.")
    id: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None,
        description="Your id of the answer (a survey tool's response id): a repeated POST with "
        "the same id returns the stored answer with 200 and changes nothing.",
    )


class NpsOut(BaseModel):
    id: UUID
    external_id: str | None
    participant_id: UUID | None = Field(
        description="The participant the answer was linked to (the first enrolled with that "
        "e-mail); null when nobody with it is enrolled yet."
    )
    email: str = Field(description="Normalised.")
    score: int
    promoter: bool
    comment: str
    answered_at: datetime
    created_at: datetime


def _nps_out(answer: NpsAnswer) -> dict:
    return {
        "id": answer.id,
        "external_id": answer.external_id or None,
        "participant_id": answer.participant_id,
        "email": answer.email_normalised,
        "score": answer.score,
        "promoter": answer.score >= readiness.PROMOTER,
        "comment": answer.comment,
        "answered_at": answer.answered_at,
        "created_at": answer.created_at,
    }


@router.post("/nps", response={201: NpsOut, 200: NpsOut})
def record_nps(request, payload: NpsIn):
    """Record one answer to "how likely are you to recommend us?" (0-10). 422 for a score
    outside 0-10, or without an e-mail or participant id (or with an unknown participant)."""
    answer, created = readiness.nps_record(
        workspace=request.workspace,
        email=payload.email,
        participant_id=payload.participant_id,
        score=payload.score,
        comment=payload.comment,
        answered_at=payload.answered_at,
        external_id=payload.id or "",
        source="api",
    )
    return Status(201 if created else 200, _nps_out(answer))


# ---------------------------------------------------------------------------------- readiness


class ReadinessIn(Strict):
    satisfaction: Score = Field(description="1-5: how satisfied they are.")
    relationship: Score = Field(description="1-5: how strong the relationship is.")
    reach: Score = Field(description="1-5: how wide their network reaches.")


class ReadinessOut(BaseModel):
    participant_id: UUID
    satisfaction: int
    relationship: int
    reach: int
    total: int = Field(description="The three summed, 3-15.")
    priority: bool = Field(description="total >= 12: a priority referrer.")
    source: Literal["console", "csv", "api"]
    updated_at: datetime


def _readiness_out(row: Readiness) -> dict:
    return {
        "participant_id": row.participant_id,
        "satisfaction": row.satisfaction,
        "relationship": row.relationship,
        "reach": row.reach,
        "total": row.total,
        "priority": readiness.is_priority(row.total),
        "source": row.source,
        "updated_at": row.updated_at,
    }


def _participant(request, participant_id: str):
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=participant_id
    )
    if participant is None:
        raise NotFound("No participant with this id in this workspace.")
    return participant


@router.get("/participants/{participant_id}/readiness", response={200: ReadinessOut})
def get_readiness(request, participant_id: UUID):
    """404 when the participant has no readiness scores yet."""
    participant = _participant(request, str(participant_id))
    row = readiness.readiness_of(participant)
    if row is None:
        raise NotFound("This participant has no readiness scores yet.")
    return _readiness_out(row)


@router.put("/participants/{participant_id}/readiness", response={200: ReadinessOut})
def put_readiness(request, participant_id: UUID, payload: ReadinessIn):
    """Set the three scores (each 1-5; 422 otherwise)."""
    participant = _participant(request, str(participant_id))
    row = readiness.readiness_set(
        participant=participant,
        satisfaction=payload.satisfaction,
        relationship=payload.relationship,
        reach=payload.reach,
        source="api",
        actor=Actor.for_api_key(request.api_key),
    )
    return _readiness_out(row)


# ---------------------------------------------------------------------------------- the lists


class AskListQuery(BaseModel):
    kind: Literal["next", "intent"] = Field(
        "next",
        description="next: who to ask next; intent: promoters and priority referrers who have "
        "not referred yet.",
    )
    program: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="Program slug."
    )
    limit: int = Field(50, ge=1, le=500)
    asked_within_days: int = Field(
        readiness.ASKED_WITHIN_DAYS,
        ge=0,
        le=3650,
        description="next: leave out people asked within this many days.",
    )


class AskItem(BaseModel):
    participant_id: UUID
    email: str
    name: str
    program: str = Field(description="Program slug.")
    satisfaction: int | None
    relationship: int | None
    reach: int | None
    total: int | None = Field(description="Readiness total (3-15); null when not scored.")
    priority: bool
    nps: int | None = Field(description="The latest NPS answer of their e-mail.")
    promoter: bool
    last_asked_at: datetime | None = Field(
        description="When the last ask or script was e-mailed to them."
    )


class AskListOut(BaseModel):
    kind: Literal["next", "intent"]
    items: list[AskItem]


@router.get("/ask-list", response={200: AskListOut})
def ask_list(request, query: Query[AskListQuery]):
    """Who to ask next, most ready first (readiness total, promoters first among equals, then
    the longest since the last ask); or, with kind=intent, the intent-vs-action list."""
    program = None
    if query.program:
        program = program_get(workspace=request.workspace, slug=query.program)
        if program is None:
            raise NotFound("No program with this slug in this workspace.")
    if query.kind == "intent":
        rows = readiness.intent_vs_action(
            workspace=request.workspace, program=program, limit=query.limit
        )
    else:
        rows = readiness.ask_list(
            workspace=request.workspace,
            program=program,
            limit=query.limit,
            asked_within_days=query.asked_within_days,
        )
    items = [
        {
            "participant_id": row.participant.pk,
            "email": row.participant.email,
            "name": row.participant.name,
            "program": row.participant.program.slug,
            "satisfaction": row.satisfaction,
            "relationship": row.relationship,
            "reach": row.reach,
            "total": row.total,
            "priority": row.priority,
            "nps": row.nps,
            "promoter": row.promoter,
            "last_asked_at": row.last_asked_at,
        }
        for row in rows
    ]
    return {"kind": query.kind, "items": items}
