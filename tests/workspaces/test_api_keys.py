"""API keys are shown once and kept only as a hash; workspaces are created idempotently."""

import pytest

from tular.workspaces.models import ApiKey, Workspace
from tular.workspaces.services import (
    api_key_authenticate,
    api_key_create,
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
    api_key_revoke(key=key)
    assert api_key_authenticate(raw) is None


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
