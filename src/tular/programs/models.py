from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7
from tular.programs.rules import ProgramKind
from tular.workspaces.models import Workspace

PROGRAM_KIND_CHOICES = [
    (ProgramKind.customer.value, _("customer referral")),
    (ProgramKind.affiliate.value, _("affiliate")),
    (ProgramKind.reseller.value, _("reseller")),
    (ProgramKind.technology_partner.value, _("technology partner")),
    (ProgramKind.service_partner.value, _("service partner")),
    (ProgramKind.employee.value, _("employee referral")),
    (ProgramKind.network.value, _("partner network")),
]


class ProgramStatus(models.TextChoices):
    """active: everything runs. paused: links keep redirecting and events are recorded, but no
    reward is granted. archived: as paused, hidden from lists by default, settings read-only."""

    active = "active", _("active")
    paused = "paused", _("paused")
    archived = "archived", _("archived")


class Program(models.Model):
    """A referral, affiliate, partner or employee program. Reward rules are validated config."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="programs")
    slug = models.SlugField(_("slug"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=PROGRAM_KIND_CHOICES)
    currency = models.CharField(_("currency"), max_length=3)
    destination_url = models.URLField(_("destination URL"), max_length=2000)
    allowed_hosts = models.JSONField(_("allowed hosts"), default=list, blank=True)
    # Validated by tular.programs.rules.ProgramConfig before every save (see services).
    attribution = models.JSONField(_("attribution"), default=dict)
    hold_days = models.PositiveIntegerField(_("hold days"), default=14)
    auto_approve_below = models.BigIntegerField(_("auto-approve below"), null=True, blank=True)
    clawback_days = models.PositiveIntegerField(_("clawback days"), default=60)
    monetary_rewards_allowed = models.BooleanField(_("monetary rewards allowed"), default=True)
    rules = models.JSONField(_("reward rules"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProgramStatus.choices,
        default=ProgramStatus.active,
        db_default=ProgramStatus.active,  # rows written by older code are active
    )
    # R6's compliance record: who last turned cash rewards on or off, and when.
    monetary_rewards_changed_by = models.CharField(
        _("monetary rewards changed by"), max_length=200, blank=True, default="", db_default=""
    )
    monetary_rewards_changed_at = models.DateTimeField(
        _("monetary rewards changed at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="program_slug_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grants_rewards(self) -> bool:
        """Only an active program grants rewards (paused and archived ones record events)."""
        return self.status == ProgramStatus.active

    @property
    def window_days(self) -> int:
        return int(self.attribution.get("window_days", 30))
