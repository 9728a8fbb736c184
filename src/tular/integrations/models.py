from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7
from tular.programs.models import Program
from tular.workspaces.models import Workspace


class StripeIntegration(models.Model):
    """A Stripe account's webhook endpoint feeding one program (api-v1, "Stripe in").

    The token in the webhook URL only routes the request to this row; what authenticates it is
    the Stripe-Signature, checked against `signing_secret` (kept in clear: an HMAC needs it).
    """

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    signing_secret = models.CharField(_("signing secret"), max_length=255)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Stripe integration")
        verbose_name_plural = _("Stripe integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "program"], name="one_stripe_integration_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"Stripe → {self.program_id}"
