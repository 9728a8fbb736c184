"""The team's rules, service by service: an invitation is accepted once; the last owner stays."""

import pytest

from tests.console.conftest import make_member
from tular.core.errors import Conflict, NotFound
from tular.messaging.models import OutboundEmail
from tular.workspaces.models import Membership, Role
from tular.workspaces.team import (
    InvitationUnusable,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    member_remove,
    member_role_set,
)


def token_of(email: OutboundEmail) -> str:
    return email.body_text.split("/console/invitations/")[1].split("/")[0]


def test_an_invitation_is_accepted_once(workspace):
    invitation_create(
        workspace=workspace, email="dewi@toko.example", role="viewer", base_url="https://t.example"
    )
    email = OutboundEmail.objects.get()
    assert "https://t.example/console/invitations/" in email.body_text
    token = token_of(email)
    accepted = invitation_accept(token=token, name="Dewi", password="kopi tubruk pagi")
    assert accepted.created_user and accepted.membership.role == Role.VIEWER
    with pytest.raises(InvitationUnusable) as refused:
        invitation_accept(token=token, user=accepted.user)
    assert refused.value.reason == "accepted"
    assert Membership.objects.filter(user=accepted.user).count() == 1


def test_only_a_hash_of_the_token_is_kept(workspace):
    invitation = invitation_create(
        workspace=workspace, email="dewi@toko.example", role="viewer", base_url="https://t.example"
    )
    token = token_of(OutboundEmail.objects.get())
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64


def test_an_unknown_token_is_not_found(db):
    with pytest.raises(NotFound):
        invitation_accept(token="x" * 43, name="X", password="kopi tubruk pagi")


def test_two_owners_can_demote_each_other_only_once(workspace):
    first = make_member(workspace, "a@toko.example", Role.OWNER)
    second = make_member(workspace, "b@toko.example", Role.OWNER)
    member_role_set(
        workspace=workspace, membership_id=Membership.objects.get(user=first).pk, role="manager"
    )
    with pytest.raises(Conflict):
        member_remove(workspace=workspace, membership_id=Membership.objects.get(user=second).pk)


def test_a_member_of_another_workspace_is_not_found(workspace):
    from tular.workspaces.services import workspace_get_or_create

    other = workspace_get_or_create(slug="lain", name="Lain")[0]
    stranger = make_member(other, "x@lain.example", Role.VIEWER)
    with pytest.raises(NotFound):
        member_role_set(
            workspace=workspace,
            membership_id=Membership.objects.get(user=stranger).pk,
            role="owner",
        )


@pytest.mark.parametrize("row_id", [None, "", "abc", "1.5", 0, -1, 2**63, "99999"])
def test_an_id_that_names_no_row_is_not_found(workspace, row_id):
    # given a member and an invitation exist
    make_member(workspace, "a@toko.example", Role.OWNER)
    invitation_create(
        workspace=workspace, email="dewi@toko.example", role="viewer", base_url="https://t.example"
    )
    # then an id that is junk, out of range or unknown finds neither (never a 500)
    with pytest.raises(NotFound):
        member_remove(workspace=workspace, membership_id=row_id)
    with pytest.raises(NotFound):
        invitation_revoke(workspace=workspace, invitation_id=row_id)
