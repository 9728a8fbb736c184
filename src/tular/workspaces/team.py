"""The team of a workspace: its members and their roles, and invitations by e-mail.

An owner invites a person by e-mail with a role; the link in the e-mail carries a random token
of which only a SHA-256 is kept, valid 7 days. Accepting it (a new account, or an existing user
signed in with the invited address) makes the person a member with that role. A workspace is
never left without an owner: changing the last owner's role or removing them is refused (409).
Every change is recorded in the audit log, in its own transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.core.errors import Conflict, FieldConflict, Invalid, NotFound
from tular.messaging.services import email_send
from tular.workspaces.audit import Actor, audit_record
from tular.workspaces.models import Invitation, Membership, Role, UserPreference, Workspace

INVITATION_VALID_DAYS = 7
ROLES = {role.value for role in Role}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(value: str, *, field: str = "email") -> str:
    """The address as it is kept for people: valid, lower-cased (addresses are matched without
    case everywhere in the console)."""
    try:
        return validate_email(str(value).strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise Invalid([field], _("Enter a valid e-mail address.")) from None


def _role(value: str, *, field: str = "role") -> str:
    if value not in ROLES:
        raise Invalid([field], _("Choose owner, manager or viewer."))
    return value


def _locked(model, workspace: Workspace, row_id, *, related: str):
    """The workspace's `model` row of `row_id` (as it came: junk or out of range → None), locked
    for the rest of the transaction."""
    try:
        pk = int(row_id)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return (
        model.objects.select_for_update(no_key=True)
        .select_related(related)
        .filter(workspace=workspace, pk=pk)
        .first()
    )


def _user_of(actor: Actor | None):
    """The account behind `actor` (None for an API key, the system or a user since deleted)."""
    if actor is None or not actor.user_id:
        return None
    return get_user_model().objects.filter(pk=actor.user_id).first()


# ---------------------------------------------------------------- members


def members_filter(*, workspace: Workspace):
    """The workspace's memberships with their users (a queryset, oldest first)."""
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def member_snapshot(membership: Membership) -> dict:
    return {
        "email": membership.user.email or membership.user.get_username(),
        "role": membership.role,
    }


def _member(workspace: Workspace, membership_id) -> Membership:
    membership = _locked(Membership, workspace, membership_id, related="user")
    if membership is None:
        raise NotFound(_("This workspace has no such member."))
    return membership


def _other_owners(workspace: Workspace, membership: Membership) -> int:
    """How many owners besides this one, with the owners' rows locked: two owners demoting each
    other at the same moment cannot both pass the check."""
    owners = list(
        Membership.objects.select_for_update(no_key=True)
        .filter(workspace=workspace, role=Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return len([pk for pk in owners if pk != membership.pk])


class LastOwner(Conflict):
    def __init__(self):
        super().__init__(
            _(
                "A workspace needs at least one owner. Make another member an owner first, "
                "then change or remove this one."
            )
        )


def member_role_set(
    *, workspace: Workspace, membership_id, role: str, actor: Actor | None = None
) -> Membership:
    """Give a member another role; refused (409) when it would leave the workspace without an
    owner. Setting the role a member already has changes nothing and records nothing."""
    role = _role(role)
    with transaction.atomic():
        membership = _member(workspace, membership_id)
        if membership.role == role:
            return membership
        if membership.role == Role.OWNER and _other_owners(workspace, membership) == 0:
            raise LastOwner()
        before = member_snapshot(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            workspace=workspace,
            actor=actor,
            action="member.role_set",
            target=membership,
            before=before,
            after=member_snapshot(membership),
        )
    return membership


def member_remove(*, workspace: Workspace, membership_id, actor: Actor | None = None) -> None:
    """Remove a member from the workspace (their account stays; other workspaces keep them).
    Refused (409) for the last owner."""
    with transaction.atomic():
        membership = _member(workspace, membership_id)
        if membership.role == Role.OWNER and _other_owners(workspace, membership) == 0:
            raise LastOwner()
        before = member_snapshot(membership)
        audit_record(
            workspace=workspace,
            actor=actor,
            action="member.remove",
            target=membership,
            before=before,
        )
        membership.delete()
        UserPreference.objects.filter(
            user_id=membership.user_id, current_workspace=workspace
        ).update(current_workspace=None)


# ---------------------------------------------------------------- invitations


def invitation_status(invitation: Invitation, now=None) -> str:
    """pending, accepted, revoked or expired."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= (now or clock.now()):
        return "expired"
    return "pending"


def invitations_filter(*, workspace: Workspace, pending: bool = False):
    """The workspace's invitations (a queryset, oldest first); `pending`: only those that can
    still be accepted."""
    invitations = Invitation.objects.filter(workspace=workspace).select_related("invited_by")
    if pending:
        invitations = invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=clock.now()
        )
    return invitations.order_by("created_at", "pk")


def invitation_snapshot(invitation: Invitation) -> dict:
    return {
        "email": invitation.email,
        "role": invitation.role,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
    }


def invitation_url(token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("console:invitation-accept", args=[token])


def _inviter_name(actor: Actor | None, inviter) -> str:
    if inviter is not None:
        return inviter.get_full_name() or inviter.email or inviter.get_username()
    return actor.label if actor else "Tular"


def _send_invitation(invitation: Invitation, token: str, base_url: str, inviter_name: str) -> None:
    workspace = invitation.workspace
    language = workspace.default_language
    existing = (
        get_user_model()
        .objects.filter(username__iexact=invitation.email)
        .select_related("preference")
        .first()
    )
    preference = getattr(existing, "preference", None) if existing else None
    if preference is not None and preference.language:
        language = preference.language
    with translation.override(language):
        role_label = str(Role(invitation.role).label).lower()
    email_send(
        to=invitation.email,
        kind="invitation",
        template="invitation",
        language=language,
        workspace=workspace,
        context={
            "workspace_name": workspace.name,
            "inviter": inviter_name,
            "role_label": role_label,
            "accept_url": invitation_url(token, base_url),
            "valid_days": INVITATION_VALID_DAYS,
        },
    )


def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str,
    base_url: str,
    actor: Actor | None = None,
) -> Invitation:
    """Invite a person by e-mail: an Invitation (7 days) and the e-mail with the link, queued in
    the same transaction. 409 when the address is already a member or already has a pending
    invitation (resend that one instead)."""
    address = normalize_email(email)
    role = _role(role)
    inviter = _user_of(actor)
    with transaction.atomic():
        # Lock the workspace row: two invitations of one address at once cannot both pass.
        Workspace.objects.select_for_update(no_key=True).filter(pk=workspace.pk).first()
        if Membership.objects.filter(workspace=workspace, user__username__iexact=address).exists():
            raise FieldConflict(
                _("%(email)s is already a member.") % {"email": address}, field="email"
            )
        if invitations_filter(workspace=workspace, pending=True).filter(email=address).exists():
            raise FieldConflict(
                _("%(email)s already has a pending invitation; resend it from the list.")
                % {"email": address},
                field="email",
            )
        token = secrets.token_urlsafe(32)
        now = clock.now()
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=address,
            role=role,
            token_hash=_hash(token),
            invited_by=inviter,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
        )
        audit_record(
            workspace=workspace,
            actor=actor,
            action="invitation.create",
            target=invitation,
            after=invitation_snapshot(invitation),
        )
        _send_invitation(invitation, token, base_url, _inviter_name(actor, inviter))
    return invitation


def _pending_invitation(workspace: Workspace, invitation_id) -> Invitation:
    invitation = _locked(Invitation, workspace, invitation_id, related="workspace")
    if invitation is None:
        raise NotFound(_("This workspace has no such invitation."))
    status = invitation_status(invitation)
    if status == "accepted":
        raise Conflict(_("This invitation was already accepted."))
    if status == "revoked":
        raise Conflict(_("This invitation was already revoked."))
    return invitation


def invitation_resend(
    *, workspace: Workspace, invitation_id, base_url: str, actor: Actor | None = None
) -> Invitation:
    """Send a pending (or expired) invitation again: a new link (the old one stops working),
    valid 7 days from now."""
    inviter = _user_of(actor)
    with transaction.atomic():
        invitation = _pending_invitation(workspace, invitation_id)
        before = invitation_snapshot(invitation)
        token = secrets.token_urlsafe(32)
        invitation.token_hash = _hash(token)
        invitation.expires_at = clock.now() + timedelta(days=INVITATION_VALID_DAYS)
        invitation.save(update_fields=["token_hash", "expires_at"])
        audit_record(
            workspace=workspace,
            actor=actor,
            action="invitation.resend",
            target=invitation,
            before=before,
            after=invitation_snapshot(invitation),
        )
        _send_invitation(invitation, token, base_url, _inviter_name(actor, inviter))
    return invitation


def invitation_revoke(
    *, workspace: Workspace, invitation_id, actor: Actor | None = None
) -> Invitation:
    """Revoke an invitation that was not accepted yet: its link stops working (409 when it was
    already accepted or revoked)."""
    with transaction.atomic():
        invitation = _pending_invitation(workspace, invitation_id)
        before = invitation_snapshot(invitation)
        invitation.revoked_at = clock.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            workspace=workspace,
            actor=actor,
            action="invitation.revoke",
            target=invitation,
            before=before,
            after=invitation_snapshot(invitation),
        )
    return invitation


class InvitationUnusable(Conflict):
    """The link cannot be used: `reason` is accepted, revoked or expired."""

    def __init__(self, reason: str):
        messages = {
            "accepted": _("This invitation was already accepted."),
            "revoked": _("This invitation was withdrawn by the workspace's owner."),
            "expired": _("This invitation has expired. Ask the owner to send a new one."),
        }
        super().__init__(messages[reason])
        self.reason = reason


def invitation_find(*, token: str) -> Invitation:
    """The invitation of a link's token (404 for an unknown token), whatever its status."""
    if not token or len(token) > 100:
        raise NotFound(_("This invitation link is not valid."))
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=_hash(token))
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    return invitation


@dataclass(frozen=True)
class Accepted:
    membership: Membership
    user: object
    created_user: bool


def invitation_accept(
    *, token: str, user=None, name: str = "", password: str | None = None
) -> Accepted:
    """Accept an invitation: as the signed-in `user` (whose address must be the invited one),
    or as a new person (`name`, `password`, already validated) whose account is created with the
    invited address as username. Refused (409) when used, revoked or expired; a second accept
    of the same link is refused, never a second membership."""
    User = get_user_model()
    with transaction.atomic():
        found = invitation_find(token=token)
        invitation = (
            Invitation.objects.select_for_update(no_key=True)
            .select_related("workspace")
            .get(pk=found.pk)
        )
        status = invitation_status(invitation)
        if status != "pending":
            raise InvitationUnusable(status)
        created = False
        if user is None:
            if User.objects.filter(username__iexact=invitation.email).exists():
                raise Conflict(_("An account with this e-mail already exists: sign in to accept."))
            if not password:
                raise Invalid(["password"], _("Choose a password."))
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        username=invitation.email,
                        email=invitation.email,
                        password=password,
                        first_name=name.strip()[:150],
                    )
            except IntegrityError:
                raise Conflict(
                    _("An account with this e-mail already exists: sign in to accept.")
                ) from None
            created = True
        elif (user.email or user.get_username()).lower() != invitation.email and (
            user.get_username().lower() != invitation.email
        ):
            raise Conflict(
                _("This invitation is for %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email}
            )
        actor = Actor.for_user(user)
        membership, joined = Membership.objects.get_or_create(
            workspace=invitation.workspace,
            user=user,
            defaults={"role": invitation.role, "created_at": clock.now()},
        )
        before = invitation_snapshot(invitation)
        invitation.accepted_at = clock.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            workspace=invitation.workspace,
            actor=actor,
            action="invitation.accept",
            target=invitation,
            before=before,
            after=invitation_snapshot(invitation),
        )
        if joined:
            audit_record(
                workspace=invitation.workspace,
                actor=actor,
                action="member.add",
                target=membership,
                after=member_snapshot(membership),
            )
        preference, _created = UserPreference.objects.get_or_create(user=user)
        preference.current_workspace = invitation.workspace
        preference.save(update_fields=["current_workspace"])
    return Accepted(membership=membership, user=user, created_user=created)
