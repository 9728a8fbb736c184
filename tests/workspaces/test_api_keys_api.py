"""Story: the owner manages the workspace's API keys over the API: lists them (never the key
itself), creates one (shown once), revokes one (refused from the next request on)."""

import pytest

from tests.helpers import Api, assert_problem
from tular.workspaces.models import ApiKey, AuditEntry


def own_key(api) -> ApiKey:
    return ApiKey.objects.get(prefix=api.key[:15])


def test_a_new_key_is_shown_once_and_works(api, workspace):
    # when
    response = api.post("/api/v1/api-keys", {"name": "server toko"})
    # then
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["key"].startswith("tular_sk_") and created["key"].startswith(created["prefix"])
    assert created["name"] == "server toko" and created["publishable"] is False
    assert created["revoked_at"] is None
    assert Api(created["key"]).get("/api/v1/programs").status_code == 200
    # and the list never shows it again
    listed = api.get("/api/v1/api-keys").content.decode()
    assert created["key"] not in listed
    assert ApiKey.objects.get(pk=created["id"]).key_hash not in listed


def test_a_publishable_key_may_only_record_clicks(api, participant):
    created = api.post("/api/v1/api-keys", {"publishable": True}).json()
    assert created["key"].startswith("tular_pk_") and created["publishable"] is True
    page_key = Api(created["key"])
    assert page_key.post("/api/v1/track/click", {"code": participant["code"]}).status_code == 201
    assert_problem(page_key.get("/api/v1/api-keys"), 403)


def test_an_empty_body_makes_an_unnamed_secret_key(api):
    response = api.post("/api/v1/api-keys", raw="")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "" and response.json()["publishable"] is False


@pytest.mark.parametrize(
    "body",
    [{"name": "x" * 201}, {"publishable": "yes"}, {"key": "tular_sk_chosen"}, {"name": "a\x00"}],
)
def test_a_bad_body_is_a_422_and_creates_nothing(api, body):
    before = ApiKey.objects.count()
    assert_problem(api.post("/api/v1/api-keys", body), 422)
    assert ApiKey.objects.count() == before


def test_an_idempotency_key_is_refused_so_the_key_is_never_stored(api):
    from tular.api.models import IdempotencyRecord

    before = ApiKey.objects.count()
    response = api.post("/api/v1/api-keys", {}, headers={"Idempotency-Key": "buat-kunci-1"})
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert ApiKey.objects.count() == before
    assert not IdempotencyRecord.objects.exists()


def test_the_list_shows_what_identifies_a_key_and_revoked_ones(api, workspace):
    created = api.post("/api/v1/api-keys", {"name": "lama"}).json()
    api.post(f"/api/v1/api-keys/{created['id']}/revoke")
    items = api.get("/api/v1/api-keys").json()["items"]
    assert [item["id"] for item in items] == [own_key(api).pk, created["id"]]
    assert all(
        set(item) == {"id", "name", "prefix", "publishable", "created_at", "revoked_at"}
        for item in items
    )
    assert items[0]["revoked_at"] is None and items[1]["revoked_at"] is not None


def test_a_key_is_revoked_by_id_or_prefix_and_stops_working(api):
    first = api.post("/api/v1/api-keys", {}).json()
    second = api.post("/api/v1/api-keys", {}).json()
    # when
    by_id = api.post(f"/api/v1/api-keys/{first['id']}/revoke")
    by_prefix = api.post(f"/api/v1/api-keys/{second['prefix']}/revoke")
    # then
    assert by_id.status_code == 200 and by_id.json()["revoked_at"] is not None
    assert by_prefix.status_code == 200 and by_prefix.json()["id"] == second["id"]
    for created in (first, second):
        assert_problem(Api(created["key"]).get("/api/v1/programs"), 401)
    assert api.get("/api/v1/programs").status_code == 200


def test_revoking_a_revoked_key_is_a_409(api):
    created = api.post("/api/v1/api-keys", {}).json()
    api.post(f"/api/v1/api-keys/{created['id']}/revoke")
    assert_problem(api.post(f"/api/v1/api-keys/{created['id']}/revoke"), 409)


@pytest.mark.parametrize("key_id", ["999999", "tular_sk_nothing", "-1", "x" * 300, "%00"])
def test_an_unknown_key_is_a_404(api, key_id):
    assert_problem(api.post(f"/api/v1/api-keys/{key_id}/revoke"), 404)


def test_another_workspaces_key_is_a_404_and_keeps_working(api, outsider_api):
    outsiders = own_key(outsider_api)
    for key_id in (outsiders.pk, outsiders.prefix):
        assert_problem(api.post(f"/api/v1/api-keys/{key_id}/revoke"), 404)
    assert outsider_api.get("/api/v1/programs").status_code == 200
    assert outsiders.prefix not in api.get("/api/v1/api-keys").content.decode()


def test_a_key_may_revoke_itself_and_is_refused_from_then_on(api):
    response = api.post(f"/api/v1/api-keys/{own_key(api).pk}/revoke")
    assert response.status_code == 200
    assert_problem(api.get("/api/v1/programs"), 401)


def test_a_publishable_key_may_not_create_or_revoke(publishable_api, api):
    assert_problem(publishable_api.post("/api/v1/api-keys", {}), 403)
    assert_problem(publishable_api.post(f"/api/v1/api-keys/{own_key(api).pk}/revoke"), 403)
    assert api.get("/api/v1/programs").status_code == 200


def test_create_and_revoke_are_audited_with_the_calling_key(api):
    caller = own_key(api)
    created = api.post("/api/v1/api-keys", {"name": "ci"}).json()
    api.post(f"/api/v1/api-keys/{created['id']}/revoke")
    entries = AuditEntry.objects.filter(target_id=str(created["id"])).order_by("pk")
    assert [entry.action for entry in entries] == ["api_key.create", "api_key.revoke"]
    assert all(entry.actor_api_key_id == caller.pk for entry in entries)
    assert entries[1].before["revoked_at"] is None and entries[1].after["revoked_at"]
    assert all(created["key"] not in str(entry.after) for entry in entries)
