"""Where a webhook may go: the check against server-side request forgery.

A webhook URL is chosen by a workspace's manager, and the worker that posts to it runs inside
the operator's network. So before every request (the first and each redirect's) the host is
resolved and every address it resolves to must be a public one: loopback, private, link-local,
shared (100.64.0.0/10), multicast, reserved, unspecified and the cloud metadata addresses are
refused, also when written as an IPv4-mapped IPv6 address. The request then goes to the
address that was checked (`Target.address`), not to a second lookup of the name, so a DNS
answer that changes in between (rebinding) cannot send it elsewhere.

`TULAR_WEBHOOKS_ALLOW_PRIVATE=true` lifts the address rule (receivers on the operator's own
network, development); the URL's shape is checked all the same.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
METADATA = (
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, DigitalOcean, OpenStack…
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
)
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be called; `reason` says why, for people (translated)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A URL that passed the check, and the address to connect to."""

    url: str
    scheme: str
    host: str  # as written, lower-case, without brackets
    port: int
    address: str  # the checked IP address the request must go to


def private_allowed() -> bool:
    return bool(getattr(settings, "TULAR_WEBHOOKS_ALLOW_PRIVATE", False))


def address_refusal(address: Address) -> str | None:
    """Why a request may not go to `address` (None: it is a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_refusal(address.ipv4_mapped)
    if address in METADATA:
        return _("a cloud metadata address")
    if address.is_loopback:
        return _("a loopback address")
    if address.is_unspecified:
        return _("an unspecified address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_multicast:
        return _("a multicast address")
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED:
        return _("a shared (carrier-grade NAT) address")
    if address.is_private:
        return _("a private address")
    if address.is_reserved or not address.is_global:
        return _("a reserved address")
    return None


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a webhook URL whose shape is acceptable; Refused otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise Refused(_("Enter a URL of at most %(n)s characters.") % {"n": MAX_URL_LENGTH})
    if any(character.isspace() for character in url):
        raise Refused(_("A URL cannot contain spaces."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(_("This is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Refused(_("The URL must start with https:// (or http://)."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused(_("The URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("Put no user name or password in the URL: check the signature instead."))
    if parts.fragment:
        raise Refused(_("The URL cannot have a #fragment."))
    return scheme, host, port or DEFAULT_PORTS[scheme]


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (an IP address resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        pass
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def check(url: str) -> Target:
    """The URL and the address to post to; Refused when its shape is wrong, its host does not
    resolve, or (unless private addresses are allowed) any address it resolves to is not a
    public one."""
    scheme, host, port = parse(url)
    addresses = resolve(host, port)
    if not addresses:
        raise Refused(_("The host name %(host)s could not be resolved.") % {"host": host})
    if not private_allowed():
        for address in addresses:
            why = address_refusal(address)
            if why is not None:
                raise Refused(
                    _(
                        "%(host)s resolves to %(address)s, %(what)s: webhooks only go to "
                        "public addresses."
                    )
                    % {"host": host, "address": address, "what": why}
                )
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))
