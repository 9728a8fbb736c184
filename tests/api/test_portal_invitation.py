"""Story: the customer's backend enrols a customer and invites them to share at once:
POST /api/v1/participants/{id}/portal-invitation queues the e-mail the console's button sends."""

from tests.helpers import assert_problem
from tular.messaging.models import OutboundEmail
from tular.workspaces.models import AuditEntry


def url(participant) -> str:
    return f"/api/v1/participants/{participant['id']}/portal-invitation"


def test_a_secret_key_invites_the_participant(api, participant):
    response = api.post(url(participant))
    assert response.status_code == 202, response.content
    assert response.json() == {"sent_to": participant["email"], "language": "id"}
    [email] = OutboundEmail.objects.filter(kind="portal_invitation")
    assert email.to == participant["email"]
    assert participant["referral_url"] in email.body_text
    assert "/portal/link/" in email.body_text
    assert AuditEntry.objects.filter(action="participant.portal_invite").count() == 1


def test_the_fourth_invitation_of_a_day_is_a_409(api, participant):
    for _ in range(3):
        assert api.post(url(participant)).status_code == 202
    assert_problem(api.post(url(participant)), 409)
    assert OutboundEmail.objects.filter(kind="portal_invitation").count() == 3


def test_a_publishable_key_is_refused_with_403(publishable_api, participant):
    assert_problem(publishable_api.post(url(participant)), 403)
    assert not OutboundEmail.objects.exists()


def test_no_key_is_a_401(anonymous_api, participant):
    assert_problem(anonymous_api.post(url(participant)), 401)


def test_another_workspaces_participant_is_a_404(outsider_api, participant):
    assert_problem(outsider_api.post(url(participant)), 404)
    assert not OutboundEmail.objects.exists()
