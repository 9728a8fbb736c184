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
import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.colour import readable
from tular.core.errors import Conflict
from tular.messaging.models import OutboundEmail
from tular.messaging.services import email_send
from tular.participants.channels import tagged
from tular.participants.models import MagicLink, Participant, SignInRequest
from tular.participants.services import normalise_email, referral_url
from tular.programs.copy import copy_for, fill
from tular.programs.wording import incentives_in_words
from tular.workspaces.audit import Actor, audit_record
from tular.workspaces.auth import ip_or_none

LINK_LIFETIME = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)
MAX_PER_ADDRESS = 3
MAX_PER_IP = 20
MAX_INVITES_PER_DAY = 3
KEEP = timedelta(days=1)
LANGUAGES = {code for code, _name in settings.LANGUAGES}
PORTAL_PREFIX = "/portal/"


# Who else an address signs in as, found by a higher layer that this app may not import: given a
# normalised address, {workspace: (the address to write to, the participants it opens)}. The
# portal passes the partners' members here (tular.portal.access.member_accounts): a member's own
# address opens the portal of the partner organisation it belongs to.
OtherAccounts = Callable[[str], dict]


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
    recent = SignInRequest.objects.filter(kind="sign-in", at__gt=since)
    if recent.filter(email_hash=email_hash(email_normalised)).count() >= MAX_PER_ADDRESS:
        return True
    address = ip_or_none(ip)
    return bool(address) and recent.filter(ip=address).count() >= MAX_PER_IP


def attempts_from_ip(*, kind: str, ip: str | None, window: timedelta) -> int:
    """How many attempts of `kind` this IP made within `window` (0 for no usable IP)."""
    address = ip_or_none(ip)
    if not address:
        return 0
    return SignInRequest.objects.filter(kind=kind, ip=address, at__gt=clock.now() - window).count()


def attempt_record(*, kind: str, ip: str | None) -> None:
    """Record one attempt of `kind` from this IP (kept a day, pruned with the sign-ins)."""
    address = ip_or_none(ip)
    if address:
        SignInRequest.objects.create(kind=kind, email_hash="", ip=address, at=clock.now())


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


def language_of_person(chosen: str | None, participants: list, workspace) -> str:
    """The language chosen (id/en), else the person's on record, else the workspace's."""
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
    other_accounts: OtherAccounts | None = None,
) -> int:
    """Record the request and, unless throttled, e-mail one sign-in link per workspace where
    the address takes part in a program (or, through `other_accounts`, is a partner's member).
    Returns how many links were queued — for tests and logs only: a page must never show it.
    `base_url` (scheme and host, e.g. https://ref.example.com) makes the e-mail's links
    absolute; TULAR_PUBLIC_URL wins over it. Raises Invalid for an address that is not one."""
    email_normalised = normalise_email(email)
    base = (settings.TULAR_PUBLIC_URL or base_url).rstrip("/")
    next_path = safe_next(next_path)
    now = clock.now()
    with transaction.atomic():
        is_throttled = throttled(email_normalised=email_normalised, ip=ip)
        SignInRequest.objects.create(
            email_hash=email_hash(email_normalised), ip=ip_or_none(ip), at=now
        )
        if is_throttled:
            return 0
        queued = 0
        found = {
            workspace: (participants[0].email, participants)
            for workspace, participants in _participants_by_workspace(email_normalised).items()
        }
        for workspace, account in (
            other_accounts(email_normalised) if other_accounts else {}
        ).items():
            found.setdefault(workspace, account)
        for workspace, (to, participants) in found.items():
            link_language = language_of_person(language, participants, workspace)
            link_url = _new_link(
                workspace=workspace,
                email_normalised=email_normalised,
                next_path=next_path,
                language=link_language,
                base=base,
            )
            email_send(
                to=to,
                kind="portal_sign_in",
                template="portal_sign_in",
                workspace=workspace,
                language=link_language,
                context={**_brand_context(workspace, base), "link_url": link_url},
            )
            queued += 1
        return queued


def _new_link(*, workspace, email_normalised: str, next_path: str, language: str, base: str):
    """Store a new link (its token's hash) and return its absolute URL."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    MagicLink.objects.create(
        workspace=workspace,
        email_normalised=email_normalised,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
        next_path=next_path,
        language=language,
    )
    return base + reverse("portal:link", args=[token])


def workspace_brand(workspace, base: str) -> dict:
    """The workspace's name, logo URL and readable colour for an e-mail's header (the portal's
    e-mails: sign-in links, invitations, partner applications)."""
    logo = (
        base + reverse("console:brand-logo", args=[workspace.slug]) if workspace.logo_type else ""
    )
    return {
        "workspace_name": workspace.name,
        "logo_url": logo,
        "brand_colour": readable(workspace.brand_color),
    }


def _brand_context(workspace, base: str) -> dict:
    return {
        **workspace_brand(workspace, base),
        "valid_minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }


def portal_invite(
    *,
    participant: Participant,
    base_url: str,
    actor: Actor | None = None,
    to_name: str = "",
    to_email: str = "",
) -> None:
    """E-mail `participant` an invitation to share: their link and code, a WhatsApp button with
    the program's message, and a sign-in link to their portal (15 minutes, single use; after
    that the portal's sign-in page sends a fresh one). At most `MAX_INVITES_PER_DAY` per
    address a day (Conflict beyond), so a double click or a loop never floods anyone.

    `to_name`/`to_email`: someone else who signs in to this participant's portal with their own
    address (a partner's member): the invitation and its sign-in link go to them."""
    base = (settings.TULAR_PUBLIC_URL or base_url).rstrip("/")
    to_email = to_email.strip() or participant.email
    to_name = to_name or participant.name
    program = participant.program
    if program.status == "archived":
        raise Conflict(_("The program has ended: there is nothing to invite to."))
    with transaction.atomic():
        Participant.objects.select_for_update(no_key=True).filter(pk=participant.pk).first()
        since = clock.now() - timedelta(days=1)
        sent = OutboundEmail.objects.filter(
            workspace=participant.workspace,
            kind="portal_invitation",
            to=to_email,
            created_at__gt=since,
        ).count()
        if sent >= MAX_INVITES_PER_DAY:
            raise Conflict(
                _("%(email)s was already invited %(count)d times today.")
                % {"email": to_email, "count": sent}
            )
        language = participant.locale if participant.locale in LANGUAGES else "id"
        link = referral_url(participant.code, base)
        copy = copy_for(program=program, language=language)
        reward = incentives_in_words(program=program, language=language)["referrer"]
        with translation.override(language):
            earns = _("You get %(reward)s.") % {"reward": reward} if reward else ""
        message = fill(
            copy.share_message,
            link=tagged(link, "whatsapp"),
            code=participant.code,
            name=participant.name,
        )
        sign_in = _new_link(
            workspace=participant.workspace,
            email_normalised=normalise_email(to_email),
            next_path=reverse("portal:program", args=[program.slug]),
            language=language,
            base=base,
        )
        email_send(
            to=to_email,
            kind="portal_invitation",
            template="portal_invitation",
            workspace=participant.workspace,
            language=language,
            context={
                **_brand_context(participant.workspace, base),
                "link_url": sign_in,
                "name": to_name,
                "program_name": program.name,
                "referral_url": link,
                "code": participant.code,
                "whatsapp_url": "https://wa.me/?" + urlencode({"text": message}),
                "referrer_incentive": earns,
                "sign_in_url": base
                + reverse("portal:sign-in")
                + "?"
                + urlencode({"w": participant.workspace.slug}),
            },
        )
        audit_record(
            workspace=participant.workspace,
            actor=actor,
            action="participant.portal_invite",
            target=participant,
            after={"email": to_email},
        )


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
