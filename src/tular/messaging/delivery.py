"""Delivery of queued e-mails: claim, send, record. Called by the task and the periodic job.

Claiming is one conditional UPDATE (the row must still be queued and due, and exactly one row
must change), in the style of healthchecks' sendalerts: two workers running the task for one
row (a duplicate enqueue, the periodic job racing the first task) send it once. The claim
pushes `next_attempt_at` a lease ahead, so an attempt whose worker dies is retried after the
lease. Delivery is at least once: a worker that dies after the server accepted the message
and before the row says `sent` sends it again (the stable Message-ID lets clients fold it).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F, Q

from tular.core import clock
from tular.core.ids import parse_uuid
from tular.messaging.models import OutboundEmail

logger = logging.getLogger(__name__)

# After the n-th failed attempt the next one is BACKOFF[n - 1] later; the 6th failure is final.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a claimed attempt may take before another worker may try again (SMTP timeout 10 s).
LEASE = timedelta(minutes=10)
# A first attempt not made this long after the commit: its task was lost; the job sends it.
LOST_AFTER = timedelta(minutes=2)
ERROR_LENGTH = 500


def sender() -> str:
    """The From address: TULAR_EMAIL_FROM, else settings.DEFAULT_FROM_EMAIL."""
    configured = getattr(getattr(settings, "CONFIG", None), "email_from", None)
    return configured or settings.DEFAULT_FROM_EMAIL


def describe(exc: BaseException) -> str:
    """One short line for `last_error` (what the server said, never a traceback)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{code} {_text(message)}" for code, message in exc.recipients.values())
        text = f"recipient refused: {said}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:ERROR_LENGTH]


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def is_permanent(exc: BaseException) -> bool:
    """The server refused the recipient for good (5xx): retrying cannot help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _message in exc.recipients.values()
    )


def email_message(email: OutboundEmail) -> EmailMultiAlternatives:
    from_email = sender()
    domain = from_email.rstrip(">").rpartition("@")[2] or "tular.invalid"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=from_email,
        to=[email.to],
        headers={
            # The same id on every attempt: a rare duplicate (see above) reads as one message.
            "Message-ID": f"<{email.pk}@{domain}>",
            # RFC 3834: machine-sent, so out-of-office replies stay away.
            "Auto-Submitted": "auto-generated",
            "Content-Language": email.language,
        },
    )
    if email.unsubscribe_url:
        # RFC 8058 one-click unsubscribe: the mail client POSTs "List-Unsubscribe=One-Click"
        # to the URL; RFC 2369 wants it in angle brackets.
        message.extra_headers["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def email_deliver(email_id) -> str:
    """Send one e-mail if it is queued and due. Returns "sent", "retry", "failed", or
    "skipped" (unknown, already sent or failed, not due yet, or being sent by another worker)."""
    pk = parse_uuid(email_id)
    if pk is None:
        return "skipped"
    now = clock.now()
    claimed = OutboundEmail.objects.filter(
        pk=pk,
        status=OutboundEmail.Status.QUEUED,
        next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if claimed != 1:
        return "skipped"
    email = OutboundEmail.objects.get(pk=pk)
    # Only this attempt may record its outcome (a later attempt after our lease owns the row).
    mine = OutboundEmail.objects.filter(
        pk=pk, status=OutboundEmail.Status.QUEUED, attempts=email.attempts
    )
    try:
        sent = mailers.default.send_messages([email_message(email)])
        if sent != 1:
            raise RuntimeError("the mailer accepted no message")
    except Exception as exc:
        error = describe(exc)
        if is_permanent(exc) or email.attempts >= MAX_ATTEMPTS:
            mine.update(status=OutboundEmail.Status.FAILED, last_error=error)
            logger.warning(
                "e-mail %s (%s) failed for good after %d attempt(s): %s",
                pk,
                email.kind,
                email.attempts,
                error,
            )
            return "failed"
        retry_at = clock.now() + BACKOFF[email.attempts - 1]
        mine.update(last_error=error, next_attempt_at=retry_at)
        logger.info("e-mail %s (%s) attempt %d failed: %s", pk, email.kind, email.attempts, error)
        return "retry"
    mine.update(status=OutboundEmail.Status.SENT, sent_at=clock.now())
    return "sent"


def emails_due(*, limit: int = 100) -> list:
    """Ids of queued e-mails to send now: retries whose time has come, attempts whose worker
    died (lease over), and first attempts whose task was lost (LOST_AFTER after queueing)."""
    now = clock.now()
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, next_attempt_at__lte=now - LOST_AFTER)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def emails_fail_abandoned() -> int:
    """The last attempt's worker died and its lease is over: nothing more will try, so the row
    is failed rather than left queued forever."""
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED,
        attempts__gte=MAX_ATTEMPTS,
        next_attempt_at__lte=clock.now(),
    ).update(
        status=OutboundEmail.Status.FAILED,
        last_error="the last attempt did not finish (the worker stopped while sending)",
    )
