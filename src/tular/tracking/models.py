from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7
from tular.participants.models import CampaignCode, Participant
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
    # The campaign code the link was followed with (/r/CAMPAIGNCODE, a partner's co-marketing
    # activity); None for the participant's own code. Indexed only where set, so ordinary
    # clicks pay no index entry for it.
    campaign_code = models.ForeignKey(
        CampaignCode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("campaign code"),
    )

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        indexes = [
            models.Index(fields=["participant", "created_at"], name="click_participant_time"),
            models.Index(
                fields=["campaign_code"],
                condition=models.Q(campaign_code__isnull=False),
                name="click_campaign_code",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class TouchpointKind(models.TextChoices):
    click = "click", _("click on a referral link")
    partner = "partner", _("partner")
    campaign = "campaign", _("campaign")
    direct = "direct", _("direct")


class Touchpoint(models.Model):
    """One touch of a customer's journey before a conversion (R14): a click of ours the customer's
    backend tied to the customer, a partner's touch (a demo, a meeting), a marketing campaign or a
    direct contact. Written by `POST /api/v1/touchpoints` (tular.tracking.touchpoints); read by
    the attribution models (tular.tracking.credit) through tular.analytics.attribution."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer_external_id = models.CharField(_("customer external id"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=TouchpointKind.choices)
    # Who the touch credits: the click's participant, the partner, a campaign's partner (a
    # co-marketing activity); none for a plain campaign or a direct touch.
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("participant"),
    )
    # The click a `click` touch records (its participant and time are the click's).
    click = models.ForeignKey(
        Click, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    campaign = models.CharField(_("campaign"), max_length=200, blank=True, default="")
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        indexes = [
            # A customer's journey, in time order.
            models.Index(
                fields=["program", "customer_external_id", "occurred_at"],
                name="touchpoint_journey",
            ),
        ]
        constraints = [
            # A click is one touch of one customer's journey, however often it is reported.
            models.UniqueConstraint(
                fields=["program", "click"],
                condition=models.Q(click__isnull=False),
                name="touchpoint_click_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_external_id} {self.occurred_at:%Y-%m-%d}"
