"""Story: the owner looks up a referrer to see how their link is doing."""

import pytest

from tests.helpers import assert_problem


def test_a_participant_shows_their_stats_and_balances(api, participant, settings):
    # when
    response = api.get(f"/api/v1/participants/{participant['id']}")
    # then the enrolment's shape, plus stats and balances
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in participant} == participant
    assert body["stats"] == {"clicks": 0, "signups": 0, "conversions": 0}
    assert body["balances"] == []


def test_clicks_on_the_link_are_counted(api, publishable_api, participant):
    # given two visits through the link and one click recorded by the snippet
    api.client.get(f"/r/{participant['code']}")
    api.client.get(f"/r/{participant['code'].lower()}")
    publishable_api.post("/api/v1/track/click", {"code": participant["code"]})
    # then
    stats = api.get(f"/api/v1/participants/{participant['id']}").json()["stats"]
    assert stats["clicks"] == 3


@pytest.mark.parametrize(
    "participant_id",
    ["0193a6f0-0000-7000-8000-000000000000", "not-a-uuid", "123", "%00", "0" * 200],
)
def test_an_unknown_or_malformed_id_is_a_404_problem(api, participant, participant_id):
    assert_problem(api.get(f"/api/v1/participants/{participant_id}"), 404)


def test_an_outsider_gets_404_for_the_owners_participant(outsider_api, participant):
    assert_problem(outsider_api.get(f"/api/v1/participants/{participant['id']}"), 404)
