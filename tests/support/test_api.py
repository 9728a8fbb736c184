"""/api/v1/tickets: the team's side with a secret key; problems for every refusal."""

import pytest

from tests.helpers import assert_problem
from tular.messaging.models import OutboundEmail
from tular.support.models import Ticket
from tular.workspaces.models import AuditEntry

BODY = {
    "program": "mitra",
    "partner_external_id": "mitra_sinar",
    "subject": "Link rujukan tidak jalan",
    "body": "Link kami menampilkan halaman 404.",
    "category": "technical",
}


@pytest.fixture
def opened(api, sinar, manager, frozen_clock):
    response = api.post("/api/v1/tickets", BODY)
    assert response.status_code == 201, response.content
    return response.json()


def test_open_read_answer_close(api, opened, sinar, frozen_clock):
    assert opened["status"] == "new"
    assert opened["category"] == "technical" and opened["priority"] == "normal"
    assert opened["waiting_since"] == "2026-05-18T09:00:00Z"
    assert opened["contact"] == {"name": "PT Sinar", "email": "mitra_sinar@mitra.example"}
    assert [m["author"] for m in opened["messages"]] == ["partner"]
    frozen_clock.advance(hours=2)
    answered = api.post(
        f"/api/v1/tickets/{opened['id']}/messages",
        {"body": "Sudah kami perbaiki, silakan coba lagi.", "author_name": "Rina"},
    )
    assert answered.status_code == 201, answered.content
    ticket = answered.json()
    assert ticket["status"] == "waiting_on_partner" and ticket["waiting_since"] is None
    assert ticket["messages"][-1]["author_name"] == "Rina"
    assert OutboundEmail.objects.filter(to=sinar.email).count() == 1
    note = api.post(
        f"/api/v1/tickets/{opened['id']}/messages",
        {"body": "Penyebab: domain lama.", "internal": True},
    ).json()
    assert note["messages"][-1]["internal"] is True
    assert OutboundEmail.objects.filter(to=sinar.email).count() == 1  # nothing to the partner
    closed = api.post(f"/api/v1/tickets/{opened['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_by"].startswith("API key ")
    assert_problem(api.post(f"/api/v1/tickets/{opened['id']}/close"), 409)
    reopened = api.post(f"/api/v1/tickets/{opened['id']}/reopen").json()
    assert reopened["status"] == "waiting_on_partner"
    got = api.get(f"/api/v1/tickets/{opened['id']}").json()
    assert len(got["messages"]) == 3
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"ticket.open", "ticket.reply", "ticket.note", "ticket.close"} <= actions


def test_the_partner_side_through_the_api(api, opened, manager):
    OutboundEmail.objects.all().delete()
    response = api.post(
        f"/api/v1/tickets/{opened['id']}/messages",
        {"body": "Tambahan: hanya di ponsel.", "author": "partner"},
    )
    assert response.json()["messages"][-1]["author"] == "partner"
    assert [e.to for e in OutboundEmail.objects.all()] == ["rina@toko.example"]
    refused = api.post(
        f"/api/v1/tickets/{opened['id']}/messages",
        {"body": "x", "author": "partner", "internal": True},
    )
    assert assert_problem(refused, 422)["errors"][0]["loc"] == ["body", "internal"]


def test_list_filters_and_pages(api, opened, sinar, cahaya, manager):
    second = api.post(
        "/api/v1/tickets", {**BODY, "partner_external_id": "mitra_cahaya", "subject": "Dua"}
    ).json()
    assigned = api.request(
        "PATCH", f"/api/v1/tickets/{second['id']}", {"assignee": manager.email, "priority": "high"}
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"] == manager.email
    assert assigned.json()["priority"] == "high"
    page = api.get("/api/v1/tickets?limit=1").json()
    assert [item["id"] for item in page["items"]] == [opened["id"]]
    assert page["items"][0]["messages"] is None
    rest = api.get(f"/api/v1/tickets?limit=1&after={page['next']}").json()
    assert [item["id"] for item in rest["items"]] == [second["id"]] and rest["next"] is None
    mine = api.get(f"/api/v1/tickets?assignee={manager.email}").json()["items"]
    assert [item["id"] for item in mine] == [second["id"]]
    nobody = api.get("/api/v1/tickets?assignee=none").json()["items"]
    assert [item["id"] for item in nobody] == [opened["id"]]
    by_partner = api.get("/api/v1/tickets?partner_external_id=mitra_cahaya").json()["items"]
    assert [item["id"] for item in by_partner] == [second["id"]]
    assert api.get("/api/v1/tickets?status=needs_reply").json()["items"][0]["status"] == "new"
    assert_problem(api.get("/api/v1/tickets?status=bogus"), 422)


@pytest.mark.parametrize(
    ("changes", "status", "loc"),
    [
        ({"subject": ""}, 422, "subject"),
        ({"subject": "x" * 201}, 422, "subject"),
        ({"body": "   "}, 422, "body"),
        ({"body": "x" * 10_001}, 422, "body"),
        ({"category": "gossip"}, 422, "category"),
        ({"contact": {"email": "bukan-email"}}, 422, "contact"),
        ({"program": "nope"}, 422, "program"),
        ({"partner_external_id": "nobody"}, 404, None),
    ],
)
def test_refusals_are_problems(api, sinar, changes, status, loc):
    problem = assert_problem(api.post("/api/v1/tickets", {**BODY, **changes}), status)
    if loc:
        assert loc in problem["errors"][0]["loc"]
    assert not Ticket.objects.exists()


def test_assignee_must_be_an_owner_or_manager(api, opened, viewer):
    refused = api.request("PATCH", f"/api/v1/tickets/{opened['id']}", {"assignee": viewer.email})
    assert_problem(refused, 422)


def test_other_workspaces_and_publishable_keys_see_nothing(
    api, opened, outsider_api, publishable_api
):
    assert_problem(outsider_api.get(f"/api/v1/tickets/{opened['id']}"), 404)
    assert outsider_api.get("/api/v1/tickets").json()["items"] == []
    assert_problem(outsider_api.post(f"/api/v1/tickets/{opened['id']}/close"), 404)
    assert_problem(publishable_api.get("/api/v1/tickets"), 403)
    assert_problem(api.get("/api/v1/tickets/not-a-uuid"), 404)
