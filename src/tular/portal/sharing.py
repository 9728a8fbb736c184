"""What a referrer shares, and where (R9, R13, R60): the links of the share buttons, the message
they carry, and the snippets of the distribution kit.

Every link handed out here is the person's referral link tagged with the place it goes
(`/r/CODE?ch=whatsapp`, participants.channels.tagged), so clicks, sign-ups and sales are counted
per channel. The share message is the program's (programs.copy, the manager's words or the
default) with its merge fields filled with the *plain* link; each button swaps in its own
tagged link, so the one text in the editable box serves every channel.

How each channel takes the text (`mode`, mirrored by portal.js when the person edits it):
- "inline": the text is the whole message (WhatsApp, e-mail); the plain link in it becomes the
  tagged one, and a text without the link gets it appended (a share must always carry it).
- "separate": the channel takes the link in its own parameter (Telegram, X); the link is taken
  out of the text so it does not appear twice.
- "link": the channel takes only the link (LinkedIn, Facebook: they read the landing page).

The URL of each button is also given as a template with TEXT_PLACEHOLDER where the (encoded)
text goes, so the page's script rebuilds the buttons as the person types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import segno
from django.utils.html import format_html
from django.utils.translation import gettext as _

from tular.participants.channels import channel_label, tagged
from tular.participants.qr import qr_png, qr_svg
from tular.participants.services import referral_url
from tular.programs.copy import Copy, copy_for, fill

TEXT_PLACEHOLDER = "__TULAR_TEXT__"


@dataclass(frozen=True)
class Channel:
    name: str  # a participants.channels.CHANNELS key
    icon: str  # templates/icons/<icon>.svg
    mode: str  # "inline" | "separate" | "link" (see the module's docstring)
    pattern: str  # the URL, with {text}, {url} and {subject} encoded


# The order the portal offers them: WhatsApp first (the one most Indonesians use, R9).
SHARE_CHANNELS = [
    Channel("whatsapp", "brand-whatsapp", "inline", "https://wa.me/?text={text}"),
    Channel("email", "mail", "inline", "mailto:?subject={subject}&body={text}"),
    Channel(
        "telegram", "brand-telegram", "separate", "https://t.me/share/url?url={url}&text={text}"
    ),
    Channel(
        "linkedin",
        "brand-linkedin",
        "link",
        "https://www.linkedin.com/sharing/share-offsite/?url={url}",
    ),
    Channel("x", "brand-x", "separate", "https://twitter.com/intent/tweet?text={text}&url={url}"),
    Channel(
        "facebook", "brand-facebook", "link", "https://www.facebook.com/sharer/sharer.php?u={url}"
    ),
]


def _encode(value: str) -> str:
    return quote(value, safe="")


def link_pattern(link: str) -> re.Pattern:
    """The plain link in a text, with any channel tag a pasted link already carries."""
    return re.compile(re.escape(link) + r"(?:\?ch=[a-z_]*)?")


def text_for(text: str, *, link: str, channel_link: str, mode: str) -> str:
    """The message as one channel sends it (see the module's docstring)."""
    pattern = link_pattern(link)
    if mode == "inline":
        if pattern.search(text):
            return pattern.sub(lambda _m: channel_link, text)
        return f"{text.rstrip()} {channel_link}".strip()
    if mode == "separate":
        return re.sub(r"[ \t]{2,}", " ", pattern.sub("", text)).strip()
    return ""


def referral_link(participant, *, base_url: str | None) -> str:
    """The person's referral link, untagged (TULAR_PUBLIC_URL, else the request's site)."""
    return referral_url(participant.code, base_url)


def email_subject(participant) -> str:
    workspace = participant.program.workspace.name
    if participant.name:
        return _("%(name)s invites you to %(workspace)s") % {
            "name": participant.name,
            "workspace": workspace,
        }
    return _("An invitation to %(workspace)s") % {"workspace": workspace}


def share_links(*, participant, text: str, base_url: str | None, subject: str = "") -> list[dict]:
    """One share button per channel, in the order the portal shows them.

    `text` is the share message, with merge fields ({link}, {code}, {name}) or already filled
    with the plain link. Each entry: channel, label, icon, url (the text in it, tagged link),
    link (the tagged referral link), mode, and template (url with TEXT_PLACEHOLDER for the
    encoded text).
    """
    link = referral_link(participant, base_url=base_url)
    text = fill(text, link=link, code=participant.code, name=participant.name or "")
    subject = subject or email_subject(participant)
    links = []
    for channel in SHARE_CHANNELS:
        channel_link = tagged(link, channel.name)
        message = text_for(text, link=link, channel_link=channel_link, mode=channel.mode)
        template = channel.pattern.format(
            text=TEXT_PLACEHOLDER, url=_encode(channel_link), subject=_encode(subject)
        )
        links.append(
            {
                "channel": channel.name,
                "label": channel_label(channel.name),
                "icon": channel.icon,
                "url": template.replace(TEXT_PLACEHOLDER, _encode(message)),
                "link": channel_link,
                "mode": channel.mode,
                "template": template,
            }
        )
    return links


def share_panel(*, participant, language: str, base_url: str | None) -> dict:
    """Everything templates/portal/_share_buttons.html and the program page need to share.

    link (plain), code, text (the program's share message, filled), links
    (share_links), placeholder (TEXT_PLACEHOLDER) and copy (the program's Copy in `language`).
    """
    copy = copy_for(program=participant.program, language=language)
    link = referral_link(participant, base_url=base_url)
    text = filled(copy.share_message, participant=participant, link=link)
    return {
        "link": link,
        "code": participant.code,
        "text": text,
        "links": share_links(participant=participant, text=text, base_url=base_url),
        "placeholder": TEXT_PLACEHOLDER,
        "copy": copy,
    }


def filled(text: str, *, participant, link: str) -> str:
    return fill(text, link=link, code=participant.code, name=participant.name or "")


def messages(copy: Copy, *, participant, link: str) -> list[str]:
    """The program's pre-written messages, filled with the plain link."""
    return [filled(m, participant=participant, link=link) for m in copy.messages]


# QR codes (R9): of the link tagged with where the code is shown.


def qr_of(participant, *, base_url: str | None, channel: str = "qr", fmt: str = "png") -> bytes:
    url = tagged(referral_link(participant, base_url=base_url), channel)
    return qr_png(url) if fmt == "png" else qr_svg(url)


def qr_inline_svg(url: str, *, css: str = "") -> str:
    """A QR code as an <svg> element to put in a page (a viewBox, so CSS sizes it)."""
    return segno.make_qr(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass=css or None, lineclass=None
    )


# The distribution kit (R60): small HTML that survives e-mail clients, so styles are inline and
# the layout is a table (Outlook ignores most CSS).

FONT = "font-family:Arial,Helvetica,sans-serif"


def signature_html(*, copy: Copy, link: str, colour: str, workspace_name: str) -> str:
    """An e-mail-signature line: a thin rule, the invitation and the friend's incentive."""
    incentive = copy.incentive
    return str(
        format_html(
            '<table cellpadding="0" cellspacing="0" border="0" role="presentation" '
            'style="{};font-size:13px;line-height:1.4;color:#333333;">'
            '<tr><td style="padding-top:8px;border-top:1px solid #dddddd;">'
            "{} "
            '<a href="{}" style="color:{};font-weight:bold;text-decoration:underline;">{}</a>'
            "</td></tr></table>",
            FONT,
            incentive,
            link,
            colour,
            _("Try %(workspace)s with my invitation") % {"workspace": workspace_name},
        )
    )


def newsletter_html(*, copy: Copy, link: str, code: str, colour: str) -> str:
    """A newsletter block: headline, value proposition, incentive and a button-like link."""
    return str(
        format_html(
            '<table cellpadding="0" cellspacing="0" border="0" role="presentation" width="100%" '
            'style="{};max-width:560px;border:1px solid #dddddd;border-radius:6px;">'
            '<tr><td style="padding:20px;color:#333333;font-size:15px;line-height:1.5;">'
            '<p style="margin:0 0 8px;font-size:20px;font-weight:bold;color:#111111;">{}</p>'
            '<p style="margin:0 0 8px;">{}</p>'
            '<p style="margin:0 0 16px;font-weight:bold;">{}</p>'
            '<a href="{}" style="display:inline-block;padding:10px 18px;background:{};'
            'color:#ffffff;font-weight:bold;text-decoration:none;border-radius:4px;">{}</a>'
            '<p style="margin:12px 0 0;font-size:13px;color:#555555;">{}</p>'
            "</td></tr></table>",
            FONT,
            copy.headline,
            copy.value_proposition,
            copy.incentive,
            link,
            colour,
            copy.button,
            _("Or use the code %(code)s when you sign up.") % {"code": code},
        )
    )


def newsletter_text(*, copy: Copy, link: str, code: str) -> str:
    """The newsletter block as plain text (for text-only newsletters and chats)."""
    lines = [
        copy.headline,
        "",
        copy.value_proposition,
        copy.incentive,
        "",
        f"{copy.button}: {link}",
        _("Or use the code %(code)s when you sign up.") % {"code": code},
    ]
    return "\n".join(lines)
