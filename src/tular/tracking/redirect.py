"""The referral link: code lookup, click recording, and where the visitor goes next.

This is the hot path (design.md, "The core flow"): raw SQL on the thread's database
connection, one cached SELECT and one INSERT in autocommit, no ORM. The connection is Django's
own, so tests, transactions and settings behave exactly as on the ORM path.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DjangoDatabaseError

from tular.core.ids import new_uuid7, parse_uuid
from tular.participants.channels import channel_of
from tular.participants.codes import normalise_code

COOKIE_NAME = "tular_click"
# What a failing database raises here: the driver's own errors on raw cursors, and Django's
# wrappers when Django opens the connection (an unreachable server).
DATABASE_ERRORS: tuple[type[Exception], ...] = (DjangoDatabaseError, sqlite3.Error, psycopg.Error)
MAX_CODE_LENGTH = 32
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class LinkTarget:
    participant_id: uuid.UUID
    program_id: uuid.UUID
    workspace_id: int
    code: str
    destination_url: str
    allowed_hosts: tuple[str, ...]
    window_days: int
    # Set when the link was a campaign code (a partner's co-marketing activity): the click
    # records it; `code` is still the participant's own (the `via` of the Location).
    campaign_code_id: uuid.UUID | None = None


_LOOKUP_SQL = """
SELECT p.id, p.program_id, p.workspace_id, p.code, pr.destination_url, pr.allowed_hosts,
       pr.attribution
FROM participants_participant p JOIN programs_program pr ON pr.id = p.program_id
WHERE p.code = {param}
"""
# Asked only when no participant has the code: a campaign code (participants.CampaignCode)
# resolves to its participant, so ordinary codes cost what they did.
_CAMPAIGN_SQL = """
SELECT p.id, p.program_id, p.workspace_id, p.code, pr.destination_url, pr.allowed_hosts,
       pr.attribution, c.id
FROM participants_campaigncode c
JOIN participants_participant p ON p.id = c.participant_id
JOIN programs_program pr ON pr.id = p.program_id
WHERE c.code = {param}
"""
_INSERT_SQL = """
INSERT INTO tracking_click (id, workspace_id, program_id, participant_id, created_at, source,
                            landing_url, referrer, ip, user_agent, channel, campaign_code_id)
VALUES ({params})
"""

_cache: dict[str, tuple[float, LinkTarget | None]] = {}
_cache_lock = threading.Lock()
# Per thread: Django's raw connection and one cursor on it, reused while that connection lives.
_local = threading.local()


@functools.cache
def _statements(vendor: str) -> tuple[str, str, str]:
    """(lookup, insert, campaign lookup) with the vendor's parameter style, formatted once."""
    param = "?" if vendor == "sqlite" else "%s"
    return (
        _LOOKUP_SQL.format(param=param),
        _INSERT_SQL.format(params=", ".join([param] * 12)),
        _CAMPAIGN_SQL.format(param=param),
    )


def _cursor():
    """A cursor on this thread's raw database connection (opened if needed), and the vendor.

    Reused across requests: creating a cursor and resolving Django's thread-local connection
    proxy are a measurable share of a redirect. A new connection (after a close, an error or a
    reconnect) gets a new cursor.
    """
    wrapper = connections[DEFAULT_DB_ALIAS]
    raw = wrapper.connection
    if raw is None:
        wrapper.ensure_connection()
        raw = wrapper.connection
    cached = getattr(_local, "cursor", None)
    if cached is not None and cached[0] is raw:
        return cached[1], cached[2]
    cursor = raw.cursor()
    _local.cursor = (raw, cursor, wrapper.vendor)
    return cursor, wrapper.vendor


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def lookup(raw_code: str) -> LinkTarget | None:
    """The link behind a code, cached per process for TULAR_REDIRECT_CACHE_SECONDS."""
    code = normalise_code(raw_code)
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    ttl = settings.TULAR_REDIRECT_CACHE_SECONDS
    now = time.monotonic()
    if ttl:
        hit = _cache.get(code)
        if hit is not None and hit[0] > now:
            return hit[1]
    cursor, vendor = _cursor()
    statements = _statements(vendor)
    cursor.execute(statements[0], (code,))
    # fetchall, not fetchone: the statement must finish, or SQLite keeps a read snapshot open.
    rows = cursor.fetchall()
    if not rows:
        cursor.execute(statements[2], (code,))
        rows = cursor.fetchall()
    row = rows[0] if rows else None
    target = None
    if row is not None:
        target = LinkTarget(
            participant_id=parse_uuid(row[0]),
            program_id=parse_uuid(row[1]),
            workspace_id=row[2],
            code=row[3],
            destination_url=row[4],
            allowed_hosts=tuple(_json(row[5]) or ()),
            window_days=int((_json(row[6]) or {}).get("window_days", 30)),
            campaign_code_id=parse_uuid(row[7]) if len(row) > 7 else None,
        )
    if ttl:
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[code] = (now + ttl, target)
    return target


def forget_cached(code: str) -> None:
    """Drop a code from this process's cache (after a change to its participant or program)."""
    _cache.pop(normalise_code(code), None)


def clean_ip(raw: str | None) -> str | None:
    if not raw:
        return None
    return _clean_ip(raw)


@functools.lru_cache(maxsize=4096)
def _clean_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def record_click(
    target: LinkTarget,
    *,
    source: str,
    landing_url: str = "",
    referrer: str = "",
    ip: str | None = None,
    user_agent: str = "",
    channel: str = "",
    at: datetime | None = None,
) -> uuid.UUID:
    """Insert one click; it is committed (autocommit) when this returns, unless the caller
    holds a transaction open, in which case it commits with it."""
    click_id = new_uuid7()
    moment = datetime.now(UTC) if at is None else at.astimezone(UTC)
    cursor, vendor = _cursor()
    campaign = target.campaign_code_id
    if vendor == "sqlite":
        # Django's SQLite storage formats: UUIDs as 32 hex digits, datetimes as naive UTC text.
        values = (
            click_id.hex,
            target.workspace_id,
            target.program_id.hex,
            target.participant_id.hex,
            moment.replace(tzinfo=None).isoformat(sep=" "),
        )
        campaign = campaign.hex if campaign is not None else None
    else:
        values = (click_id, target.workspace_id, target.program_id, target.participant_id, moment)
    values += (
        source,
        landing_url[:2000],
        referrer[:2000],
        clean_ip(ip),
        user_agent[:500],
        channel_of(channel),
        campaign,
    )
    cursor.execute(_statements(vendor)[1], values)
    return click_id


def _host_allowed(host: str, target: LinkTarget) -> bool:
    destination_host = (urlsplit(target.destination_url).hostname or "").lower()
    for allowed in (destination_host, *target.allowed_hosts):
        if allowed.startswith("*.") and host.endswith(allowed[1:]):
            return True
        if host == allowed:
            return True
    return False


def deep_link(to: str | None, target: LinkTarget) -> str | None:
    """The `?to=` URL if it may be followed: an absolute http(s) URL on an allowed host, or a
    path on the destination's host. Anything else (other hosts, other schemes, backslashes and
    control characters that browsers read differently from parsers) is ignored."""
    if not to or len(to) > 2000 or any(ch in to for ch in "\\\t\r\n ") or not to.isprintable():
        return None
    if to.startswith("/") and not to.startswith("//"):
        base = urlsplit(target.destination_url)
        path = urlsplit(to)
        return urlunsplit((base.scheme, base.netloc, path.path, path.query, ""))
    parts = urlsplit(to)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
        return None
    if not _host_allowed(parts.hostname.lower().rstrip("."), target):
        return None
    return to


def location_for(target: LinkTarget, *, click_id: uuid.UUID | None, to: str | None = None) -> str:
    """Where the visitor goes: the destination (or allowed deep link) with via and tular_click.
    Without a click id (a HEAD request records no click) there is no tular_click either."""
    url = deep_link(to, target) if to else None
    head, tail = _location_parts(url or target.destination_url, target.code)
    if click_id is None:
        return head.removesuffix(f"&{COOKIE_NAME}=") + tail
    # str(uuid) is hex digits and dashes, which urlencode leaves as they are.
    return f"{head}{click_id}{tail}"


@functools.lru_cache(maxsize=4096)
def _location_parts(url: str, code: str) -> tuple[str, str]:
    """The location around the click id: the URL's own query without via/tular_click, then
    via=<code>&tular_click=, and after the id the fragment (urlunsplit's layout, precomputed)."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in {"via", COOKIE_NAME}
    ]
    query += [("via", code), (COOKIE_NAME, "")]
    head = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return head, f"#{parts.fragment}" if parts.fragment else ""


def cookie_header(click_id: uuid.UUID, *, window_days: int, secure: bool) -> str:
    cookie = f"{COOKIE_NAME}={click_id}; Max-Age={window_days * 86400}; Path=/; SameSite=Lax"
    return cookie + "; Secure" if secure else cookie


def secure_cookie(request_is_https: bool) -> bool:
    """The click cookie is Secure when the request came over https or links are https."""
    public = settings.TULAR_PUBLIC_URL
    return request_is_https or bool(public and public.startswith("https://"))


def redirect_headers(
    target: LinkTarget, *, click_id: uuid.UUID | None, to: str | None, secure: bool
) -> list[tuple[str, str]]:
    """The headers of the 302, Location first: the one answer of both the fast path
    (tracking/fastpath.py) and the Django view (tracking/views.py).

    GET records a click: its id is in the Location and in the cookie. HEAD (link checkers,
    unfurlers, `curl -I`) records none: the same Location without tular_click, and no cookie.
    """
    headers = [("Location", location_for(target, click_id=click_id, to=to))]
    if click_id is not None:
        cookie = cookie_header(click_id, window_days=target.window_days, secure=secure)
        headers.append(("Set-Cookie", cookie))
    headers += [("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer-when-downgrade")]
    return headers


def close_quietly() -> None:
    """Drop this thread's connection after a database error, so the next request reconnects."""
    with contextlib.suppress(DATABASE_ERRORS):
        connections[DEFAULT_DB_ALIAS].close()
