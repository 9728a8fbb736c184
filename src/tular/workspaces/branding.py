"""The workspace's own settings: its name, logo, brand colour, default language and time zone.

The logo is checked by what it is, not by its name: Pillow must read it as PNG, JPEG or WebP
(at most 256 KB and 2000 x 2000 px). SVG is refused: it can carry scripts, and Tular has no
sanitizer for it.
"""

from __future__ import annotations

import io
import re
import zoneinfo
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from tular.core.errors import Invalid
from tular.workspaces.audit import Actor, audit_record
from tular.workspaces.models import Workspace

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 2000
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LANGUAGES = [code for code, _name in settings.LANGUAGES]
EDITABLE = ("name", "brand_color", "default_language", "time_zone", "logo")

# The zones a select offers first (Indonesia's three, the region, the usual elsewhere); any
# IANA zone name is accepted.
COMMON_TIME_ZONES = [
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Jayapura",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Bangkok",
    "Asia/Ho_Chi_Minh",
    "Asia/Manila",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Australia/Perth",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
]


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_check(value: str, *, field: str = "time_zone") -> str:
    value = str(value).strip()
    if value not in _zones():
        raise Invalid([field], _("Choose a time zone from the list (such as Asia/Jakarta)."))
    return value


def logo_check(data: bytes, *, field: str = "logo") -> str:
    """The logo's content type, after reading it as an image; Invalid otherwise."""
    if len(data) > LOGO_MAX_BYTES:
        raise Invalid([field], _("The logo is too large: at most 256 KB."))
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        raise Invalid(
            [field],
            _("SVG logos are not accepted (they can carry scripts): use PNG, JPEG or WebP."),
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise Invalid([field], _("This file is not a PNG, JPEG or WebP image.")) from None
    if kind not in LOGO_TYPES:
        raise Invalid([field], _("This file is not a PNG, JPEG or WebP image."))
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
        raise Invalid([field], _("The logo is too large: at most 2000 by 2000 pixels."))
    return LOGO_TYPES[kind]


def workspace_snapshot(workspace: Workspace) -> dict:
    """What the audit log keeps (the logo by its type and size, never its bytes)."""
    logo = bytes(workspace.logo) if workspace.logo else b""
    return {
        "name": workspace.name,
        "brand_color": workspace.brand_color,
        "default_language": workspace.default_language,
        "time_zone": workspace.time_zone,
        "logo": f"{workspace.logo_type}, {len(logo)} B" if logo else None,
    }


def _clean(changes: dict) -> dict:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid([sorted(unknown)[0]], _("This setting cannot be changed here."))
    clean = {}
    if "name" in changes:
        name = " ".join(str(changes["name"] or "").split())
        if not name:
            raise Invalid(["name"], _("Give the workspace a name."))
        if len(name) > 200:
            raise Invalid(["name"], _("At most 200 characters."))
        clean["name"] = name
    if "brand_color" in changes:
        colour = str(changes["brand_color"] or "").strip()
        if not COLOUR.match(colour):
            raise Invalid(["brand_color"], _("Enter a colour as #rrggbb, such as #0054a6."))
        clean["brand_color"] = colour.lower()
    if "default_language" in changes:
        if changes["default_language"] not in LANGUAGES:
            raise Invalid(["default_language"], _("Choose Indonesian or English."))
        clean["default_language"] = changes["default_language"]
    if "time_zone" in changes:
        clean["time_zone"] = time_zone_check(changes["time_zone"])
    if "logo" in changes:
        logo = changes["logo"]
        clean["logo"] = (bytes(logo), logo_check(bytes(logo))) if logo else (None, "")
    return clean


def workspace_update(*, workspace: Workspace, actor: Actor | None = None, **changes) -> Workspace:
    """Change the workspace's settings (any of EDITABLE; `logo`: the image's bytes, or None to
    remove it). Everything is checked before anything changes; an unchanged value records
    nothing. Returns the workspace as saved."""
    clean = _clean(changes)
    with transaction.atomic():
        current = Workspace.objects.select_for_update(no_key=True).get(pk=workspace.pk)
        before = workspace_snapshot(current)
        fields = []
        for name, value in clean.items():
            if name == "logo":
                data, content_type = value
                if (bytes(current.logo) if current.logo else None) != data:
                    current.logo, current.logo_type = data, content_type
                    fields += ["logo", "logo_type"]
            elif getattr(current, name) != value:
                setattr(current, name, value)
                fields.append(name)
        if fields:
            current.save(update_fields=fields)
            after = workspace_snapshot(current)
            audit_record(
                workspace=current,
                actor=actor,
                action="workspace.update",
                target=current,
                before={k: v for k, v in before.items() if before[k] != after[k]},
                after={k: v for k, v in after.items() if before[k] != after[k]},
            )
    for name in ("name", "brand_color", "default_language", "time_zone", "logo", "logo_type"):
        setattr(workspace, name, getattr(current, name))
    return current
