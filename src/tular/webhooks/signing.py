"""Standard Webhooks signatures, made by the spec's own library (`standardwebhooks`), so that a
receiver's library of any language verifies them."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """whsec_ and the base64 of 32 random bytes (the spec allows 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secrets_in_use: list[str], *, msg_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,<base64>` per secret, space-separated (during a
    rotation the new and the old secret both sign, so either verifies)."""
    moment = at.astimezone(UTC)
    return " ".join(
        Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body)
        for secret in secrets_in_use
    )


def headers(secrets_in_use: list[str], *, msg_id: str, at: datetime, body: str) -> dict:
    """The three headers of the spec for one attempt made at `at`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(secrets_in_use, msg_id=msg_id, at=at, body=body),
    }
