"""The workspace's look on the portal and landing pages: name, logo and brand colour.

The brand colour is served as a small stylesheet (`/portal/brand/<slug>.css`) rather than an
inline style, so a strict Content-Security-Policy stays possible. A colour too light to carry
white text (WCAG AA, 4.5:1) is darkened until it does: a manager's pastel never makes a button
unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from tular.core.colour import readable, rgb_of


@dataclass(frozen=True)
class Brand:
    name: str
    slug: str
    colour: str  # readable on white and under white text
    logo_url: str  # "" when the workspace has no logo
    stylesheet_url: str


def brand_of(workspace) -> Brand:
    return Brand(
        name=workspace.name,
        slug=workspace.slug,
        colour=readable(workspace.brand_color),
        logo_url=reverse("console:brand-logo", args=[workspace.slug])
        if workspace.logo_type
        else "",
        stylesheet_url=reverse("portal:brand-css", args=[workspace.slug]),
    )


def brand_css(colour: str) -> str:
    r, g, b = rgb_of(colour)
    return (
        f":root{{--tblr-primary:{colour};--tblr-primary-rgb:{r},{g},{b};"
        f"--tblr-link-color:{colour};--tblr-link-color-rgb:{r},{g},{b};"
        f"--tular-brand:{colour}}}\n"
    )
