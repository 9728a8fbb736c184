"""Sending e-mail from any app: `email_send` queues it in the caller's transaction and the
worker sends it after the commit (never inside the request).

    from tular.messaging.services import email_send

    email_send(
        to="sari@toko.example", kind="invitation", template="invitation", language="id",
        workspace=workspace,
        context={"workspace_name": workspace.name, "inviter": "Andi", "role_label": role.label,
                 "accept_url": url, "valid_days": 7},
    )
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail
from tular.messaging.tasks import deliver_email

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
    A task that is lost is picked up by the periodic job (`messaging/jobs.py`)."""
    try:
        address = validate_email(to, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(["to"], str(_("Enter a valid e-mail address."))) from None
    language = email_language(language)
    subject, text, html = email_render(template=template, context=context, language=language)
    now = clock.now()
    email = OutboundEmail.objects.create(
        workspace=workspace,
        to=address,
        kind=kind,
        language=language,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        created_at=now,
        next_attempt_at=now,
    )
    email_id = str(email.pk)
    # robust: the caller's work is committed whatever the queue says; a task that could not
    # be enqueued is found by the periodic job two minutes later.
    transaction.on_commit(lambda: deliver_email.enqueue(email_id), robust=True)
    return email
