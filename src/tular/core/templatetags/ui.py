"""The shared UI vocabulary of every page (console, portal, landing): icons, money, badges.

{% load ui %}
{% icon "users" %}                      inline SVG from templates/icons/ (Tabler icons)
{{ reward.amount|money:reward.currency }}   Rp7.500.000 (id) / IDR7,500,000 (en)
{% status_badge reward.status %}        a coloured, translated badge
{{ 12345|number }}                      12.345 (id) / 12,345 (en)
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal
from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext_lazy

from tular.core.money import format_money

register = template.Library()
EMPTY = "\u2013"  # an en dash where there is no value

ICONS = Path(settings.BASE_DIR) / "templates" / "icons"
_INNER = re.compile(r"<svg[^>]*>(?P<inner>.*)</svg>", re.DOTALL)
# The Babel locale of each interface language: international English shows US$ and IDR.
BABEL_LOCALE = {"id": "id", "en": "en_001"}


def babel_locale() -> str:
    return BABEL_LOCALE.get((get_language() or "id").split("-")[0], "id")


@cache
def _icon_paths(name: str) -> str:
    path = ICONS / f"{name}.svg"
    if not re.fullmatch(r"[a-z0-9-]+", name) or not path.is_file():
        raise template.TemplateSyntaxError(f"unknown icon {name!r}: add {path.name} to {ICONS}")
    return _INNER.search(path.read_text())["inner"].strip()


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    """An icon as inline SVG, hidden from screen readers (the text beside it says it)."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="icon {}" width="24" height="24" '
        'viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">'
        "{}</svg>",
        css,
        mark_safe(_icon_paths(name)),  # noqa: S308 - our own vendored files
    )


@register.filter
def money(amount, currency: str) -> str:
    """Minor units + ISO 4217 → text in the interface language (Rp7.500.000)."""
    if amount is None or amount == "":
        return EMPTY
    return format_money(int(amount), currency, babel_locale())


@register.filter
def number(value) -> str:
    """A count with the language's grouping (12.345 / 12,345)."""
    if value is None or value == "":
        return EMPTY
    return format_decimal(value, locale=babel_locale())


# status → (Tabler colour, label). One table for every badge of the product.
STATUS_BADGES = {
    # rewards
    "pending": ("yellow", pgettext_lazy("status", "pending")),
    "approved": ("green", pgettext_lazy("status", "approved")),
    "needs_review": ("orange", pgettext_lazy("status", "needs review")),
    "rejected": ("red", pgettext_lazy("status", "rejected")),
    "reversed": ("secondary", pgettext_lazy("status", "reversed")),
    "paid": ("teal", pgettext_lazy("status", "paid")),
    # payouts
    "draft": ("secondary", pgettext_lazy("status", "draft")),
    "sent": ("blue", pgettext_lazy("status", "sent")),
    "failed": ("red", pgettext_lazy("status", "failed")),
    # referrals
    "active": ("green", pgettext_lazy("status", "active")),
    "flagged": ("red", pgettext_lazy("status", "flagged")),
    "submitted": ("azure", pgettext_lazy("status", "submitted")),
    "acknowledged": ("azure", pgettext_lazy("status", "acknowledged")),
    "contacted": ("cyan", pgettext_lazy("status", "contacted")),
    "qualified": ("indigo", pgettext_lazy("status", "qualified")),
    "proposal": ("purple", pgettext_lazy("status", "proposal")),
    "won": ("green", pgettext_lazy("status", "won")),
    "lost": ("secondary", pgettext_lazy("status", "lost")),
    "dark": ("dark", pgettext_lazy("status", "gone dark")),
    # programs, members, e-mails
    "paused": ("yellow", pgettext_lazy("status", "paused")),
    "archived": ("secondary", pgettext_lazy("status", "archived")),
    "queued": ("azure", pgettext_lazy("status", "queued")),
    "suppressed": ("orange", pgettext_lazy("status", "suppressed")),
    # invitations, API keys
    "revoked": ("secondary", pgettext_lazy("status", "revoked")),
    "expired": ("orange", pgettext_lazy("status", "expired")),
    "accepted": ("green", pgettext_lazy("status", "accepted")),
    # participants' activity (participants.selectors.with_activity)
    "new": ("secondary", pgettext_lazy("status", "new")),
    "sharing": ("azure", pgettext_lazy("status", "sharing")),
    "referring": ("indigo", pgettext_lazy("status", "referring")),
    "earning": ("green", pgettext_lazy("status", "earning")),
    # imports and their rows
    "running": ("blue", pgettext_lazy("status", "running")),
    "done": ("green", pgettext_lazy("status", "done")),
    "created": ("green", pgettext_lazy("status", "created")),
    "existing": ("azure", pgettext_lazy("status", "already enrolled")),
}


@register.simple_tag
def status_badge(status: str, label: str = "") -> str:
    """A badge with the status's colour and its translated name (unknown: grey, as given)."""
    colour, text = STATUS_BADGES.get(status, ("secondary", status))
    return format_html(
        '<span class="badge bg-{}-lt status-{}">{}</span>', colour, status, label or text
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (pagination keeps the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
