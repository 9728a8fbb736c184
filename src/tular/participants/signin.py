"""Signing in to the portal with a one-time link e-mailed to the referrer (issue 9, R1).

    magic_link_request(email=…, ip=…, base_url=…)  # queues the e-mails, answers nothing
    link = magic_link_redeem(token=…)               # spends the link, or LinkRefused(reason)

What the visitor learns is the same whatever happens: an address that takes part in no program,
one that does, and one that asked too often all get the same page, so the form cannot be used to
find out who takes part (no enumeration). Every request is recorded (the address hashed) for the
throttle: `MAX_PER_ADDRESS` requests for one address and `MAX_PER_IP` from one IP within
`WINDOW`; beyond that nothing is sent until the oldest request leaves the window.

For each workspace where the address belongs to a participant of a program that is not
archived, one link is made and its e-mail queued in the same transaction (the outbox sends it
after the commit). The token is 32 random bytes; only its SHA-256 is stored. A link lives
`LINK_LIFETIME` and opens one session: it is spent with a conditional UPDATE (not used, not
expired, exactly one row changed), so two clicks racing each other sign in once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tular.core import clock
from tular.core.colour import readable
from tular.messaging.services import email_send
from tular.participants.models import MagicLink, Participant, SignInRequest
from tular.participants.services import normalise_email

LINK_LIFETIME = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)
MAX_PER_ADDRESS = 3
MAX_PER_IP = 20
KEEP = timedelta(days=1)
LANGUAGES = {code for code, _name in settings.LANGUAGES}
PORTAL_PREFIX = "/portal/"


class LinkRefused(Exception):
    """A link that cannot sign anyone in. `reason`: "unknown", "used" or "expired";
    `link` is the MagicLink when it exists (its workspace brands the page that says so)."""

    def __init__(self, reason: str, link: MagicLink | None = None):
        super().__init__(f"sign-in link {reason}")
        self.reason = reason
        self.link = link


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def email_hash(email_normalised: str) -> str:
    return hashlib.sha256(email_normalised.encode()).hexdigest()


def _ip(raw: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None


def safe_next(path: str | None) -> str:
    """`path` when it is a page of the portal on this site (/portal/…), else ""."""
    path = (path or "").strip()
    if (
        not path.startswith(PORTAL_PREFIX)
        or "\\" in path
        or len(path) > 300
        or not url_has_allowed_host_and_scheme(path, allowed_hosts=None)
    ):
        return ""
    return path


def throttled(*, email_normalised: str, ip: str | None) -> bool:
    """True when this address or IP has asked too often within the window (before this one)."""
    since = clock.now() - WINDOW
    recent = SignInRequest.objects.filter(at__gt=since)
    if recent.filter(email_hash=email_hash(email_normalised)).count() >= MAX_PER_ADDRESS:
        return True
    address = _ip(ip)
    return bool(address) and recent.filter(ip=address).count() >= MAX_PER_IP


def _participants_by_workspace(email_normalised: str) -> dict:
    found = defaultdict(list)
    participants = (
        Participant.objects.select_related("program", "workspace")
        .filter(email_normalised=email_normalised)
        .exclude(program__status="archived")
        .order_by("workspace_id", "program__name", "created_at")
    )
    for participant in participants:
        found[participant.workspace].append(participant)
    return found


def _language(chosen: str | None, participants: list, workspace) -> str:
    if chosen in LANGUAGES:
        return chosen
    for participant in participants:
        if participant.locale in LANGUAGES:
            return participant.locale
    return workspace.default_language if workspace.default_language in LANGUAGES else "id"


def magic_link_request(
    *,
    email: str,
    ip: str | None,
    base_url: str,
    next_path: str = "",
    language: str | None = None,
) -> int:
    """Record the request and, unless throttled, e-mail one sign-in link per workspace where
    the address takes part in a program. Returns how many links were queued — for tests and
    logs only: a page must never show it. `base_url` (scheme and host, e.g.
    https://ref.example.com) makes the e-mail's links absolute; TULAR_PUBLIC_URL wins over it.
    Raises Invalid for an address that is not one."""
    email_normalised = normalise_email(email)
    base = (settings.TULAR_PUBLIC_URL or base_url).rstrip("/")
    next_path = safe_next(next_path)
    now = clock.now()
    with transaction.atomic():
        is_throttled = throttled(email_normalised=email_normalised, ip=ip)
        SignInRequest.objects.create(email_hash=email_hash(email_normalised), ip=_ip(ip), at=now)
        if is_throttled:
            return 0
        queued = 0
        for workspace, participants in _participants_by_workspace(email_normalised).items():
            token = secrets.token_urlsafe(32)
            link_language = _language(language, participants, workspace)
            MagicLink.objects.create(
                workspace=workspace,
                email_normalised=email_normalised,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + LINK_LIFETIME,
                next_path=next_path,
                language=link_language,
            )
            logo = (
                base + reverse("console:brand-logo", args=[workspace.slug])
                if workspace.logo_type
                else ""
            )
            email_send(
                to=participants[0].email,
                kind="portal_sign_in",
                template="portal_sign_in",
                workspace=workspace,
                language=link_language,
                context={
                    "workspace_name": workspace.name,
                    "logo_url": logo,
                    "brand_colour": readable(workspace.brand_color),
                    "link_url": base + reverse("portal:link", args=[token]),
                    "valid_minutes": int(LINK_LIFETIME.total_seconds() // 60),
                },
            )
            queued += 1
        return queued


def magic_link_check(*, token: str) -> MagicLink:
    """The link of `token` if it can still sign in (nothing is spent), else LinkRefused."""
    link = (
        MagicLink.objects.select_related("workspace").filter(token_hash=token_hash(token)).first()
    )
    if link is None:
        raise LinkRefused("unknown")
    if link.used_at is not None:
        raise LinkRefused("used", link)
    if link.expires_at <= clock.now():
        raise LinkRefused("expired", link)
    return link


def magic_link_redeem(*, token: str) -> MagicLink:
    """Spend the link of `token` and return it; LinkRefused("unknown" | "used" | "expired")
    when it cannot sign in. Spending is one conditional UPDATE, so it happens once."""
    now = clock.now()
    spent = MagicLink.objects.filter(
        token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if spent != 1:
        magic_link_check(token=token)  # raises with the reason
        raise LinkRefused("used")  # spent by a concurrent request between the two queries
    return MagicLink.objects.select_related("workspace").get(token_hash=token_hash(token))


def sign_in_records_prune() -> tuple[int, int]:
    """Forget sign-in requests and links older than a day: (requests, links) deleted."""
    since = clock.now() - KEEP
    requests, _ = SignInRequest.objects.filter(at__lt=since).delete()
    links, _ = MagicLink.objects.filter(created_at__lt=since).delete()
    return requests, links
