"""The workspace's look on the portal and landing pages: name, logo and brand colour.

The brand colour is served as a small stylesheet (`/portal/brand/<slug>.css`) rather than an
inline style, so a strict Content-Security-Policy stays possible. A colour too light to carry
white text (WCAG AA, 4.5:1) is darkened until it does: a manager's pastel never makes a button
unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

DEFAULT_COLOUR = "#0054a6"
AA_CONTRAST = 4.5


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def _luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def contrast_with_white(rgb: tuple[int, int, int]) -> float:
    return 1.05 / (_luminance(rgb) + 0.05)


def readable(colour: str | None) -> str:
    """`colour` (#rrggbb), darkened in small steps until white text on it reaches 4.5:1."""
    try:
        rgb = _rgb(colour or DEFAULT_COLOUR)
    except ValueError:
        rgb = _rgb(DEFAULT_COLOUR)
    while contrast_with_white(rgb) < AA_CONTRAST:
        rgb = tuple(max(0, int(c * 0.92)) for c in rgb)
    return "#{:02x}{:02x}{:02x}".format(*rgb)


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
    r, g, b = _rgb(colour)
    return (
        f":root{{--tblr-primary:{colour};--tblr-primary-rgb:{r},{g},{b};"
        f"--tblr-link-color:{colour};--tblr-link-color-rgb:{r},{g},{b};"
        f"--tular-brand:{colour}}}\n"
    )
