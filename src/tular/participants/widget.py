"""Short-lived tokens for the in-app "Invite friends" panel (R11).

The customer's backend, signed in as its own user, asks the API for a token for that user's
participant (POST /api/v1/participants/{id}/widget-token); its page opens the panel
(`Tular.openPanel({token})` from /static/tular.js), an iframe of /portal/widget?token=…, which
shows that participant's link and share buttons. The token is the whole authorisation: signed
with the server's secret (django.core.signing, salt "tular.widget"), naming the participant and
when it expires (10 minutes after issue, read from `core.clock`, so tests can move time). It
opens no session and grants nothing else: a reader of the token sees one person's link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing

from tular.core import clock
from tular.core.ids import parse_uuid
from tular.participants.models import Participant

SALT = "tular.widget"
VALID_FOR = timedelta(minutes=10)


def widget_token(*, participant: Participant) -> tuple[str, datetime]:
    """A token opening `participant`'s panel, and when it stops working."""
    expires_at = (clock.now() + VALID_FOR).replace(microsecond=0)
    payload = {"p": participant.pk.hex, "e": int(expires_at.timestamp())}
    return signing.dumps(payload, salt=SALT, compress=True), expires_at


def _read(token: str) -> tuple[object, int] | None:
    """(participant id, expiry as a Unix time) from an untampered token, else None."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    participant_id = parse_uuid(str(payload.get("p", "")))
    expires = payload.get("e")
    if participant_id is None or not isinstance(expires, int):
        return None
    return participant_id, expires


def widget_token_expired(*, token: str) -> bool:
    """Whether `token` is genuine but past its time (the panel then says "open it again")."""
    read = _read(token)
    return read is not None and clock.now().timestamp() >= read[1]


def widget_participant(*, token: str) -> Participant | None:
    """The participant a valid token names; None when it is tampered, expired or unknown."""
    read = _read(token)
    if read is None or clock.now().timestamp() >= read[1]:
        return None
    return Participant.objects.select_related("program", "workspace").filter(pk=read[0]).first()
