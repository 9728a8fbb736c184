"""Programs: creation with validated configuration."""

import re
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from tular.core.errors import Conflict, Invalid
from tular.programs.models import Program
from tular.workspaces.models import Workspace


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def program_create(*, workspace: Workspace, config) -> Program:
    """Create a program from validated input (tular.api.schemas.ProgramIn); 409 on a taken slug."""
    destination = urlsplit(config.destination_url)
    if not destination.hostname:
        raise Invalid(["destination_url"], "must be an absolute http(s) URL with a host")
    program = Program(
        workspace=workspace,
        slug=config.slug,
        name=config.name,
        kind=config.kind,
        currency=config.currency,
        destination_url=config.destination_url,
        allowed_hosts=sorted({normalise_host(host) for host in config.allowed_hosts}),
        attribution=config.attribution.model_dump(mode="json"),
        hold_days=config.hold_days,
        auto_approve_below=config.auto_approve_below,
        clawback_days=config.clawback_days,
        monetary_rewards_allowed=config.monetary_rewards_allowed,
        rules=[rule.model_dump(mode="json", exclude_none=True) for rule in config.rules],
    )
    try:
        with transaction.atomic():
            program.save(force_insert=True)
    except IntegrityError:
        raise Conflict(f"a program with slug {config.slug!r} already exists") from None
    return program


SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


def program_get(*, workspace: Workspace, slug: str) -> Program | None:
    if not SLUG.fullmatch(slug):
        return None  # not a slug we could have stored (and NUL would upset PostgreSQL)
    return Program.objects.filter(workspace=workspace, slug=slug).first()


def program_named_in_body(*, workspace: Workspace, slug: str) -> Program:
    """The program a request body names by slug; an unknown one is the body's mistake (422)."""
    program = program_get(workspace=workspace, slug=slug)
    if program is None:
        raise Invalid(["program"], f"no program {slug!r} in this workspace")
    return program
