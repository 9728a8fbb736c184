from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.ids import new_uuid7
from tular.programs.models import Program
from tular.workspaces.models import Workspace


class ParticipantKind(models.TextChoices):
    customer = "customer", _("customer")
    affiliate = "affiliate", _("affiliate")
    reseller = "reseller", _("reseller")
    partner = "partner", _("partner")
    employee = "employee", _("employee")
    network = "network", _("network contact")
    alumni = "alumni", _("alumnus")


class Participant(models.Model):
    """Someone who refers: a customer, partner, affiliate, employee… in one program."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    # Denormalised from program so tenant checks and the redirect need no join.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="participants")
    # NULL, not "": participants enrolled without an id must not collide on the unique constraint.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"), max_length=200, null=True, blank=True
    )
    email = models.EmailField(_("e-mail"), max_length=254)
    email_normalised = models.CharField(max_length=254, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ParticipantKind.choices)
    locale = models.CharField(_("language"), max_length=8, default="id")
    code = models.CharField(_("code"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)  # the one clock

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="participant_external_id_per_program",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} ({self.code})"
