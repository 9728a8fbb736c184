"""One-click unsubscribe (RFC 8058) and the workspace's list of addresses that unsubscribed.

Every pipeline or marketing e-mail carries `List-Unsubscribe: <URL>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The URL holds a signed token naming the
workspace, the address and the language of the e-mail (django.core.signing: it cannot be
forged, and it does not expire, as the RFC wants a link that keeps working). A POST to it
unsubscribes, without a sign-in; a GET only shows a page with a button, so mail scanners that
open links change nothing (the view is `portal.views.unsubscribe`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.messaging.models import Suppression

SALT = "tular.messaging.unsubscribe"
FALLBACK_BASE = "http://localhost:8000"


@dataclass(frozen=True)
class Recipient:
    workspace_id: str
    email: str
    language: str


def normalised(email: str) -> str:
    """The address as the suppression list keys it (as participants compare addresses)."""
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return email.strip().lower()


def unsubscribe_token(*, workspace, email: str, language: str) -> str:
    payload = {"w": str(_id(workspace)), "e": normalised(email), "l": language}
    return signing.dumps(payload, salt=SALT, compress=True)


def unsubscribe_url(*, workspace, email: str, language: str, base_url: str | None = None) -> str:
    """The absolute one-click URL for `email` in `workspace` (TULAR_PUBLIC_URL first)."""
    base = (settings.TULAR_PUBLIC_URL or base_url or FALLBACK_BASE).rstrip("/")
    token = unsubscribe_token(workspace=workspace, email=email, language=language)
    return base + reverse("portal:unsubscribe", args=[token])


def unsubscribe_check(*, token: str) -> Recipient | None:
    """Whom the token names; None when it was not signed by this installation."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(key), str) for key in ("w", "e", "l")
    ):
        return None
    return Recipient(workspace_id=payload["w"], email=payload["e"], language=payload["l"])


def is_suppressed(*, workspace, email: str) -> bool:
    if workspace is None:
        return False
    return Suppression.objects.filter(workspace_id=_id(workspace), email=normalised(email)).exists()


def suppress(*, workspace, email: str, source: str) -> bool:
    """Put the address on the workspace's list. True when it was not on it yet; twice (two
    clicks, the client's POST racing the page's) is one row."""
    try:
        with transaction.atomic():
            _created = Suppression.objects.get_or_create(
                workspace_id=_id(workspace),
                email=normalised(email),
                defaults={"created_at": clock.now(), "source": source},
            )[1]
    except IntegrityError:  # the other request inserted it between the read and the insert
        return False
    return _created


def resubscribe(*, workspace, email: str) -> bool:
    """Take the address off the list. True when it was on it."""
    deleted, _rows = Suppression.objects.filter(
        workspace_id=_id(workspace), email=normalised(email)
    ).delete()
    return bool(deleted)


def _id(workspace):
    return getattr(workspace, "pk", workspace)
