"""/api/v1/participants"""

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.urls import reverse
from ninja import Field, Query, Router, Status
from pydantic import BaseModel, StringConstraints, field_validator

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
from tular.participants import imports as participant_imports
from tular.participants import selectors as participant_selectors
from tular.participants.models import Participant
from tular.participants.services import (
    normalise_email,
    participant_enrol,
    participant_update,
    referral_url,
)
from tular.participants.signin import portal_invite
from tular.participants.widget import widget_token
from tular.programs.services import program_named_in_body
from tular.referrals import selectors as referral_selectors
from tular.rewards import ledger
from tular.workspaces.audit import Actor

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
        actor=Actor.for_api_key(request.api_key),
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


# ---------------------------------------------------------------------------------- CSV imports
# Declared before "/{participant_id}": Django tries the paths in order.


class ImportRow(BaseModel):
    row: int = Field(description="The row as a spreadsheet numbers it (the header is row 1).")
    email: str
    outcome: Literal["created", "existing", "rejected"]
    reason: str | None = Field(
        None,
        description="Why a row was rejected: missing_email, bad_email, missing_program, "
        "unknown_program, bad_kind, bad_locale, too_long, duplicate_in_file (`detail`: the "
        "earlier row), missing_columns.",
    )
    detail: str | None = None
    participant_id: UUID | None = Field(None, description="The created or existing participant.")


class ImportOut(BaseModel):
    id: UUID
    status: Literal["queued", "running", "done", "failed"]
    filename: str
    program: str | None = Field(None, description="The program chosen for every row, if any.")
    total: int = Field(description="Rows in the file (blank rows left out).")
    processed: int = Field(description="Rows checked so far.")
    created: int
    existing: int
    rejected: int
    error: str | None = Field(None, description="Why a failed import failed (nothing written).")
    created_at: datetime
    finished_at: datetime | None
    report: list[ImportRow] = Field(description="One entry per row, once the import is done.")


def _import_out(job) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "filename": job.filename,
        "program": job.program.slug if job.program else None,
        "total": job.total,
        "processed": job.processed,
        "created": job.created_count,
        "existing": job.existing_count,
        "rejected": job.rejected_count,
        "error": str(participant_imports.ERRORS.get(job.error, job.error)) or None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "report": job.report,
    }


CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "program": {
                            "type": "string",
                            "description": "A program slug for every row; else the file's "
                            "`program` column names each row's program.",
                        },
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    },
    "parameters": [
        {
            "name": "program",
            "in": "query",
            "required": False,
            "description": "With a text/csv body: a program slug for every row.",
            "schema": {"type": "string", "maxLength": 50},
        }
    ],
}


def _upload(request) -> tuple[bytes, str, str]:
    """(the file's bytes, its name, the program slug chosen) from a multipart or a CSV body."""
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise Invalid(["file"], "send the CSV file in the form field 'file'")
        if upload.size > participant_imports.MAX_BYTES:
            raise Invalid(["file"], "the file is larger than 5 MB; split it into smaller files")
        return upload.read(), upload.name or "", request.POST.get("program", "")
    if content_type in CSV_TYPES:
        # Read the stream ourselves: request.body stops at 2.5 MB, a CSV may have 5.
        data = (
            request.body
            if hasattr(request, "_body")
            else request.read(participant_imports.MAX_BYTES + 1)
        )
        return data, "upload.csv", request.GET.get("program", "")
    raise Invalid(["body"], "send multipart/form-data with a 'file' field, or a text/csv body")


@router.post("/imports", response={202: ImportOut}, openapi_extra=IMPORT_BODY)
def start_import(request):
    """Import participants from a CSV file (columns program, email, name, external_id, kind,
    locale; UTF-8 with or without BOM; comma or semicolon). 202: the worker imports it; poll
    GET /participants/imports/{id}. Every valid row is enrolled in one transaction at the
    end, each rejected row is reported with its reason; a file larger than 5 MB, with more
    than 20,000 rows or without an `email` column (or `program`, when none is chosen) is a
    422 and nothing is queued."""
    data, filename, slug = _upload(request)
    program = program_named_in_body(workspace=request.workspace, slug=slug) if slug else None
    job = participant_imports.participants_import_start(
        workspace=request.workspace,
        data=data,
        filename=filename,
        program=program,
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(202, _import_out(job))


@router.get("/imports/{job_id}", response={200: ImportOut})
def get_import(request, job_id: str):
    """An import's status, its counts and, once done, its report row by row."""
    job = participant_selectors.import_job_get(workspace=request.workspace, job_id=job_id)
    if job is None:
        raise NotFound("No import with this id in this workspace.")
    return _import_out(job)


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
        actor=Actor.for_api_key(request.api_key),
    )
    return _participant_out(request, participant)


# ---------------------------------------------------------------- the "Invite friends" panel


class WidgetTokenOut(BaseModel):
    token: str = Field(
        description="Opens the participant's panel: pass it to `Tular.openPanel({token})` "
        "(/static/tular.js) or put it in `data-tular-token`. It shows that participant's link "
        "and share buttons and nothing else; it opens no session."
    )
    expires_at: datetime = Field(description="Ten minutes after issue; ask for a new one then.")
    widget_url: str = Field(description="The panel itself, for an iframe of your own.")


@router.post("/{participant_id}/widget-token", response={201: WidgetTokenOut})
def create_widget_token(request, participant_id: str):
    """A short-lived token for the in-app "Invite friends" panel (R11): your backend asks for
    it for the signed-in user's participant, your page opens the panel with it. Valid ten
    minutes; a new request gives a new token (the old stays valid until it expires). Secret
    keys only: never put a secret key in a browser."""
    participant = _participant(request, participant_id)
    token, expires_at = widget_token(participant=participant)
    base = (settings.TULAR_PUBLIC_URL or request.build_absolute_uri("/")).rstrip("/")
    url = f"{base}{reverse('portal:widget')}?{urlencode({'token': token})}"
    return Status(201, {"token": token, "expires_at": expires_at, "widget_url": url})


# ---------------------------------------------------------------- the portal invitation


class PortalInvitationOut(BaseModel):
    sent_to: str = Field(description="The participant's e-mail address the invitation goes to.")
    language: str = Field(description="The participant's language, the e-mail's.")


@router.post(
    "/{participant_id}/portal-invitation",
    response={202: PortalInvitationOut},
    openapi_extra={"responses": {409: {"description": "Invited three times today already."}}},
)
def invite_to_portal(request, participant_id: str):
    """E-mail the participant an invitation to share (R9): their link and code, a WhatsApp
    button carrying the program's share message with the link, and a sign-in link to their
    portal (valid 15 minutes, single use; later the portal's sign-in page sends a fresh one).
    The e-mail is queued and sent by the worker (202). At most three a day per participant
    (409 beyond). The console's "Invite to the portal" button does the same."""
    participant = _participant(request, participant_id)
    portal_invite(
        participant=participant,
        base_url=request.build_absolute_uri("/").rstrip("/"),
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(202, {"sent_to": participant.email, "language": participant.locale})
