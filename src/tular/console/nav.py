"""The console's navigation: one list, so a later context (pipeline, analytics, partners) adds
its pages by adding an entry here. tests/console/test_access.py checks every entry resolves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    # The URL names (prefixes) that mark this entry as the current one.
    section: str
    owner_only: bool = False
    # A count shown beside the entry (what waits there), from the request; 0 shows nothing.
    badge: Callable | None = None


def _overdue_leads(request) -> int:
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return 0
    from tular.console.views.pipeline.common import overdue_count_of

    return overdue_count_of(request)


def _applications(request) -> int:
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return 0
    from tular.console.views.partners import pending_applications

    return pending_applications(request)


def _overdue_deals(request) -> int:
    from tular.console.views.deals import overdue_count

    return overdue_count(request)


def _tickets_waiting(request) -> int:
    from tular.console.views.support import needs_reply_count

    return needs_reply_count(request)


MAIN = [
    NavItem(_("Overview"), "console:overview", "dashboard", "overview"),
    NavItem(_("Programs"), "console:programs", "speakerphone", "programs"),
    NavItem(_("Participants"), "console:participants", "users", "participants"),
    NavItem(_("Referrals"), "console:referrals", "arrows-exchange", "referrals"),
    NavItem(_("Pipeline"), "console:pipeline", "layout-kanban", "pipeline", badge=_overdue_leads),
    NavItem(_("Deals"), "console:deals", "clipboard-check", "deals", badge=_overdue_deals),
    NavItem(_("Partners"), "console:partners", "heart-handshake", "partners", badge=_applications),
    NavItem(_("Support"), "console:support", "message-2", "support", badge=_tickets_waiting),
    NavItem(_("Rewards"), "console:rewards", "gift", "rewards"),
    NavItem(_("Payouts"), "console:payouts", "cash", "payouts"),
    NavItem(_("Insight"), "console:insight", "chart-bar", "insight"),
    NavItem(_("Settings"), "console:settings", "settings", "settings"),
]


def nav_for(request) -> list[dict]:
    """The entries as the base template draws them, the current one marked."""
    match = getattr(request, "resolver_match", None)
    # A view may say which section it belongs to (a lead's page is the pipeline's, though it
    # is a referral's page).
    current = getattr(request, "nav_section", None) or ((match.url_name or "") if match else "")
    items = []
    for item in MAIN:
        if item.owner_only and getattr(request, "role", None) != "owner":
            continue
        url = reverse(item.url_name)
        items.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": current == item.section or current.startswith(item.section + "-"),
                "badge": item.badge(request) if item.badge else 0,
            }
        )
    return items
