"""Sending e-mail from any app: `email_send` queues it in the caller's transaction and the
worker sends it after the commit (never inside the request).

    from tular.messaging.services import email_send

    email_send(
        to="sari@toko.example", kind="invitation", template="invitation", language="id",
        workspace=workspace,
        context={"workspace_name": workspace.name, "inviter": "Andi", "role_label": role.label,
                 "accept_url": url, "valid_days": 7},
    )

`email_queue` queues a text already rendered from a message template (referrals.notify): a
referrer's pipeline news or an ask, with the unsubscribe headers, recorded as suppressed
instead of sent to an address that unsubscribed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail
from tular.messaging.tasks import deliver_email
from tular.messaging.unsubscribe import is_suppressed, unsubscribe_url

logger = logging.getLogger(__name__)


def email_language(language: str | None) -> str:
    """One of settings.LANGUAGES for a language tag ("id", "en-US"); the default language
    (Indonesian) for anything else, so a recipient with an unknown locale still gets mail."""
    try:
        return translation.get_supported_language_variant(language or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def email_render(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of `templates/messaging/<template>.*` in `language`; html is ""
    when the template has no .html part. The subject is one line."""
    base = f"messaging/{template}"
    with translation.override(language):
        subject = " ".join(render_to_string(f"{base}.subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context).strip() + "\n"
        try:
            html_template = get_template(f"{base}.html")
        except TemplateDoesNotExist:
            html = ""
        else:
            html = html_template.render(context)
    return subject, text, html


def email_send(
    *,
    to: str,
    kind: str,
    template: str,
    context: dict,
    language: str,
    workspace=None,
) -> OutboundEmail:
    """Queue an e-mail to one address, rendered now in the recipient's `language`.

    The row is written in the caller's transaction; the worker's `deliver_email` task is
    enqueued only when that transaction commits (a rollback sends nothing and leaves no row).
    A task that is lost is picked up by the periodic job (`messaging/jobs.py`). These are the
    transactional e-mails (sign-in links, invitations): never suppressed, no unsubscribe link."""
    address = _address(to)
    language = email_language(language)
    subject, text, html = email_render(template=template, context=context, language=language)
    return _queue(
        workspace=workspace,
        to=address,
        kind=kind,
        language=language,
        subject=subject,
        text=text,
        html=html,
    )


def email_queue(
    *,
    to: str,
    kind: str,
    subject: str,
    text: str,
    language: str,
    workspace,
    category: str,
    obey_unsubscribe: bool = True,
    brand: dict | None = None,
    template_key: str = "",
    template_source: str = "",
    referral=None,
    base_url: str | None = None,
) -> OutboundEmail:
    """Queue an already rendered e-mail (a message template's `subject` and plain `text`) to
    one address of `workspace`, like `email_send`: written now, sent after the commit.

    `category` is OutboundEmail.Category.PIPELINE or MARKETING: the e-mail carries the RFC 8058
    unsubscribe headers and a line with the link. When the address unsubscribed from the
    workspace, a marketing e-mail, and a pipeline one whose caller passes
    `obey_unsubscribe=True`, is recorded as `suppressed` and never sent. The HTML part is the
    text in the messaging layout, under `brand` (name, logo_url, brand_colour) when given.
    `template_key`, `template_source` and `referral` are recorded on the row."""
    if category not in (OutboundEmail.Category.PIPELINE, OutboundEmail.Category.MARKETING):
        raise ValueError(f"email_queue sends pipeline or marketing e-mail, not {category!r}")
    address = _address(to)
    language = email_language(language)
    suppressed = is_suppressed(workspace=workspace, email=address) and (
        category == OutboundEmail.Category.MARKETING or obey_unsubscribe
    )
    link = unsubscribe_url(workspace=workspace, email=address, language=language, base_url=base_url)
    with translation.override(language):
        footer = _("To stop receiving these e-mails: %(link)s") % {"link": link}
        html = render_to_string(
            "messaging/templated.html",
            {
                "subject": subject,
                "paragraphs": text_to_html(text),
                "brand": brand or {},
                "unsubscribe_url": link,
            },
        )
    return _queue(
        workspace=workspace,
        to=address,
        kind=kind,
        language=language,
        subject=subject,
        text=f"{text.rstrip()}\n\n-- \n{footer}\n",
        html=html,
        category=category,
        template_key=template_key,
        template_source=template_source,
        referral=referral,
        unsubscribe=link,
        suppressed=suppressed,
    )


def text_to_html(text: str) -> list:
    """A plain text's paragraphs as safe HTML: escaped, links made clickable, line breaks
    kept."""
    paragraphs = [part.strip("\n") for part in text.strip().split("\n\n") if part.strip()]
    # urlize escapes each line it is given: the joined result is safe.
    return [
        mark_safe("<br>".join(urlize(line) for line in part.split("\n")))  # noqa: S308
        for part in paragraphs
    ]


def _address(to: str) -> str:
    try:
        return validate_email(to, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(["to"], _("Enter a valid e-mail address.")) from None


def _queue(
    *,
    workspace,
    to: str,
    kind: str,
    language: str,
    subject: str,
    text: str,
    html: str,
    category: str = OutboundEmail.Category.TRANSACTIONAL,
    template_key: str = "",
    template_source: str = "",
    referral=None,
    unsubscribe: str = "",
    suppressed: bool = False,
) -> OutboundEmail:
    now = clock.now()
    email = OutboundEmail.objects.create(
        workspace=workspace,
        to=to,
        kind=kind,
        language=language,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        created_at=now,
        next_attempt_at=now,
        category=category,
        template_key=template_key,
        template_source=template_source,
        referral=referral,
        unsubscribe_url=unsubscribe,
        status=OutboundEmail.Status.SUPPRESSED if suppressed else OutboundEmail.Status.QUEUED,
        last_error="the address unsubscribed" if suppressed else "",
    )
    if suppressed:
        logger.info("e-mail %s (%s) not sent: the address unsubscribed", email.pk, kind)
        return email
    email_id = str(email.pk)
    # robust: the caller's work is committed whatever the queue says; a task that could not
    # be enqueued is found by the periodic job two minutes later.
    transaction.on_commit(lambda: deliver_email.enqueue(email_id), robust=True)
    return email
