"""Webhooks out: endpoints, the messages sent to them, and each delivery's attempts.

A `Message` is one event as sent (its body is the exact bytes every attempt signs and posts);
a `Delivery` is that message on its way to one endpoint, with its retry bookkeeping; an
`Attempt` is one HTTP request of a delivery, kept for the delivery log.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7


class Endpoint(models.Model):
    """A URL of the workspace's that receives the events it subscribes to, signed with its
    secret (Standard Webhooks)."""

    class DisabledReason(models.TextChoices):
        MANUAL = "manual", _("turned off by a person")
        GONE = "gone", _("the receiver answered 410 Gone")

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    # Event type names (tular.webhooks.events), or ["*"] for all of them.
    events = models.JSONField(_("events"), default=list)
    # whsec_ + base64 of 32 random bytes. Kept as is: every delivery is signed with it.
    secret = models.CharField(_("signing secret"), max_length=100)
    # After a rotation the old secret signs too (a second signature) until then, so the
    # receiver can switch without losing deliveries.
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(
        _("why it is off"), max_length=16, choices=DisabledReason.choices, blank=True, default=""
    )
    disabled_at = models.DateTimeField(_("turned off at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["workspace", "enabled"], name="webhook_endpoint_ws")]

    def __str__(self) -> str:
        return self.url


class Message(models.Model):
    """One event as sent: the Standard Webhooks envelope {"type", "timestamp", "data"}."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    type = models.CharField(_("event"), max_length=64)
    # The JSON text itself, not a JSON column: every attempt must sign and send the same bytes
    # (PostgreSQL's jsonb would reorder the keys).
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        indexes = [models.Index(fields=["created_at"], name="webhook_message_created")]

    def __str__(self) -> str:
        return f"{self.type} {self.webhook_id}"

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: the same on every attempt and redelivery."""
        return f"msg_{self.id.hex}"


class Delivery(models.Model):
    """A message on its way to one endpoint.

    The worker claims a due delivery with a conditional UPDATE (messaging's pattern), posts it,
    and records the attempt: `succeeded` on a 2xx, else the next attempt after the backoff, and
    `failed` after the round's last attempt. A redelivery starts a new round (`round_start` is
    the number of attempts made before it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    round_start = models.PositiveIntegerField(default=0)
    # Due for its next attempt from then on (while pending).
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # While an attempt runs: when another worker may take over (the worker died).
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id} ({self.status})"


class Attempt(models.Model):
    """One HTTP request of a delivery, as the delivery log shows it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    # The URL finally posted to (after redirects).
    url = models.CharField(_("URL"), max_length=2000)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True, default="")
    error = models.CharField(_("error"), max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
