"""What the asset library accepts: a file's type by its name's extension AND by its content
(magic numbers, read with the `filetype` package; Office files opened as the zip they are),
and its size against TULAR_ASSET_MAX_MB. A renamed file (an .exe called .pdf) is refused.

SVG is text, so it has no magic number: it must be UTF-8 starting like an SVG document and
hold no script (no <script>, no on…= handler, no javascript: link, no foreignObject). Every
download is an attachment with `Content-Security-Policy: sandbox` and `nosniff` besides
(enablement.views), so even a file that slipped through never runs in the site's origin.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tular.core.errors import Invalid

# extension → (the content type it is served with, how its content is recognised)
ACCEPTED: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpg"),
    "jpeg": ("image/jpeg", "jpg"),
    "webp": ("image/webp", "webp"),
    "svg": ("image/svg+xml", "svg"),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ooxml:ppt/",
    ),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "ooxml:word/",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ooxml:xl/"),
    "zip": ("application/zip", "zip"),
    "mp4": ("video/mp4", "mp4"),
}
# What the form's file input offers (the browser's filter; the server checks again).
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in ACCEPTED)
KINDS_SHOWN = "PDF, PNG, JPG, WebP, SVG, PPTX, DOCX, XLSX, ZIP, MP4"
# Enough of the file's head for every matcher (filetype reads at most 8 KB).
HEAD_BYTES = 8192

_SVG_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]", re.S
)
_SVG_ACTIVE = re.compile(
    rb"<\s*script|<\s*foreignObject|\son[a-z]+\s*=|javascript\s*:|<!ENTITY", re.I
)


# Control characters are dropped from a file's name (PostgreSQL cannot store NUL).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    content_type: str
    size: int
    name: str


def max_bytes() -> int:
    return settings.TULAR_ASSET_MAX_BYTES


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _refuse(message: str):
    raise Invalid(["file"], message)


def _zip_names(upload) -> list[str] | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


def _content_matches(how: str, head: bytes, upload) -> bool:
    if how == "svg":
        try:
            text = upload.read().decode("utf-8-sig").encode()
        except UnicodeDecodeError:
            return False
        finally:
            upload.seek(0)
        return bool(_SVG_START.match(text[:HEAD_BYTES]))
    if how.startswith("ooxml:"):
        names = _zip_names(upload) if head.startswith(b"PK\x03\x04") else None
        folder = how.removeprefix("ooxml:")
        return bool(
            names
            and "[Content_Types].xml" in names
            and any(name.startswith(folder) for name in names)
        )
    if how == "zip":
        return head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and _zip_names(upload) is not None
    kind = filetype.guess(head)
    if how == "mp4":
        return kind is not None and kind.extension in {"mp4", "m4v"}
    return kind is not None and kind.extension == how


def check_upload(upload) -> CheckedFile:
    """The upload's accepted type and size, or Invalid at ["file"] saying what is wrong in
    words a manager can act on. `upload` is a Django UploadedFile (or any file with name and
    size)."""
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    name = _CONTROL.sub("", name).strip()[:255]
    extension = extension_of(name)
    size = upload.size
    if extension not in ACCEPTED:
        shown = f".{extension}" if extension else _("no extension")
        _refuse(
            _("This type of file is not accepted (%(shown)s). Upload one of: %(kinds)s.")
            % {"shown": shown, "kinds": KINDS_SHOWN}
        )
    if size > max_bytes():
        _refuse(
            _("The file is too large: %(size)s. The largest file accepted is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())}
        )
    if size == 0:
        _refuse(_("The file is empty."))
    content_type, how = ACCEPTED[extension]
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if not _content_matches(how, head, upload):
        _refuse(
            _(
                "The file's content is not %(kind)s, though its name ends in .%(extension)s. "
                "Save it again as %(kind)s, or upload it with the extension of what it is."
            )
            % {"kind": extension.upper(), "extension": extension}
        )
    if how == "svg":
        upload.seek(0)
        active = _SVG_ACTIVE.search(upload.read())
        upload.seek(0)
        if active:
            _refuse(
                _(
                    "This SVG contains a script or an event handler, which is not accepted. "
                    "Export it again as plain SVG, or upload a PNG."
                )
            )
    return CheckedFile(extension=extension, content_type=content_type, size=size, name=name)
