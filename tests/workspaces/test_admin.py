"""Story: a superuser revokes API keys in Django's admin, through the service (audited); keys
are never added, deleted or un-revoked there."""

from tular.workspaces.models import ApiKey, AuditEntry
from tular.workspaces.services import api_key_authenticate, api_key_create, api_key_revoke


def test_the_revoke_action_revokes_through_the_service_as_the_user(
    admin_client, admin_user, workspace
):
    key, raw = api_key_create(workspace=workspace)
    response = admin_client.post(
        "/admin/workspaces/apikey/",
        {"action": "revoke", "_selected_action": [str(key.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert api_key_authenticate(raw) is None
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert entry.actor_user == admin_user


def test_an_already_revoked_key_is_a_warning_not_an_error(admin_client, workspace):
    key, _ = api_key_create(workspace=workspace)
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    response = admin_client.post(
        "/admin/workspaces/apikey/",
        {"action": "revoke", "_selected_action": [str(key.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "already revoked" in response.content.decode()


def test_revoked_at_cannot_be_edited_and_keys_cannot_be_deleted(admin_client, workspace):
    key, _raw = api_key_create(workspace=workspace)
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    page = admin_client.get(f"/admin/workspaces/apikey/{key.pk}/change/")
    assert page.status_code == 200
    assert 'name="revoked_at' not in page.content.decode()
    admin_client.post(
        f"/admin/workspaces/apikey/{key.pk}/change/", {"name": "x", "revoked_at_0": ""}
    )
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert admin_client.get(f"/admin/workspaces/apikey/{key.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/workspaces/apikey/add/").status_code == 403
