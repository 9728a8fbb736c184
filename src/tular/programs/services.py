"""Programs: the only two ways a program is written, `program_create` and `program_update`.

Both validate with `tular.programs.rules.ProgramSettings` (the schema the API and the admin use
too), so a stored program is always one the reward engine can read. Rules apply to events from
the moment they are saved: rewards already earned are never recomputed or rewritten.
"""

import re

from django.db import IntegrityError, transaction
from pydantic import ValidationError

from tular.core import clock
from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.programs.models import Program, ProgramStatus
from tular.programs.rules import PROGRAM_SETTINGS_FIELDS, ProgramSettings
from tular.workspaces.audit import SYSTEM, Actor, audit_record
from tular.workspaces.models import Workspace

# The pipeline's settings (R15, R18, R19, R61), stored as they are validated.
PIPELINE_FIELDS = (
    "sla_acknowledge_hours",
    "sla_contact_hours",
    "sla_meeting_hours",
    "quiet_days",
    "dark_recontact_days",
    "lead_score_boost",
    "pipeline_mail_despite_unsubscribe",
    "ask_case_study",
)

# Changing these once money was earned would re-denominate or re-address what exists already.
FROZEN_ONCE_REWARDED = ("slug", "currency")


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def program_settings(program: Program) -> dict:
    """The program's stored settings as plain JSON values (the fields of ProgramSettings)."""
    return {field: getattr(program, field) for field in PROGRAM_SETTINGS_FIELDS}


def program_validate(settings: dict) -> ProgramSettings:
    """Validate a whole program's settings; 422 listing every error with its location."""
    try:
        return ProgramSettings.model_validate(settings)
    except ValidationError as exc:
        errors = [
            {"loc": list(error["loc"]), "msg": error["msg"].removeprefix("Value error, ")}
            for error in exc.errors()
        ]
    first = errors[0]
    invalid = Invalid(first["loc"], first["msg"])
    where = ".".join(str(part) for part in first["loc"])
    invalid.detail = f"{where}: {first['msg']}" if where else first["msg"]
    invalid.extra["errors"] = [
        {"loc": ["body", *error["loc"]], "msg": error["msg"]} for error in errors
    ]
    raise invalid


def _stored_values(settings: ProgramSettings) -> dict:
    """What a validated configuration stores in the program's columns."""
    return {
        "slug": settings.slug,
        "name": settings.name,
        "kind": str(settings.kind),
        "currency": settings.currency,
        "destination_url": settings.destination_url,
        "allowed_hosts": sorted({normalise_host(host) for host in settings.allowed_hosts}),
        "attribution": settings.attribution.model_dump(mode="json"),
        "hold_days": settings.hold_days,
        "auto_approve_below": settings.auto_approve_below,
        "clawback_days": settings.clawback_days,
        "monetary_rewards_allowed": settings.monetary_rewards_allowed,
        "rules": [rule.model_dump(mode="json", exclude_none=True) for rule in settings.rules],
        "leaderboard": settings.leaderboard,
        **{field: getattr(settings, field) for field in PIPELINE_FIELDS},
    }


def program_create(
    *, workspace: Workspace, config: ProgramSettings, actor: Actor | None = None
) -> Program:
    """Create a program from validated settings (ProgramSettings or the API's ProgramIn).

    409 when the slug is taken in the workspace."""
    values = _stored_values(config)
    program = Program(workspace=workspace, **values)
    if not program.monetary_rewards_allowed:
        # R6: a program restricted to non-monetary rewards from the start; its creator decided.
        program.monetary_rewards_changed_by = (actor or SYSTEM).label[:200]
        program.monetary_rewards_changed_at = clock.now()
    try:
        with transaction.atomic():
            program.save(force_insert=True)
            audit_record(
                workspace=workspace,
                actor=actor,
                action="program.create",
                target=program,
                after=values,
            )
    except IntegrityError:
        raise Conflict(f"a program with slug {config.slug!r} already exists") from None
    return program


def program_check_update(*, program: Program, changes: dict) -> dict:
    """The columns `changes` would write, validated as a whole program; nothing is written.

    `changes` holds any subset of the settings as JSON values (a PATCH body). 422 for an invalid
    result; 409 for a slug taken in the workspace, or for a slug or currency change once the
    program has rewards."""
    current = program_settings(program)
    settings = program_validate({**current, **changes})
    values = _stored_values(settings)
    changed = {field: value for field, value in values.items() if current[field] != value}
    for field in FROZEN_ONCE_REWARDED:
        if field in changed and program.rewards.exists():
            raise FieldConflict(
                f"the {field} of a program cannot change once it has rewards "
                f"(they are in {program.currency} and belong to {program.slug!r})",
                field=field,
            )
    if "slug" in changed:
        taken = Program.objects.filter(workspace_id=program.workspace_id, slug=changed["slug"])
        if taken.exclude(pk=program.pk).exists():
            raise FieldConflict(
                f"a program with slug {changed['slug']!r} already exists", field="slug"
            )
    return changed


def program_update(*, program: Program, changes: dict, actor: Actor | None = None) -> Program:
    """Change a program's settings: the merged result is validated like a new program's.

    `changes` may also hold `status` (active, paused, archived; see `program_set_status`), applied
    in the same transaction. Only future events follow the new settings; rewards already earned
    keep their amounts and statuses. Records the change in the audit log (before and after of the
    fields that changed); a change that changes nothing writes nothing. Errors as
    `program_check_update`; 409 for a settings change of a program that stays archived (an
    archived program is read-only: reactivate it first)."""
    changes = dict(changes)
    status = changes.pop("status", None)
    with transaction.atomic():
        locked = Program.objects.select_for_update(no_key=True).get(pk=program.pk)
        changed = program_check_update(program=locked, changes=changes)
        if changed and (status or locked.status) == ProgramStatus.archived:
            raise Conflict(
                "an archived program is read-only: set its status to active or paused first"
            )
        if status is not None:
            locked = _set_status(program=locked, status=status, actor=actor)
        if not changed:
            return locked
        before = {field: getattr(locked, field) for field in changed}
        for field, value in changed.items():
            setattr(locked, field, value)
        written = [*changed, "updated_at"]
        if "monetary_rewards_allowed" in changed:
            # R6's compliance record: who turned cash rewards off (or on again), and when.
            locked.monetary_rewards_changed_by = (actor or SYSTEM).label[:200]
            locked.monetary_rewards_changed_at = clock.now()
            written += ["monetary_rewards_changed_by", "monetary_rewards_changed_at"]
        try:
            with transaction.atomic():
                locked.save(update_fields=written)
        except IntegrityError:  # a concurrent change took the slug
            raise Conflict(f"a program with slug {changed.get('slug')!r} already exists") from None
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="program.update",
            target=locked,
            before=before,
            after=changed,
        )
    return locked


def program_set_status(*, program: Program, status: str, actor: Actor | None = None) -> Program:
    """Pause, archive or reactivate a program (audited; the same status again changes nothing).

    paused: referral links keep redirecting (a shared link never breaks) and clicks, sign-ups
    and sales are still recorded, but no reward is granted for what happens while paused (not
    later either: the engine is not re-run on resume). archived: the same, and the program is
    hidden from the console's lists by default and its settings are read-only."""
    with transaction.atomic():
        locked = Program.objects.select_for_update(no_key=True).get(pk=program.pk)
        return _set_status(program=locked, status=status, actor=actor)


def _set_status(*, program: Program, status: str, actor: Actor | None) -> Program:
    if status not in ProgramStatus.values:
        raise Invalid(["status"], f"must be one of {', '.join(ProgramStatus.values)}")
    if program.status == status:
        return program
    before = program.status
    program.status = status
    program.save(update_fields=["status", "updated_at"])
    audit_record(
        workspace=program.workspace_id,
        actor=actor,
        action="program.status",
        target=program,
        before={"status": before},
        after={"status": status},
    )
    return program


SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


def program_get(*, workspace: Workspace, slug: str) -> Program | None:
    if not SLUG.fullmatch(slug):
        return None  # not a slug we could have stored (and NUL would upset PostgreSQL)
    return Program.objects.filter(workspace=workspace, slug=slug).first()


def programs_filter(*, workspace: Workspace, status: str | None = None):
    """The workspace's programs (a queryset, for the API's and the console's pages), of one
    status when `status` is given."""
    programs = Program.objects.filter(workspace=workspace)
    if status is not None:
        programs = programs.filter(status=status)
    return programs


def program_named_in_body(*, workspace: Workspace, slug: str) -> Program:
    """The program a request body names by slug; an unknown one is the body's mistake (422)."""
    program = program_get(workspace=workspace, slug=slug)
    if program is None:
        raise Invalid(["program"], f"no program {slug!r} in this workspace")
    return program
