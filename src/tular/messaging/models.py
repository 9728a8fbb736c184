"""The outbox: one row per e-mail, written in the caller's transaction, sent by the worker."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7


class OutboundEmail(models.Model):
    """An e-mail to one address, rendered when it was queued (in the recipient's language).

    Append-only apart from the delivery bookkeeping: the worker claims a due row with a
    conditional UPDATE, sends it, and records `sent` or the error and the next attempt."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")  # waiting for its first or next attempt
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")  # refused for good, or every attempt failed

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("workspace"),
    )
    to = models.EmailField(_("recipient"), max_length=254)
    kind = models.CharField(_("kind"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Due for its next attempt from then on; while an attempt runs, the end of its lease.
    next_attempt_at = models.DateTimeField(_("next attempt at"))

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            # The worker's scan for due rows (retries, lost tasks).
            models.Index(fields=["status", "next_attempt_at"], name="outbound_email_due"),
            models.Index(fields=["workspace", "created_at"], name="outbound_email_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to} ({self.status})"
