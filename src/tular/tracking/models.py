from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.workspaces.models import Workspace


class ClickSource(models.TextChoices):
    redirect = "redirect", _("referral link")
    api = "api", _("API / snippet")


class Click(models.Model):
    """One visit through a referral link. Append-only; the id is a time-ordered UUIDv7.

    Written by raw SQL on the hot path (tular.tracking.redirect.record_click): keep that INSERT
    in step with these columns.
    """

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    # Every index costs each redirect a B-tree insert and a WAL page (~15-25 µs each on SQLite):
    # only the one reads need (a participant's clicks over time) is kept, the FKs' own are
    # dropped. Program-wide reports are to read daily rollups (design.md, scale-out path)
    # rather than add an index to this hot table.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="clicks", db_index=False
    )
    created_at = models.DateTimeField(_("time"))
    source = models.CharField(_("source"), max_length=16, choices=ClickSource.choices)
    landing_url = models.CharField(_("landing URL"), max_length=2000, blank=True)
    referrer = models.CharField(_("referrer"), max_length=2000, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    # Where the link was shared (R13): the `ch` of /r/CODE?ch=whatsapp, one of
    # tular.participants.channels.CHANNELS; "" when the link was shared as it is.
    channel = models.CharField(_("channel"), max_length=16, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        indexes = [
            models.Index(fields=["participant", "created_at"], name="click_participant_time"),
        ]

    def __str__(self) -> str:
        return str(self.id)
