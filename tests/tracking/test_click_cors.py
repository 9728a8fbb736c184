"""A customer's own web page records clicks with a publishable key, across origins."""


def test_browser_preflight_for_track_click_is_allowed(publishable_api):
    # given a page on the shop's own domain
    response = publishable_api.client.options(
        "/api/v1/track/click",
        headers={
            "Origin": "https://toko.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    # then the browser may send the POST
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()


def test_cross_origin_click_is_recorded_and_readable(publishable_api, participant):
    response = publishable_api.post(
        "/api/v1/track/click",
        {"code": participant["code"]},
        headers={"Origin": "https://toko.example"},
    )
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "*"


def test_secret_endpoints_do_not_answer_cross_origin(api, program):
    response = api.get("/api/v1/programs/pelanggan", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
