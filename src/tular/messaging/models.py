"""The outbox: one row per e-mail, written in the caller's transaction, sent by the worker;
the managers' message templates (per program, key and language); and the addresses that
unsubscribed (per workspace)."""

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
        # Never sent: the address unsubscribed and the e-mail is one it unsubscribed from.
        SUPPRESSED = "suppressed", _("suppressed")

    class Category(models.TextChoices):
        # Sign-in links, invitations, password resets: always sent, no unsubscribe link.
        TRANSACTIONAL = "transactional", _("transactional")
        # News about a referred lead: carries the unsubscribe headers; an unsubscribed address
        # gets it unless its program says otherwise (the caller decides, see email_queue).
        PIPELINE = "pipeline", _("pipeline news")
        # Asks and announcements: carries the unsubscribe headers; never to an unsubscribed
        # address.
        MARKETING = "marketing", _("asks and announcements")

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
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=Category.choices,
        default=Category.TRANSACTIONAL,
        db_default=Category.TRANSACTIONAL,
    )
    # The message template it was written from (messaging.catalogue's key) and whether it was
    # the program's own text ("override") or Tular's ("default"); blank for the built-in mails.
    template_key = models.CharField(
        _("template"), max_length=64, blank=True, default="", db_default=""
    )
    template_source = models.CharField(
        _("template source"), max_length=16, blank=True, default="", db_default=""
    )
    # The lead it is about (pipeline news), so the console's referral page lists it.
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referral"),
    )
    # RFC 8058: sent as List-Unsubscribe (with List-Unsubscribe-Post); blank = no such headers.
    unsubscribe_url = models.CharField(
        _("unsubscribe link"), max_length=500, blank=True, default="", db_default=""
    )

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


class MessageTemplate(models.Model):
    """A manager's own text of one message (messaging.catalogue's key) of one program in one
    language. Without a row the default text of the catalogue is used. Saved only when it
    renders (messaging.templates.template_save)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="message_templates"
    )
    key = models.CharField(_("message"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.CharField(_("updated by"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "key", "language"], name="message_template_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


class Suppression(models.Model):
    """An address that unsubscribed from a workspace's asks and announcements (one-click or
    from the page). Deleted when the person subscribes again."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    email = models.CharField(_("e-mail"), max_length=254)  # normalised (lower case)
    created_at = models.DateTimeField(_("unsubscribed at"))
    # "one-click" (the mail client's RFC 8058 POST) or "page" (the button on the page).
    source = models.CharField(_("how"), max_length=16)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="suppression_per_address")
        ]

    def __str__(self) -> str:
        return self.email
