"""/api/v1/programs"""

from ninja import Router, Status

from tular.api.schemas import ProgramIn, ProgramOut
from tular.core.errors import NotFound
from tular.programs.models import Program
from tular.programs.services import program_create, program_get

router = Router(tags=["programs"])


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


@router.post("", response={201: ProgramOut})
def create_program(request, payload: ProgramIn):
    program = program_create(workspace=request.workspace, config=payload)
    return Status(201, _program_out(program))


@router.get("", response={200: dict})
def list_programs(request):
    programs = Program.objects.filter(workspace=request.workspace).order_by("created_at")
    return {
        "items": [
            ProgramOut.model_validate(_program_out(p)).model_dump(mode="json") for p in programs
        ]
    }


@router.get("/{slug}", response={200: ProgramOut})
def get_program(request, slug: str):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise NotFound(f"No program with slug {slug!r} in this workspace.")
    return _program_out(program)
