"""/api/v1/co-marketing: list, create, get with figures, update."""

from tests.helpers import assert_problem
from tular.participants.services import participant_enrol
from tular.referrals import services as use_cases

BODY = {"kind": "webinar", "title": "Webinar: toko online", "starts_on": "2026-11-01"}


def test_create_get_list_and_update(api, client, workspace, partner):
    created = api.post("/api/v1/co-marketing", {**BODY, "partner": str(partner.pk)})
    assert created.status_code == 201, created.content
    activity = created.json()
    assert activity["code"].startswith(f"{partner.code}-")
    assert activity["url"].endswith(f"/r/{activity['code']}")
    assert activity["status"] == "planned" and activity["program"] == "mitra"
    assert activity["figures"] == {
        "clicks": 0,
        "leads": 0,
        "customers": 0,
        "revenue": {},
        "rewards": {},
    }

    location = client.get(f"/r/{activity['code']}")["Location"]
    use_cases.track_signup(
        workspace=workspace,
        event_id="s1",
        customer_external_id="c1",
        email="c1@pelanggan.example",
        click_id=location.split("tular_click=")[1],
    )
    use_cases.track_sale(
        workspace=workspace,
        event_id="p1",
        customer_external_id="c1",
        amount=1_500_000_00,
        currency="IDR",
    )
    got = api.get(f"/api/v1/co-marketing/{activity['id']}").json()
    assert got["figures"] == {
        "clicks": 1,
        "leads": 1,
        "customers": 1,
        "revenue": {"IDR": 1_500_000_00},
        "rewards": {"IDR": 150_000_00},
    }

    other, _ = participant_enrol(
        program=partner.program, email="b@mitra-b.example", name="B", kind="partner"
    )
    api.post("/api/v1/co-marketing", {**BODY, "partner": str(other.pk), "kind": "event"})
    listed = api.get(f"/api/v1/co-marketing?partner={partner.pk}").json()
    assert [each["id"] for each in listed["items"]] == [activity["id"]]
    assert listed["items"][0]["figures"]["leads"] == 1
    assert len(api.get("/api/v1/co-marketing?program=mitra").json()["items"]) == 2
    assert api.get("/api/v1/co-marketing?program=nope").json()["items"] == []

    patched = api.request(
        "PATCH",
        f"/api/v1/co-marketing/{activity['id']}",
        {"status": "done", "ends_on": "2026-11-02", "budget": 500, "budget_currency": "IDR"},
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["status"], patched.json()["budget"]) == ("done", 500)
    assert patched.json()["code"] == activity["code"]


def test_problems(api, partner, reseller_program):
    assert_problem(
        api.post("/api/v1/co-marketing", {**BODY, "partner": str(reseller_program.pk)}), 422
    )
    assert_problem(
        api.post("/api/v1/co-marketing", {**BODY, "partner": str(partner.pk), "kind": "party"}),
        422,
    )
    assert_problem(
        api.post(
            "/api/v1/co-marketing",
            {**BODY, "partner": str(partner.pk), "ends_on": "2026-10-01"},
        ),
        422,
    )
    assert_problem(
        api.post(
            "/api/v1/co-marketing", {**BODY, "partner": str(partner.pk), "code": partner.code}
        ),
        409,
    )
    activity = api.post("/api/v1/co-marketing", {**BODY, "partner": str(partner.pk)}).json()
    assert_problem(
        api.request("PATCH", f"/api/v1/co-marketing/{activity['id']}", {"code": "X-Y-Z"}), 422
    )
    assert_problem(
        api.request("PATCH", f"/api/v1/co-marketing/{activity['id']}", {"title": None}), 422
    )
    assert_problem(api.get("/api/v1/co-marketing/not-an-id"), 404)
    assert_problem(api.get(f"/api/v1/co-marketing/{partner.pk}"), 404)
