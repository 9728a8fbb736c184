from tests.helpers import assert_problem


def test_owner_creates_program_then_enrols_participant_and_follows_link(api, participant):
    # when
    response = api.client.get(f"/r/{participant['code']}")
    # then
    assert response.status_code == 302
    assert "via=" + participant["code"] in response["Location"]
    detail = api.get(f"/api/v1/participants/{participant['id']}").json()
    assert detail["stats"]["clicks"] == 1


def test_outsider_sees_404(outsider_api, participant):
    assert_problem(outsider_api.get(f"/api/v1/participants/{participant['id']}"), 404)
