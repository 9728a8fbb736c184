"""`/r/{campaign code}` (participants.CampaignCode, a partner's co-marketing activity) through
the production WSGI callable: the fast path answers it as the participant's own code, credits
the participant and records the campaign on the click; the participant's own code records none."""

import httpx
import pytest

from tests.tracking.test_fastpath import click_id_in, keeping_test_connection
from tular.participants.models import CampaignCode, Participant
from tular.tracking import redirect
from tular.tracking.models import Click


@pytest.fixture
def client(db):
    transport = httpx.WSGITransport(app=keeping_test_connection, remote_addr="203.0.113.7")
    with httpx.Client(
        transport=transport, base_url="http://ref.toko.example", follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def campaign(participant):
    owner = Participant.objects.get(pk=participant["id"])
    return CampaignCode.objects.create(
        workspace_id=owner.workspace_id, participant=owner, code=f"{owner.code}-WBNR"
    )


def test_a_campaign_code_redirects_as_its_participants_and_tags_the_click(
    client, participant, campaign, settings
):
    settings.TULAR_REDIRECT_CACHE_SECONDS = 2  # the cached answer keeps the campaign too
    for _ in range(2):
        response = client.get(f"/r/{campaign.code.lower()}?ch=newsletter")
        assert response.status_code == 302
        location = response.headers["location"]
        assert f"via={participant['code']}&" in location
        click = Click.objects.get(pk=click_id_in(location))
        assert str(click.participant_id) == participant["id"]
        assert (click.campaign_code_id, click.channel) == (campaign.pk, "newsletter")
    own = client.get(f"/r/{participant['code']}")
    assert Click.objects.get(pk=click_id_in(own.headers["location"])).campaign_code_id is None
    # HEAD shows the way and records nothing.
    assert client.head(f"/r/{campaign.code}").status_code == 302
    assert Click.objects.count() == 3
    redirect._cache.clear()


def test_the_lookup_resolves_both_kinds_of_code(participant, campaign):
    target = redirect.lookup(participant["code"])
    assert target.campaign_code_id is None and target.code == participant["code"]
    target = redirect.lookup(campaign.code)
    assert target.campaign_code_id == campaign.pk and target.code == participant["code"]
    assert redirect.lookup("NOBODY-XYZ") is None


def test_an_unknown_code_still_meets_the_404_page(client, participant):
    assert client.get("/r/NOBODY-XYZ").status_code == 404
