"""Workspaces and API keys: creation and authentication."""

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tular.core import clock
from tular.workspaces.models import ApiKey, Workspace

SECRET_KEY_PREFIX = "tular_sk_"  # noqa: S105 - a public prefix, not a secret
PUBLISHABLE_KEY_PREFIX = "tular_pk_"


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


def api_key_create(
    *, workspace: Workspace, publishable: bool = False, name: str = ""
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is shown once and never stored."""
    raw = (PUBLISHABLE_KEY_PREFIX if publishable else SECRET_KEY_PREFIX) + secrets.token_urlsafe(30)
    key = ApiKey.objects.create(
        workspace=workspace,
        name=name,
        prefix=raw[: len(SECRET_KEY_PREFIX) + 6],
        key_hash=hash_key(raw),
        publishable=publishable,
    )
    return key, raw


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    if not raw_key.startswith((SECRET_KEY_PREFIX, PUBLISHABLE_KEY_PREFIX)) or len(raw_key) > 200:
        return None
    key = (
        ApiKey.objects.select_related("workspace")
        .filter(key_hash=hash_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
