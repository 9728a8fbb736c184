"""Partner organisations: the profile of a partner participant and its members.

A partner is a participant of a partner program (kind partner or reseller): its rewards and
payouts land there. The profile says who the organisation is; members are its people.
"""

from __future__ import annotations

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from tular.core import clock
from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.deals.services import PARTNER_PROGRAMS
from tular.participants.models import PARTNER_KINDS, Participant
from tular.participants.services import normalise_email
from tular.participants.signin import portal_invite
from tular.partners.models import MemberRole, PartnerMember, PartnerProfile, PartnerType
from tular.workspaces.audit import Actor, audit_record

# The programs that have partners, and the participant kinds that are partners.
PARTNER_PROGRAM_KINDS = PARTNER_PROGRAMS
# Program kind → the partner type a new profile gets when nobody says.
DEFAULT_PARTNER_TYPE = {
    "reseller": PartnerType.reseller,
    "technology_partner": PartnerType.technology,
    "service_partner": PartnerType.service,
}
COUNTRIES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
)


def is_partner(participant: Participant) -> bool:
    return participant.kind in PARTNER_KINDS


def clean_website(value: str, *, field: str = "website") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    if len(value) > 500:
        raise Invalid([field], "at most 500 characters")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise Invalid([field], "not a web address") from None
    return value


def clean_country(value: str, *, field: str = "country") -> str:
    value = (value or "").strip().upper()
    if value and value not in COUNTRIES:
        raise Invalid([field], "an ISO 3166 country code of two letters, e.g. ID")
    return value


def clean_text(value: str, *, field: str, longest: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid([field], "required")
    if len(value) > longest:
        raise Invalid([field], f"at most {longest} characters")
    return value


def clean_partner_type(value: str) -> str:
    if value not in PartnerType.values:
        raise Invalid(["partner_type"], f"one of {', '.join(PartnerType.values)}")
    return value


def _snapshot(profile: PartnerProfile) -> dict:
    return {
        field: getattr(profile, field)
        for field in ("legal_name", "website", "country", "partner_type", "description")
    }


def partner_profile_save(
    *,
    participant: Participant,
    legal_name: str,
    partner_type: str,
    website: str = "",
    country: str = "",
    description: str = "",
    actor: Actor | None = None,
) -> PartnerProfile:
    """Create or replace the organisation profile of a partner participant. 422 for a bad
    value or a participant who is not a partner (a customer, an employee…)."""
    if not is_partner(participant):
        raise Invalid(["participant"], "not a partner: only partners and resellers have a profile")
    values = {
        "legal_name": clean_text(legal_name, field="legal_name", longest=200, required=True),
        "partner_type": clean_partner_type(partner_type),
        "website": clean_website(website),
        "country": clean_country(country),
        "description": clean_text(description, field="description", longest=2000),
    }
    with transaction.atomic():
        profile = (
            PartnerProfile.objects.select_for_update(no_key=True)
            .filter(participant=participant)
            .first()
        )
        before = _snapshot(profile) if profile else None
        if profile is None:
            profile = PartnerProfile(participant=participant, workspace_id=participant.workspace_id)
        for field, value in values.items():
            setattr(profile, field, value)
        profile.save()
        audit_record(
            workspace=participant.workspace_id,
            actor=actor,
            action="partner.profile",
            target=participant,
            before=before,
            after=values,
        )
    return profile


def member_add(
    *,
    profile: PartnerProfile,
    name: str,
    email: str,
    role: str = MemberRole.member,
    actor: Actor | None = None,
) -> PartnerMember:
    """Add a person to a partner organisation. 409 when the address is already a member."""
    name = clean_text(name, field="name", longest=200, required=True)
    normalised = normalise_email(email)
    if role not in MemberRole.values:
        raise Invalid(["role"], f"one of {', '.join(MemberRole.values)}")
    member = PartnerMember(
        profile=profile, name=name, email=email.strip(), email_normalised=normalised, role=role
    )
    try:
        with transaction.atomic():
            member.save(force_insert=True)
            audit_record(
                workspace=profile.workspace_id,
                actor=actor,
                action="partner.member_add",
                target=profile.participant,
                after={"name": name, "email": member.email, "role": role},
            )
    except IntegrityError:
        raise FieldConflict(f"{member.email} is already a member", field="email") from None
    return member


def member_remove(*, member: PartnerMember, actor: Actor | None = None) -> None:
    """Remove a member; the last owner stays (409): an organisation always has one."""
    with transaction.atomic():
        profile = PartnerProfile.objects.select_for_update(no_key=True).get(pk=member.profile_id)
        if member.role == MemberRole.owner and (
            profile.members.filter(role=MemberRole.owner).count() <= 1
        ):
            raise Conflict("the last owner cannot be removed; make someone else owner first")
        member.delete()
        audit_record(
            workspace=profile.workspace_id,
            actor=actor,
            action="partner.member_remove",
            target=profile.participant,
            before={"name": member.name, "email": member.email, "role": member.role},
        )


def member_invite(*, member: PartnerMember, base_url: str, actor: Actor | None = None) -> None:
    """E-mail the member the portal invitation (participants.signin.portal_invite: the
    partner's link and code, and a one-time sign-in link for the member's own address, which
    opens the partner's portal: tular.portal.access)."""
    participant = member.profile.participant
    with transaction.atomic():
        portal_invite(
            participant=participant,
            base_url=base_url,
            actor=actor,
            to_name=member.name,
            to_email=member.email,
        )
        PartnerMember.objects.filter(pk=member.pk).update(invited_at=clock.now())


def memberships_of(*, email_normalised: str, workspace=None) -> list[PartnerMember]:
    """The memberships of an address (in one workspace, or all), each with its partner
    participant and program loaded, leaving out programs that ended (archived). The portal
    signs a member in to these partners' portals; a removed member has no row, so no access."""
    members = PartnerMember.objects.select_related(
        "profile__participant__program", "profile__participant__workspace"
    ).filter(email_normalised=email_normalised)
    if workspace is not None:
        members = members.filter(profile__workspace=workspace)
    return list(
        members.exclude(profile__participant__program__status="archived").order_by(
            "profile__participant__program__name", "created_at", "pk"
        )
    )
