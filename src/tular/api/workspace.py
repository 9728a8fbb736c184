"""/api/v1/workspace, /members, /invitations, /audit-log: the workspace's settings, its team and
its audit log, through the same services as the console's settings pages.

The logo is set through the console only (an upload form); here `logo_url` shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from django.conf import settings
from django.urls import reverse
from ninja import Field, Query, Router, Status
from pydantic import BaseModel, BeforeValidator, StringConstraints

from tular.api.metrics import Day
from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.schemas import Strict
from tular.workspaces.audit import Actor, audit_filter
from tular.workspaces.branding import workspace_update
from tular.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from tular.workspaces.team import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_status,
    invitations_filter,
    member_remove,
    member_role_set,
    members_filter,
)

workspace_router = Router(tags=["workspace"])
members_router = Router(tags=["team"])
invitations_router = Router(tags=["team"])
audit_router = Router(tags=["audit log"])

RoleName = Literal["owner", "manager", "viewer"]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


def _base_url(request) -> str:
    return (settings.TULAR_PUBLIC_URL or request.build_absolute_uri("/")).rstrip("/")


# ---------------------------------------------------------------- the workspace


class WorkspaceOut(BaseModel):
    slug: str
    name: str
    brand_color: str = Field(description="#rrggbb")
    default_language: str = Field(description="id or en: e-mails and pages by default.")
    time_zone: str = Field(description="An IANA time zone name, such as Asia/Jakarta.")
    logo_url: str | None = Field(description="The logo (set in the console), or null.")


class WorkspacePatch(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    brand_color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None
    default_language: Literal["id", "en"] | None = None
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


def _workspace_out(request, workspace: Workspace) -> dict:
    logo = None
    if workspace.logo_type:
        logo = _base_url(request) + reverse("console:brand-logo", args=[workspace.slug])
    return {
        "slug": workspace.slug,
        "name": workspace.name,
        "brand_color": workspace.brand_color,
        "default_language": workspace.default_language,
        "time_zone": workspace.time_zone,
        "logo_url": logo,
    }


@workspace_router.get("", response={200: WorkspaceOut})
def get_workspace(request):
    """The workspace of the key: its name and branding."""
    return _workspace_out(request, request.workspace)


@workspace_router.patch("", response={200: WorkspaceOut})
def update_workspace(request, payload: WorkspacePatch):
    """Change the name, brand colour, default language or time zone; fields left out keep
    their value. A field sent as null is refused (422). Recorded in the audit log."""
    changes = payload.model_dump(exclude_unset=True)
    workspace = workspace_update(workspace=request.workspace, actor=_actor(request), **changes)
    return _workspace_out(request, workspace)


# ---------------------------------------------------------------- members


class MemberOut(BaseModel):
    id: int
    email: str
    name: str
    role: RoleName
    created_at: datetime = Field(description="Member since.")


class MemberPatch(Strict):
    role: RoleName


class MemberQuery(PageQuery):
    after: int | None = Field(None, ge=0, le=2**63 - 1, description=AFTER_DESCRIPTION)


def _member_out(membership: Membership) -> dict:
    return {
        "id": membership.pk,
        "email": membership.user.email or membership.user.get_username(),
        "name": membership.user.get_full_name(),
        "role": membership.role,
        "created_at": membership.created_at,
    }


@members_router.get("", response={200: page_of(MemberOut)})
def list_members(request, query: Query[MemberQuery]):
    """The workspace's members and their roles."""
    return paginate(
        members_filter(workspace=request.workspace),
        after=query.after,
        limit=query.limit,
        shape=_member_out,
    )


@members_router.patch("/{member_id}", response={200: MemberOut})
def update_member(request, member_id: Id, payload: MemberPatch):
    """Change a member's role. 409 when it would leave the workspace without an owner."""
    membership = member_role_set(
        workspace=request.workspace,
        membership_id=member_id,
        role=payload.role,
        actor=_actor(request),
    )
    return _member_out(membership)


@members_router.delete("/{member_id}", response={204: None})
def remove_member(request, member_id: Id):
    """Remove a member from the workspace (their account stays). 409 for the last owner."""
    member_remove(workspace=request.workspace, membership_id=member_id, actor=_actor(request))
    return Status(204, None)


# ---------------------------------------------------------------- invitations


class InvitationOut(BaseModel):
    id: int
    email: str
    role: RoleName
    status: Literal["pending", "accepted", "revoked", "expired"]
    created_at: datetime
    expires_at: datetime


class InvitationIn(Strict):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    role: RoleName


class InvitationQuery(PageQuery):
    after: int | None = Field(None, ge=0, le=2**63 - 1, description=AFTER_DESCRIPTION)
    pending: bool = Field(False, description="Only the invitations that can still be accepted.")


def _invitation_out(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "status": invitation_status(invitation),
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


@invitations_router.post("", response={201: InvitationOut})
def create_invitation(request, payload: InvitationIn):
    """Invite a person by e-mail with a role: the e-mail with the link (valid 7 days) is sent
    by the worker. 409 when the address is a member or already has a pending invitation."""
    invitation = invitation_create(
        workspace=request.workspace,
        email=payload.email,
        role=payload.role,
        base_url=_base_url(request),
        actor=_actor(request),
    )
    return Status(201, _invitation_out(invitation))


@invitations_router.get("", response={200: page_of(InvitationOut)})
def list_invitations(request, query: Query[InvitationQuery]):
    """The workspace's invitations, with their status."""
    return paginate(
        invitations_filter(workspace=request.workspace, pending=query.pending),
        after=query.after,
        limit=query.limit,
        shape=_invitation_out,
    )


@invitations_router.post("/{invitation_id}/resend", response={200: InvitationOut})
def resend_invitation(request, invitation_id: Id):
    """Send the invitation again with a new link, valid 7 days (the old link stops working).
    409 when it was accepted or revoked."""
    invitation = invitation_resend(
        workspace=request.workspace,
        invitation_id=invitation_id,
        base_url=_base_url(request),
        actor=_actor(request),
    )
    return _invitation_out(invitation)


@invitations_router.post("/{invitation_id}/revoke", response={200: InvitationOut})
def revoke_invitation(request, invitation_id: Id):
    """Revoke an invitation: its link stops working. 409 when accepted or already revoked."""
    invitation = invitation_revoke(
        workspace=request.workspace, invitation_id=invitation_id, actor=_actor(request)
    )
    return _invitation_out(invitation)


# ---------------------------------------------------------------- the audit log


def _blank_is_none(value):
    return None if value == "" else value


def _text(max_length: int):
    """An optional filter text: blank is absent; the length limit applies to the text only."""
    return Annotated[
        Annotated[str, StringConstraints(max_length=max_length)] | None,
        BeforeValidator(_blank_is_none),
    ]


class AuditQuery(PageQuery):
    after: int | None = Field(None, ge=0, le=2**63 - 1, description=AFTER_DESCRIPTION)
    actor: _text(200) = Field(None, description="Part of who acted.")
    object_type: _text(64) = Field(None, description="Such as rewards.reward, workspaces.apikey.")
    action: _text(64) = Field(None, description="Such as reward.approve.")
    from_: Day | None = Field(None, alias="from", description="First day (UTC), included.")
    to: Day | None = Field(None, description="Last day (UTC), included.")


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="Who acted: a user's e-mail, an API key's prefix, a job.")
    action: str
    object_type: str
    object_id: str
    before: dict | list | str | int | float | bool | None
    after: dict | list | str | int | float | bool | None


def _entry_out(entry: AuditEntry) -> dict:
    return {
        "id": entry.pk,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.target_type,
        "object_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
    }


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@audit_router.get("", response={200: page_of(AuditEntryOut)})
def list_audit_log(request, query: Query[AuditQuery]):
    """Who changed what and when (approvals, payouts, programs, keys, the team…), in the order
    it happened, filtered by who, object type, action and days."""
    entries = audit_filter(
        workspace=request.workspace,
        actor=query.actor,
        target_type=query.object_type,
        action=query.action,
        since=_day_start(query.from_) if query.from_ else None,
        until=_day_start(query.to + timedelta(days=1)) if query.to else None,
    )
    return paginate(entries, after=query.after, limit=query.limit, shape=_entry_out)
