"""Workspaces and API keys: creation, listing, revocation and authentication."""

import hashlib
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tular.core import clock
from tular.core.errors import Conflict, NotFound
from tular.core.reads import JoinedRead
from tular.workspaces.audit import Actor, audit_record
from tular.workspaces.models import ApiKey, Workspace

SECRET_KEY_PREFIX = "tular_sk_"  # noqa: S105 - a public prefix, not a secret
PUBLISHABLE_KEY_PREFIX = "tular_pk_"
PREFIX = re.compile(r"[A-Za-z0-9_-]{1,16}")


def hash_key(raw_key: str) -> str:
    # Keys carry 240 bits of randomness, so a fast hash is enough (no brute force is feasible).
    return hashlib.sha256(raw_key.encode()).hexdigest()


def workspace_get_or_create(*, slug: str, name: str | None = None) -> tuple[Workspace, bool]:
    clean_slug = slugify(slug)[:50]
    if not clean_slug or clean_slug != slug:
        raise ValueError(f"invalid workspace slug {slug!r}: use lowercase letters, digits, '-'")
    try:
        with transaction.atomic():
            return Workspace.objects.get_or_create(
                slug=clean_slug, defaults={"name": name or clean_slug.replace("-", " ").title()}
            )
    except IntegrityError:  # created by a concurrent call between the get and the create
        return Workspace.objects.get(slug=clean_slug), False


def api_key_snapshot(key: ApiKey) -> dict:
    """What the audit log keeps of a key (never its hash)."""
    return {
        "name": key.name,
        "prefix": key.prefix,
        "publishable": key.publishable,
        "revoked_at": key.revoked_at,
    }


def api_key_create(
    *, workspace: Workspace, publishable: bool = False, name: str = "", actor: Actor | None = None
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is shown once and never stored."""
    raw = (PUBLISHABLE_KEY_PREFIX if publishable else SECRET_KEY_PREFIX) + secrets.token_urlsafe(30)
    with transaction.atomic():
        key = ApiKey.objects.create(
            workspace=workspace,
            name=name,
            prefix=raw[: len(SECRET_KEY_PREFIX) + 6],
            key_hash=hash_key(raw),
            publishable=publishable,
        )
        audit_record(
            workspace=workspace,
            actor=actor,
            action="api_key.create",
            target=key,
            after=api_key_snapshot(key),
        )
    return key, raw


def api_keys_filter(*, workspace: Workspace):
    """The workspace's keys, revoked ones too (a queryset, for the API's pages)."""
    return ApiKey.objects.filter(workspace=workspace)


def api_key_list(*, workspace: Workspace) -> list[ApiKey]:
    """Every key of the workspace, newest first; revoked ones too (with `revoked_at`)."""
    return list(api_keys_filter(workspace=workspace).order_by("-pk"))


def api_key_find(*, workspace: Workspace, key_id_or_prefix: str) -> ApiKey:
    """The workspace's key with this numeric id, or with this prefix (as `apikey list` shows it).

    A prefix shared by several keys (36 random bits make it rare) names the one not revoked;
    if that is still several, the caller must use the id (409)."""
    wanted = str(key_id_or_prefix).strip().removesuffix("…")
    keys = ApiKey.objects.filter(workspace=workspace)
    if wanted.isdigit() and len(wanted) < 19:
        key = keys.filter(pk=int(wanted)).first()
        if key is None:
            raise NotFound(f"no API key {wanted} in this workspace")
        return key
    plausible = PREFIX.fullmatch(wanted)  # never sends NUL or the like to the database
    matches = list(keys.filter(prefix=wanted).order_by("-pk")[:10]) if plausible else []
    if len(matches) > 1:
        active = [key for key in matches if key.revoked_at is None]
        if len(active) == 1:
            return active[0]
        raise Conflict(f"several API keys start with {wanted!r}; name the key by its id")
    if not matches:
        raise NotFound(f"no API key {wanted!r} in this workspace")
    return matches[0]


def api_key_revoke(
    *, workspace: Workspace, key_id_or_prefix: str, actor: Actor | None = None
) -> ApiKey:
    """Revoke a key (found by id or prefix within the workspace): it stops authenticating at once.

    404 when the workspace has no such key, 409 when it is already revoked. A key may revoke
    itself: the request that does it completes, the next one is refused (401)."""
    with transaction.atomic():
        found = api_key_find(workspace=workspace, key_id_or_prefix=key_id_or_prefix)
        key = ApiKey.objects.select_for_update(no_key=True).get(pk=found.pk)
        if key.revoked_at is not None:
            raise Conflict(f"the API key {key.prefix}… was already revoked")
        before = api_key_snapshot(key)
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            workspace=workspace,
            actor=actor,
            action="api_key.revoke",
            target=key,
            before=before,
            after=api_key_snapshot(key),
        )
    return key


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    if not raw_key.startswith((SECRET_KEY_PREFIX, PUBLISHABLE_KEY_PREFIX)) or len(raw_key) > 200:
        return None
    key = _key_by_hash(hash_key(raw_key))
    return key if key is not None and key.revoked_at is None else None


# `ApiKey.objects.select_related("workspace").filter(key_hash=...)[:1]` (key_hash is unique),
# read on every API request: the ORM compiled it in about a fifth of a tracked sale's CPU.
_key_by_hash = JoinedRead(
    (("k", ApiKey, None), ("w", Workspace, ApiKey._meta.get_field("workspace"))),
    where=("key_hash",),
    inner=("workspace",),
)
