"""Story: an integrator manages the workspace's settings, team and invitations over the API and
reads its audit log; another workspace's key never sees any of it."""

import pytest

from tests.console.conftest import make_member
from tests.helpers import assert_problem
from tular.messaging.models import OutboundEmail
from tular.workspaces.models import AuditEntry, Invitation, Membership, Role


@pytest.fixture
def sari(workspace):
    return make_member(workspace, "sari@toko.example", Role.OWNER)


@pytest.fixture
def budi(workspace):
    return make_member(workspace, "budi@toko.example", Role.MANAGER)


def member_id(user) -> int:
    return Membership.objects.get(user=user).pk


# ---------------------------------------------------------------- the workspace


def test_the_workspace_is_read_and_changed(api, workspace):
    body = api.get("/api/v1/workspace").json()
    assert body == {
        "slug": "toko-andalan",
        "name": "Toko Andalan",
        "brand_color": "#0054a6",
        "default_language": "id",
        "time_zone": "Asia/Jakarta",
        "logo_url": None,
    }
    response = api.request(
        "PATCH", "/api/v1/workspace", {"name": "Toko Andalan Jaya", "time_zone": "Asia/Makassar"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Toko Andalan Jaya"
    assert response.json()["time_zone"] == "Asia/Makassar"
    entry = AuditEntry.objects.get(action="workspace.update")
    assert entry.before == {"name": "Toko Andalan", "time_zone": "Asia/Jakarta"}
    assert entry.actor.startswith("API key ")


@pytest.mark.parametrize(
    "body",
    [
        {"brand_color": "blue"},
        {"time_zone": "Mars/Olympus"},
        {"default_language": "fr"},
        {"name": None},
        {"name": ""},
        {"logo": "x"},
        {"slug": "baru"},
    ],
)
def test_a_bad_change_is_a_422_and_changes_nothing(api, workspace, body):
    assert_problem(api.request("PATCH", "/api/v1/workspace", body), 422)
    workspace.refresh_from_db()
    assert workspace.name == "Toko Andalan" and workspace.time_zone == "Asia/Jakarta"


# ---------------------------------------------------------------- members


def test_members_are_listed_with_their_roles(api, sari, budi, outsider_api):
    body = api.get("/api/v1/members").json()
    assert [(m["email"], m["role"]) for m in body["items"]] == [
        ("sari@toko.example", "owner"),
        ("budi@toko.example", "manager"),
    ]
    assert body["next"] is None
    assert outsider_api.get("/api/v1/members").json()["items"] == []


def test_a_role_is_changed_and_a_member_removed(api, sari, budi):
    response = api.request("PATCH", f"/api/v1/members/{member_id(budi)}", {"role": "owner"})
    assert response.status_code == 200 and response.json()["role"] == "owner"
    response = api.request("DELETE", f"/api/v1/members/{member_id(sari)}")
    assert response.status_code == 204
    assert list(Membership.objects.values_list("user__username", "role")) == [
        ("budi@toko.example", "owner")
    ]


def test_the_last_owner_stays(api, sari, budi):
    body = assert_problem(
        api.request("PATCH", f"/api/v1/members/{member_id(sari)}", {"role": "viewer"}), 409
    )
    assert "at least one owner" in body["detail"]
    assert_problem(api.request("DELETE", f"/api/v1/members/{member_id(sari)}"), 409)
    assert Membership.objects.get(user=sari).role == Role.OWNER


def test_another_workspaces_key_gets_404_for_these_members(outsider_api, sari):
    path = f"/api/v1/members/{member_id(sari)}"
    assert_problem(outsider_api.request("PATCH", path, {"role": "viewer"}), 404)
    assert_problem(outsider_api.request("DELETE", path), 404)
    assert Membership.objects.filter(user=sari).exists()


@pytest.mark.parametrize("body", [{"role": "admin"}, {}, {"role": "owner", "x": 1}])
def test_a_bad_role_is_a_422(api, budi, body):
    assert_problem(api.request("PATCH", f"/api/v1/members/{member_id(budi)}", body), 422)


# ---------------------------------------------------------------- invitations


def test_an_invitation_is_created_listed_resent_and_revoked(api, sari):
    response = api.post("/api/v1/invitations", {"email": "Dewi@Toko.example", "role": "viewer"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["email"], created["role"], created["status"]) == (
        "dewi@toko.example",
        "viewer",
        "pending",
    )
    email = OutboundEmail.objects.get(kind="invitation")
    assert "http://testserver/console/invitations/" in email.body_text
    assert_problem(
        api.post("/api/v1/invitations", {"email": "dewi@toko.example", "role": "viewer"}), 409
    )
    assert_problem(
        api.post("/api/v1/invitations", {"email": "sari@toko.example", "role": "viewer"}), 409
    )
    listed = api.get("/api/v1/invitations?pending=true").json()["items"]
    assert [i["id"] for i in listed] == [created["id"]]
    resent = api.post(f"/api/v1/invitations/{created['id']}/resend")
    assert resent.status_code == 200
    assert OutboundEmail.objects.filter(kind="invitation").count() == 2
    revoked = api.post(f"/api/v1/invitations/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert_problem(api.post(f"/api/v1/invitations/{created['id']}/revoke"), 409)
    assert api.get("/api/v1/invitations?pending=true").json()["items"] == []
    actions = AuditEntry.objects.filter(action__startswith="invitation.").order_by("pk")
    assert list(actions.values_list("action", flat=True)) == [
        "invitation.create",
        "invitation.resend",
        "invitation.revoke",
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "bukan-alamat", "role": "viewer"},
        {"email": "a@b.example", "role": "boss"},
        {"email": "a@b.example"},
    ],
)
def test_a_bad_invitation_is_a_422_and_sends_nothing(api, body):
    assert_problem(api.post("/api/v1/invitations", body), 422)
    assert not Invitation.objects.exists() and not OutboundEmail.objects.exists()


def test_another_workspaces_key_cannot_revoke(api, outsider_api):
    created = api.post("/api/v1/invitations", {"email": "dewi@toko.example", "role": "viewer"})
    assert_problem(outsider_api.post(f"/api/v1/invitations/{created.json()['id']}/revoke"), 404)
    assert outsider_api.get("/api/v1/invitations").json()["items"] == []


# ---------------------------------------------------------------- the audit log


def test_the_audit_log_in_pages_and_filters(api, outsider_api, frozen_clock):
    # given the key's own creation (by the system), three keys and a change of name
    for n in range(3):
        api.post("/api/v1/api-keys", {"name": f"kunci {n}"})
        frozen_clock.advance(days=1)
    api.request("PATCH", "/api/v1/workspace", {"name": "Baru"})
    # pages in the order it happened
    first = api.get("/api/v1/audit-log?limit=2").json()
    assert [e["action"] for e in first["items"]] == ["api_key.create", "api_key.create"]
    second = api.get(f"/api/v1/audit-log?limit=2&after={first['next']}").json()
    rest = api.get(f"/api/v1/audit-log?limit=2&after={second['next']}").json()
    assert [e["action"] for e in rest["items"]] == ["workspace.update"]
    assert rest["next"] is None
    assert rest["items"][0]["before"] == {"name": "Toko Andalan"}
    # filters
    by_action = api.get("/api/v1/audit-log?action=workspace.update").json()["items"]
    assert len(by_action) == 1
    by_type = api.get("/api/v1/audit-log?object_type=workspaces.apikey").json()["items"]
    assert len(by_type) == 4
    day = frozen_clock.now.date().isoformat()
    by_day = api.get(f"/api/v1/audit-log?from={day}&to={day}").json()["items"]
    assert [e["action"] for e in by_day] == ["workspace.update"]
    assert api.get("/api/v1/audit-log?actor=nobody").json()["items"] == []
    assert len(api.get("/api/v1/audit-log?actor=api+key").json()["items"]) == 4
    assert len(api.get("/api/v1/audit-log?actor=system").json()["items"]) == 1
    # another workspace sees only its own (the creation of its key)
    theirs = outsider_api.get("/api/v1/audit-log").json()["items"]
    assert [(e["actor"], e["action"]) for e in theirs] == [("system", "api_key.create")]


@pytest.mark.parametrize("query", ["from=kemarin", "to=2026-13-01", "limit=0", "after=-1"])
def test_a_bad_audit_query_is_a_422(api, query):
    assert_problem(api.get(f"/api/v1/audit-log?{query}"), 422)
