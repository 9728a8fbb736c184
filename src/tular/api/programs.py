"""/api/v1/programs"""

from uuid import UUID

from ninja import Field, Query, Router, Status

from tular.api.pagination import (
    AFTER_DESCRIPTION,
    PageQuery,
    page_of,
    paginate,
)
from tular.api.schemas import (
    ProgramIn,
    ProgramOut,
    ProgramPatch,
    ProgramStatusName,
    conflict_documented,
)
from tular.core.errors import NotFound
from tular.programs.models import Program
from tular.programs.services import (
    PIPELINE_FIELDS,
    program_create,
    program_get,
    program_update,
    programs_filter,
)
from tular.workspaces.audit import Actor

router = Router(tags=["programs"])


class ProgramQuery(PageQuery):
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)
    status: ProgramStatusName | None = Field(None, description="Only programs of this status.")


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
        "leaderboard": program.leaderboard,
        **{field: getattr(program, field) for field in PIPELINE_FIELDS},
        "created_at": program.created_at,
        "status": program.status,
        "monetary_rewards_changed_by": program.monetary_rewards_changed_by,
        "monetary_rewards_changed_at": program.monetary_rewards_changed_at,
    }


def _program(request, slug: str) -> Program:
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise NotFound(f"No program with slug {slug!r} in this workspace.")
    return program


@router.post("", response={201: ProgramOut})
def create_program(request, payload: ProgramIn):
    program = program_create(
        workspace=request.workspace, config=payload, actor=Actor.for_api_key(request.api_key)
    )
    return Status(201, _program_out(program))


@router.get("", response={200: page_of(ProgramOut)})
def list_programs(request, query: Query[ProgramQuery]):
    """The workspace's programs in the order they were created, a page at a time (all statuses
    unless `status` is given)."""
    return paginate(
        programs_filter(workspace=request.workspace, status=query.status),
        after=query.after,
        limit=query.limit,
        shape=_program_out,
    )


@router.get("/{slug}", response={200: ProgramOut})
def get_program(request, slug: str):
    return _program_out(_program(request, slug))


@router.patch(
    "/{slug}",
    response={200: ProgramOut},
    openapi_extra=conflict_documented(
        "The new slug is taken in the workspace, the slug or currency would change on a "
        "program that has rewards, or a setting would change on an archived program."
    ),
)
def update_program(request, slug: str, payload: ProgramPatch):
    """Change any of the program's settings; the fields left out keep their value.

    The program that results is validated as a whole, like a new one (422 with the location of
    each error; nothing changes). The `slug` and `currency` cannot change once the program has
    rewards (409). New settings apply to events from now on: rewards already earned keep their
    amounts and statuses; they are never recomputed. The change is recorded in the audit log.

    `status` pauses (`paused`), archives (`archived`) or reactivates (`active`) the program; see
    the field's description for what each means. An archived program's other settings are
    read-only (409) unless the same request sets it back to `active` or `paused`. Turning
    `monetary_rewards_allowed` on or off records who did it and when
    (`monetary_rewards_changed_by`, `monetary_rewards_changed_at`). `leaderboard` shows or
    hides the program's leaderboard in the referrers' portal (names only with consent).
    """
    program = program_update(
        program=_program(request, slug),
        changes=payload.model_dump(mode="json", exclude_unset=True),
        actor=Actor.for_api_key(request.api_key),
    )
    return _program_out(program)
