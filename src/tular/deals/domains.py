"""A company's domain, as deal registration compares it (R31).

`domain_normalise(text)` cuts whatever a partner typed (`https://WWW.Example.co.id:8443/about`,
`a.example.co.id`, `budi@example.co.id`) to the registrable domain under the Public Suffix List
(`example.co.id`), in lower-case ASCII (IDN labels in punycode, so `食狮.com.cn` and
`xn--85x722f.com.cn` are one company). It refuses, with `DomainRefused` and a reason:

- nothing at all, or text that is not a host name;
- an IP address (v4 or v6): it says nothing about who the company is;
- a public suffix on its own (`co.id`, `com`) or a name under a top-level domain the list does
  not know (`example.example`): no company can register one;
- a public mailbox provider (`gmail.com`, `yahoo.co.id`, …; `PUBLIC_MAIL_DOMAINS`): thousands of
  companies share it.

The list is tldextract's bundled snapshot of the Public Suffix List, read once per process;
`suffix_list_urls=()` and no cache directory mean it never reaches the network or writes a
file. Private-section suffixes count (`shop.myshopify.com` is a company of its own).
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache

import idna
import tldextract
from django.utils.translation import gettext_lazy as _

# Public mailbox providers: a domain thousands of unrelated people share, so never a company's.
# Registrable domains (what domain_normalise returns), compared after normalisation.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        # Google
        "gmail.com",
        "googlemail.com",
        # Yahoo (and its Indonesian and regional domains)
        "yahoo.com",
        "yahoo.co.id",
        "yahoo.co.uk",
        "yahoo.co.jp",
        "yahoo.com.sg",
        "yahoo.com.my",
        "yahoo.com.au",
        "yahoo.fr",
        "yahoo.de",
        "ymail.com",
        "rocketmail.com",
        # Microsoft
        "outlook.com",
        "outlook.co.id",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        # Apple
        "icloud.com",
        "me.com",
        "mac.com",
        # Proton
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        # Others
        "aol.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "mail.com",
        "mail.ru",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "zohomail.com",
        "tutanota.com",
        "tuta.io",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "web.de",
        "t-online.de",
        "orange.fr",
        "libero.it",
        "rediffmail.com",
    }
)

MAX_LENGTH = 253
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_IP_SHORTHAND = re.compile(r"(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){0,3}", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainRefused(ValueError):
    """Not a company's domain; `reason` says why, in the reader's language."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled snapshot only: no suffix-list download, no cache file.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def _host_of(text: str) -> str:
    """The host name in a URL, an e-mail address or a bare name, without port or path."""
    text = text.strip()
    text = _SCHEME.sub("", text)
    if "@" in text and "/" not in text.partition("@")[0]:
        # An e-mail address (budi@example.co.id) or a URL's user info (user@host).
        text = text.rpartition("@")[2]
    for stop in "/?#\\":
        text = text.partition(stop)[0]
    if text.startswith("["):  # [::1]:8080
        return text[1:].partition("]")[0]
    if text.count(":") == 1:  # host:port
        text = text.partition(":")[0]
    return text.strip().rstrip(".")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    # Shorthands the resolver takes as IPv4 (127.1, 0x7f.0.0.1, 2130706433).
    return bool(_IP_SHORTHAND.fullmatch(host))


def _ascii(host: str) -> str:
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise DomainRefused(_("Enter the company's web domain, e.g. example.co.id.")) from None


def domain_normalise(text: str | None) -> str:
    """The registrable domain of `text`, or DomainRefused saying why it is not a company's."""
    if not isinstance(text, str) or not text.strip():
        raise DomainRefused(_("Enter the company's web domain, e.g. example.co.id."))
    if len(text) > 2000:
        raise DomainRefused(_("Enter the company's web domain, e.g. example.co.id."))
    host = _host_of(text)
    if not host:
        raise DomainRefused(_("Enter the company's web domain, e.g. example.co.id."))
    if _is_ip(host) or ":" in host:
        raise DomainRefused(
            _("An IP address is not a company's domain; enter its web domain, e.g. example.co.id.")
        )
    host = _ascii(host.lower())
    if len(host) > MAX_LENGTH or not all(_LABEL.match(label) for label in host.split(".")):
        raise DomainRefused(_("Enter the company's web domain, e.g. example.co.id."))
    parts = _extractor()(host)
    registrable = parts.top_domain_under_public_suffix
    if not parts.suffix:
        raise DomainRefused(
            _("%(domain)s is not under a known top-level domain; check the spelling.")
            % {"domain": host}
        )
    if not registrable:
        raise DomainRefused(
            _("%(domain)s is a public suffix, not a company's domain; enter the full domain.")
            % {"domain": host}
        )
    if registrable in PUBLIC_MAIL_DOMAINS:
        raise DomainRefused(
            _(
                "%(domain)s is a public e-mail provider, not the company's own domain; enter "
                "the company's web domain."
            )
            % {"domain": registrable}
        )
    return registrable


def domain_or_none(text: str | None) -> str | None:
    """domain_normalise, or None where it refuses (for lookups: routing, the console)."""
    try:
        return domain_normalise(text)
    except DomainRefused:
        return None
