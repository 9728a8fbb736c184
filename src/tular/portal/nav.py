"""The portal's menu for one program: one list, so the partner channel adds its pages (deals,
assets, training, tickets) by adding entries here, shown only to the kinds they serve."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tular.portal.refer import shows_leads
from tular.portal.views.comarketing import comarketing_open_to
from tular.portal.views.deals import deals_open_to
from tular.portal.views.enablement import enablement_open_to
from tular.portal.views.support import support_open_to


@dataclass(frozen=True)
class PortalNavItem:
    label: str
    url_name: str  # takes the program's slug
    icon: str
    # Shown only when this says so (None: always), e.g. the leaderboard when the program has one.
    when: object = None
    # A partner's own work (deals, its figures): right after Share for partners, so on a
    # phone's narrow tab bar it is in sight without scrolling.
    partner_first: bool = False


PROGRAM_NAV = [
    PortalNavItem(_("Share"), "portal:program", "share"),
    PortalNavItem(_("Activity"), "portal:activity", "list-check"),
    # Leads sent to the program's team: always in B2B and employee programs, elsewhere once
    # the person has sent one (portal.refer.shows_leads).
    PortalNavItem(_("My leads"), "portal:leads", "user-plus", when=lambda p: shows_leads(p)),
    # Deal registration: partners of partner programs (portal.views.deals).
    PortalNavItem(
        _("Deals"), "portal:deals", "shield-check", when=deals_open_to, partner_first=True
    ),
    # The partner's figures and tier progress (portal.views.performance).
    PortalNavItem(
        _("Performance"),
        "portal:performance",
        "chart-bar",
        when=deals_open_to,
        partner_first=True,
    ),
    # Co-marketing activities with their own links: partners of partner programs.
    PortalNavItem(
        _("Co-marketing"), "portal:co-marketing", "speakerphone", when=comarketing_open_to
    ),
    # Partner enablement: the asset library and training (portal.views.enablement).
    PortalNavItem(_("Assets"), "portal:assets", "folder", when=enablement_open_to),
    PortalNavItem(_("Training"), "portal:training", "school", when=enablement_open_to),
    # Support tickets: the same partners (portal.views.support).
    PortalNavItem(_("Support"), "portal:support", "message-2", when=support_open_to),
    PortalNavItem(_("Promotion kit"), "portal:kit", "photo"),
    PortalNavItem(_("Rules"), "portal:rules", "info-circle"),
    PortalNavItem(
        _("Leaderboard"), "portal:leaderboard", "trophy", when=lambda p: p.program.leaderboard
    ),
]


def portal_nav(request) -> list[dict]:
    participant = getattr(request, "participant", None)
    if participant is None:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    shown = [item for item in PROGRAM_NAV if item.when is None or item.when(participant)]
    if any(item.partner_first for item in shown):
        # Share stays first; the partner's own pages follow it; the rest keep their order
        shown = [shown[0], *(i for i in shown if i.partner_first)] + [
            i for i in shown[1:] if not i.partner_first
        ]
    items = []
    for item in shown:
        items.append(
            {
                "label": item.label,
                "icon": item.icon,
                "url": reverse(item.url_name, args=[participant.program.slug]),
                "active": current == item.url_name,
            }
        )
    return items
