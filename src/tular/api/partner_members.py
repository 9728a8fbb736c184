"""/api/v1/partners/{id}/members: the people of a partner organisation who sign in to its portal
(R33; docs/partners.md, "Members"). Add (and by default invite by e-mail), invite again,
remove. The same services as the console's partner page (tular.partners.profiles)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Router, Schema, Status

from tular.api.partners import _partner
from tular.core.errors import NotFound
from tular.core.ids import parse_uuid
from tular.core.schemas import Strict
from tular.partners.models import MemberRole, PartnerMember
from tular.partners.profiles import (
    DEFAULT_PARTNER_TYPE,
    member_add,
    member_invite,
    member_remove,
    partner_profile_save,
)
from tular.workspaces.audit import Actor

router = Router(tags=["partners"])


class MemberIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254)
    role: Literal["owner", "member"] = "member"
    invite: bool = Field(
        True, description="E-mail the portal invitation (a one-time sign-in link) at once."
    )


class MemberOut(Schema):
    id: UUID
    partner_id: UUID
    name: str
    email: str
    role: str
    invited_at: datetime | None
    created_at: datetime


def _out(member: PartnerMember) -> dict:
    return {
        "id": member.pk,
        "partner_id": member.profile.participant_id,
        "name": member.name,
        "email": member.email,
        "role": member.role,
        "invited_at": member.invited_at,
        "created_at": member.created_at,
    }


def _member(request, partner_id: str, member_id: str) -> PartnerMember:
    partner = _partner(request, partner_id)
    pk = parse_uuid(member_id)
    member = (
        PartnerMember.objects.select_related("profile__participant")
        .filter(pk=pk, profile__participant=partner)
        .first()
        if pk
        else None
    )
    if member is None:
        raise NotFound("No member with this id in this partner.")
    return member


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@router.get("/partners/{partner_id}/members", response={200: list[MemberOut]})
def list_members(request, partner_id: str):
    """The partner's people, oldest first. 404 for an unknown partner."""
    partner = _partner(request, partner_id)
    return [
        _out(member)
        for member in PartnerMember.objects.select_related("profile")
        .filter(profile__participant=partner)
        .order_by("created_at", "pk")
    ]


@router.post("/partners/{partner_id}/members", response={201: MemberOut})
def add_member(request, partner_id: str, payload: MemberIn):
    """Add a person to the partner (a partner without a profile gets one, named as the
    participant) and, unless `invite` is false, e-mail the portal invitation. 404 unknown
    partner; 409 `email` already a member; 422 a bad address."""
    partner = _partner(request, partner_id)
    actor = Actor.for_api_key(request.api_key)
    profile = getattr(partner, "partner_profile", None)
    if profile is None:
        profile = partner_profile_save(
            participant=partner,
            legal_name=partner.name or partner.email,
            partner_type=DEFAULT_PARTNER_TYPE.get(partner.program.kind, "referral"),
            actor=actor,
        )
    member = member_add(
        profile=profile,
        name=payload.name,
        email=payload.email,
        role=MemberRole(payload.role),
        actor=actor,
    )
    if payload.invite:
        member_invite(member=member, base_url=_base_url(request), actor=actor)
        member.refresh_from_db()
    return Status(201, _out(member))


@router.post("/partners/{partner_id}/members/{member_id}/invite", response={200: MemberOut})
def invite_member(request, partner_id: str, member_id: str):
    """E-mail the member a new portal invitation."""
    member = _member(request, partner_id, member_id)
    member_invite(
        member=member, base_url=_base_url(request), actor=Actor.for_api_key(request.api_key)
    )
    member.refresh_from_db()
    return _out(member)


@router.delete("/partners/{partner_id}/members/{member_id}", response={204: None})
def remove_member(request, partner_id: str, member_id: str):
    """Remove the member: its address no longer opens the partner's portal. 409 for the last
    owner."""
    member = _member(request, partner_id, member_id)
    member_remove(member=member, actor=Actor.for_api_key(request.api_key))
    return Status(204, None)
