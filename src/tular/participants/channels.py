"""Where a referral link was shared (R13): the `ch` query parameter of /r/CODE?ch=whatsapp.

The portal's share buttons tag their links with one of these; clicks, sign-ups and sales are
then counted per channel. Anything else in `ch` (typed by hand, or an old value) is recorded
as "" (shared as it is), never refused: a link must always work.
"""

from django.utils.translation import gettext_lazy as _

# Order: how the portal offers them (WhatsApp first, R9).
CHANNELS = {
    "whatsapp": _("WhatsApp"),
    "email": _("E-mail"),
    "telegram": _("Telegram"),
    "linkedin": _("LinkedIn"),
    "x": _("X"),
    "facebook": _("Facebook"),
    "qr": _("QR code"),
    "signature": _("E-mail signature"),
    "newsletter": _("Newsletter"),
    "flyer": _("Flyer"),
    "in_app": _("In the app"),
}
DIRECT_LABEL = _("Link shared as it is")


def channel_of(raw: str | None) -> str:
    """The known channel named by `ch`, else ""."""
    if not raw:
        return ""
    value = raw.strip().lower()
    return value if value in CHANNELS else ""


def channel_label(channel: str) -> str:
    return str(CHANNELS.get(channel, DIRECT_LABEL))


def tagged(url: str, channel: str) -> str:
    """A referral URL carrying its channel (`/r/CODE?ch=whatsapp`)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{url}{'&' if '?' in url else '?'}ch={channel}"
