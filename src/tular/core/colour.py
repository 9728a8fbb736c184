"""Colour maths for brand colours: WCAG contrast, and a colour made readable under white text.

A manager picks any brand colour; pages and e-mails use it for buttons and links with white
text, so a colour too light for WCAG AA (4.5:1) is darkened in small steps until it reaches it.
"""

from __future__ import annotations

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


def rgb_of(colour: str) -> tuple[int, int, int]:
    return _rgb(colour)
