"""Invite on a member in the console e-mails that member, at their own address, a sign-in link
that opens the partner's portal."""

import pytest
from django.test import Client

from tests.console.conftest import client_for, make_member
from tests.portal.test_signin import link_in, path_of
from tular.messaging.models import OutboundEmail
from tular.partners.profiles import member_add
from tular.workspaces.models import Role


@pytest.fixture
def manager_client(workspace):
    return client_for(make_member(workspace, "manager@toko.example", Role.MANAGER))


def test_invite_in_the_console_reaches_a_member_with_another_address(manager_client, partner):
    dedi = member_add(profile=partner.partner_profile, name="Dedi", email="dedi@mitra.example")
    response = manager_client.post(f"/console/partners/members/{dedi.pk}/invite")
    assert response.status_code == 302
    invitation = OutboundEmail.objects.get(kind="portal_invitation")
    assert invitation.to == "dedi@mitra.example"
    dedi.refresh_from_db()
    assert dedi.invited_at is not None
    url, _token = link_in(invitation.body_text)
    member = Client(headers={"Accept-Language": "id"})
    landed = member.post(path_of(url))["Location"]
    assert member.get(landed).status_code == 200
    assert partner.code in member.get(landed).text
