"""The public JSON API, /api/v1 (api-v1.md). Handlers are thin: parse, call a service, shape."""

from ninja import NinjaAPI, Status

from tular.api import problems
from tular.api.auth import PerKeyThrottle, any_key, secret_key
from tular.api.idempotency import event_once
from tular.api.schemas import (
    ClickIn,
    ClickOut,
    ParticipantDetail,
    ParticipantIn,
    ParticipantOut,
    ProgramIn,
    ProgramOut,
)
from tular.core.errors import Invalid, NotFound
from tular.participants import selectors as participant_selectors
from tular.participants.models import Participant
from tular.participants.services import participant_enrol, referral_url
from tular.programs.models import Program
from tular.programs.services import program_create, program_get
from tular.tracking import redirect

api = NinjaAPI(
    title="Tular API",
    version="1",
    description="Referral, affiliate and partner programs. Contract: api-v1.md.",
    auth=secret_key,
    throttle=[PerKeyThrottle()],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)

PROBLEM = {"content": {"application/problem+json": {}}, "description": "RFC 9457 problem"}


def _program_out(program: Program) -> dict:
    return {
        "id": program.id,
        "slug": program.slug,
        "name": program.name,
        "kind": program.kind,
        "currency": program.currency,
        "destination_url": program.destination_url,
        "allowed_hosts": program.allowed_hosts,
        "attribution": program.attribution,
        "hold_days": program.hold_days,
        "auto_approve_below": program.auto_approve_below,
        "clawback_days": program.clawback_days,
        "monetary_rewards_allowed": program.monetary_rewards_allowed,
        "rules": program.rules,
        "created_at": program.created_at,
    }


@api.post("/programs", response={201: ProgramOut}, tags=["programs"])
def create_program(request, payload: ProgramIn):
    program = program_create(workspace=request.workspace, config=payload)
    return Status(201, _program_out(program))


@api.get("/programs", response={200: dict}, tags=["programs"])
def list_programs(request):
    programs = Program.objects.filter(workspace=request.workspace).order_by("created_at")
    return {
        "items": [
            ProgramOut.model_validate(_program_out(p)).model_dump(mode="json") for p in programs
        ]
    }


@api.get("/programs/{slug}", response={200: ProgramOut}, tags=["programs"])
def get_program(request, slug: str):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise NotFound(f"No program with slug {slug!r} in this workspace.")
    return _program_out(program)


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


@api.post(
    "/participants", response={201: ParticipantOut, 200: ParticipantOut}, tags=["participants"]
)
def enrol_participant(request, payload: ParticipantIn):
    program = Program.objects.filter(workspace=request.workspace, slug=payload.program).first()
    if program is None:
        raise Invalid(["program"], f"no program {payload.program!r} in this workspace")
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


@api.get("/participants/{participant_id}", response={200: ParticipantDetail}, tags=["participants"])
def get_participant(request, participant_id: str):
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=participant_id
    )
    if participant is None:
        raise NotFound("No participant with this id in this workspace.")
    return {
        **_participant_out(request, participant),
        "stats": participant_selectors.stats(participant=participant),
        "balances": participant_selectors.balances(participant=participant),
    }


@api.post("/track/click", response={201: ClickOut, 200: ClickOut}, auth=any_key, tags=["tracking"])
def track_click(request, payload: ClickIn):
    target = redirect.lookup(payload.code)
    if target is None or target.workspace_id != request.workspace.pk:
        raise NotFound(f"No participant with code {payload.code!r} in this workspace.")

    def record() -> dict:
        click_id = redirect.record_click(
            target,
            source="api",
            landing_url=payload.landing_url,
            referrer=payload.referrer,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return {"click_id": click_id}

    if payload.event_id is None:
        return Status(201, record())
    result, first = event_once(
        workspace=request.workspace, scope="track/click", event_id=payload.event_id, run=record
    )
    return Status(201 if first else 200, result)
