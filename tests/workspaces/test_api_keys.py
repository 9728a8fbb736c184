"""API keys are shown once and kept only as a hash; workspaces are created idempotently."""

import pytest

from tular.core.errors import Conflict, NotFound
from tular.workspaces.audit import Actor
from tular.workspaces.models import ApiKey, AuditEntry, Workspace
from tular.workspaces.services import (
    api_key_authenticate,
    api_key_create,
    api_key_list,
    api_key_revoke,
    hash_key,
    workspace_get_or_create,
)


def test_keys_are_stored_hashed_never_raw(workspace):
    # when a key is created
    key, raw = api_key_create(workspace=workspace)
    # then the row holds only a hash and a short identifying prefix
    row = ApiKey.objects.filter(pk=key.pk).values().get()
    assert row["key_hash"] == hash_key(raw)
    assert all(raw not in str(value) for value in row.values())
    assert raw.startswith(row["prefix"]) and len(row["prefix"]) < len(raw) // 2
    assert raw.startswith("tular_sk_")


def test_publishable_keys_are_recognisable_and_stored_hashed(workspace):
    key, raw = api_key_create(workspace=workspace, publishable=True)
    assert raw.startswith("tular_pk_")
    row = ApiKey.objects.filter(pk=key.pk).values().get()
    assert row["publishable"] is True
    assert all(raw not in str(value) for value in row.values())


def test_two_keys_are_never_the_same(workspace):
    raws = {api_key_create(workspace=workspace)[1] for _ in range(20)}
    assert len(raws) == 20


def test_a_key_authenticates_to_its_workspace_until_revoked(workspace):
    key, raw = api_key_create(workspace=workspace)
    assert api_key_authenticate(raw).workspace == workspace
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    assert api_key_authenticate(raw) is None


def test_keys_are_listed_newest_first_with_the_revoked_ones(workspace):
    # given three keys, the middle one revoked
    first, _ = api_key_create(workspace=workspace, name="server")
    second, _ = api_key_create(workspace=workspace, name="old", publishable=True)
    third, _ = api_key_create(workspace=workspace, name="new")
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(second.pk))
    other = workspace_get_or_create(slug="pesaing")[0]
    api_key_create(workspace=other)
    # when
    keys = api_key_list(workspace=workspace)
    # then
    assert [key.pk for key in keys] == [third.pk, second.pk, first.pk]
    assert keys[1].revoked_at is not None and keys[0].revoked_at is None


def test_a_key_is_revoked_by_its_prefix(workspace):
    key, raw = api_key_create(workspace=workspace)
    revoked = api_key_revoke(workspace=workspace, key_id_or_prefix=key.prefix)
    assert revoked.pk == key.pk and revoked.revoked_at is not None
    assert api_key_authenticate(raw) is None


def test_the_prefix_as_listed_with_its_ellipsis_is_accepted(workspace):
    key, _ = api_key_create(workspace=workspace)
    assert api_key_revoke(workspace=workspace, key_id_or_prefix=f"{key.prefix}…").pk == key.pk


def test_revoking_twice_is_a_conflict_and_changes_nothing(workspace):
    key, _ = api_key_create(workspace=workspace)
    revoked_at = api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk)).revoked_at
    with pytest.raises(Conflict):
        api_key_revoke(workspace=workspace, key_id_or_prefix=str(key.pk))
    assert ApiKey.objects.get(pk=key.pk).revoked_at == revoked_at


@pytest.mark.parametrize("wanted", ["999999", "tular_sk_nothing", "", "abc", "9" * 40])
def test_an_unknown_key_is_not_found(workspace, wanted):
    api_key_create(workspace=workspace)
    with pytest.raises(NotFound):
        api_key_revoke(workspace=workspace, key_id_or_prefix=wanted)


def test_another_workspaces_key_is_not_found_and_keeps_working(workspace):
    other = workspace_get_or_create(slug="pesaing")[0]
    key, raw = api_key_create(workspace=other)
    for wanted in (str(key.pk), key.prefix):
        with pytest.raises(NotFound):
            api_key_revoke(workspace=workspace, key_id_or_prefix=wanted)
    assert api_key_authenticate(raw) is not None


def test_a_shared_prefix_names_the_active_key_or_asks_for_the_id(workspace):
    # given two keys made to share a prefix (36 random bits make it rare, not impossible)
    first, _ = api_key_create(workspace=workspace)
    second, _ = api_key_create(workspace=workspace)
    ApiKey.objects.filter(pk=second.pk).update(prefix=first.prefix)
    # then the prefix is ambiguous while both are active
    with pytest.raises(Conflict, match="by its id"):
        api_key_revoke(workspace=workspace, key_id_or_prefix=first.prefix)
    # and names the remaining active one once the other is revoked by id
    api_key_revoke(workspace=workspace, key_id_or_prefix=str(first.pk))
    assert api_key_revoke(workspace=workspace, key_id_or_prefix=first.prefix).pk == second.pk


def test_create_and_revoke_are_audited_with_who_and_before_after(workspace):
    # given
    actor = Actor.system("tular apikey")
    # when
    key, raw = api_key_create(workspace=workspace, name="ci", actor=actor)
    api_key_revoke(workspace=workspace, key_id_or_prefix=key.prefix, actor=actor)
    # then
    created, revoked = AuditEntry.objects.filter(target_id=str(key.pk)).order_by("pk")
    assert (created.action, revoked.action) == ("api_key.create", "api_key.revoke")
    assert created.actor == revoked.actor == "tular apikey"
    assert created.before is None
    assert created.after == {
        "name": "ci",
        "prefix": key.prefix,
        "publishable": False,
        "revoked_at": None,
    }
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"] is not None
    assert all(
        raw not in str(entry.after) and key.key_hash not in str(entry.after)
        for entry in (created, revoked)
    )


def test_workspaces_are_created_once(db):
    first, created = workspace_get_or_create(slug="toko-baru")
    again, created_again = workspace_get_or_create(slug="toko-baru")
    assert created and not created_again
    assert first.pk == again.pk
    assert first.name == "Toko Baru"
    assert Workspace.objects.count() == 1


@pytest.mark.parametrize("slug", ["", "Toko", "toko baru", "x" * 51])
def test_a_workspace_slug_must_already_be_a_slug(db, slug):
    with pytest.raises(ValueError, match="invalid workspace slug"):
        workspace_get_or_create(slug=slug)
