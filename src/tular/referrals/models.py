from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.tracking.models import Click
from tular.workspaces.models import Workspace


class ReferralStatus(models.TextChoices):
    # Tracked sign-ups
    active = "active", _("active")
    flagged = "flagged", _("flagged for review")
    rejected = "rejected", _("rejected")  # a flagged one a manager refused: earns nothing
    # The pipeline of submitted leads (R17)
    submitted = "submitted", _("submitted")
    acknowledged = "acknowledged", _("acknowledged")
    contacted = "contacted", _("contacted")
    qualified = "qualified", _("qualified")
    proposal = "proposal", _("proposal")
    won = "won", _("won")
    lost = "lost", _("lost")
    dark = "dark", _("went dark")


PIPELINE_STATUSES = frozenset(
    {
        ReferralStatus.submitted,
        ReferralStatus.acknowledged,
        ReferralStatus.contacted,
        ReferralStatus.qualified,
        ReferralStatus.proposal,
        ReferralStatus.won,
        ReferralStatus.lost,
        ReferralStatus.dark,
    }
)


# The reasons the use cases flag with (referrals.services.status_fields), as people read them.
FLAG_REASONS = {
    "self-referral: the customer is the referrer": _(
        "Self-referral: the customer is the referrer (the same e-mail or customer id)."
    ),
}


class Referral(models.Model):
    """A referred customer or lead, and the participant who referred them."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # program and participant: no index of their own, each leads a composite index below
    # (one index less to write per referral).
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="referrals", db_index=False
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="referrals",
        verbose_name=_("referrer"),
        db_index=False,
    )
    # The referred customer, enrolled in the same program so they can refer too (R3, R57).
    friend = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("friend's participant"),
    )
    customer_external_id = models.CharField(  # noqa: DJ001 - NULL: leads without one
        _("customer external id"), max_length=200, null=True, blank=True
    )
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices)
    flag_reason = models.CharField(_("why flagged"), max_length=200, blank=True)
    # The manager's reason when they cleared or rejected a flagged referral.
    review_reason = models.CharField(
        _("review reason"), max_length=300, blank=True, default="", db_default=""
    )
    click = models.ForeignKey(
        Click, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("referred at"))
    first_sale_at = models.DateTimeField(_("first sale"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    # ---- the pipeline of submitted leads (R12, R15-R20, R61); empty for tracked sign-ups
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="", db_default="")
    lead_notes = models.TextField(
        _("notes from the referrer"), blank=True, default="", db_default=""
    )
    # How the lead arrived: api, form (/refer/), portal, csv, console.
    intake = models.CharField(_("intake"), max_length=16, blank=True, default="", db_default="")
    heard_from = models.CharField(
        _("how the lead heard of us"), max_length=200, blank=True, default="", db_default=""
    )
    # When the referrer confirmed the lead agreed to share their data (the form's checkbox).
    consent_at = models.DateTimeField(_("lead's consent"), null=True, blank=True)
    # The lead's company domain (from a non-public e-mail address), for possible duplicates.
    company_domain = models.CharField(max_length=253, blank=True, default="", db_default="")
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    deal_value = models.BigIntegerField(_("deal value"), null=True, blank=True)
    deal_currency = models.CharField(
        _("deal currency"), max_length=3, blank=True, default="", db_default=""
    )
    lead_score = models.SmallIntegerField(_("lead score"), default=0, db_default=0)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # The next service level due (acknowledge, contact, meeting) and when; empty once met or
    # when the lead is closed. Kept on the row so the queue sorts and filters in the database.
    due_kind = models.CharField(max_length=16, blank=True, default="", db_default="")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # The service level whose lateness the owner was already told about (told once per level).
    overdue_told = models.CharField(max_length=16, blank=True, default="", db_default="")
    # When the referrer was last told anything about this lead (R16).
    referrer_notified_at = models.DateTimeField(_("referrer last notified"), null=True, blank=True)
    # A lead that went dark: when to try again (R61), and whether the owner was reminded.
    recontact_at = models.DateTimeField(_("try again on"), null=True, blank=True)
    recontact_told_at = models.DateTimeField(null=True, blank=True)
    # On a win: asked, agreed or declined to a case study (R61).
    case_study = models.CharField(
        _("case study"), max_length=16, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "customer_external_id"],
                condition=models.Q(customer_external_id__isnull=False),
                name="referral_customer_per_workspace",
            )
        ]
        indexes = [
            models.Index(fields=["participant", "created_at"], name="referral_referrer"),
            # Insight: a program's referrals by day (rollups, cohorts) and by first sale.
            models.Index(
                fields=["program", "created_at", "participant"], name="referral_program_time"
            ),
            models.Index(fields=["program", "first_sale_at"], name="referral_program_sale"),
            models.Index(fields=["program", "status", "due_at"], name="referral_queue"),
            models.Index(fields=["program", "email_normalised"], name="referral_lead_email"),
            models.Index(fields=["program", "company_domain"], name="referral_lead_domain"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or str(self.customer_external_id)

    @property
    def flag_reason_display(self) -> str:
        """Why it was flagged, in the reader's language when it is a reason Tular writes."""
        return str(FLAG_REASONS.get(self.flag_reason, self.flag_reason))

    @property
    def source(self) -> str:
        """How it was attributed, as far as the data tells: `link` (a click of the referral
        link, inside the attribution window), `lead` (submitted to the pipeline), else `code`
        (a code given at sign-up or checkout). Tular does not record more than that."""
        if self.click_id is not None:
            return "link"
        if self.status in PIPELINE_STATUSES:
            return "lead"
        return "code"


class ReferralChange(models.Model):
    """One step of a lead through the pipeline: who moved it, when, from, to, and why.
    Append-only; the referral's first row has no `from_status` (the submission)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    at = models.DateTimeField(_("at"))
    actor = models.CharField(_("by"), max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    reopened = models.BooleanField(_("reopened"), default=False)

    class Meta:
        verbose_name = _("referral change")
        verbose_name_plural = _("referral changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="referral_change_at")]

    def __str__(self) -> str:
        return f"{self.from_status or '·'} → {self.to_status}"


class ReferralNote(models.Model):
    """A team member's note on a lead (the console's referral page)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    author = models.CharField(_("author"), max_length=200)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class TrackedEvent(models.Model):
    """One `event_id` of a track/* call: its unique row makes the call exactly-once, and the
    first response is kept to answer repeats."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "event_id"], name="event_once_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class ConversionKind(models.TextChoices):
    sale = "sale", _("sale")
    refund = "refund", _("refund")
    cancel = "cancel", _("cancellation")


class Conversion(models.Model):
    """A sale, refund or cancellation by a referred customer."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # Led by the index conversion_program_time: no index of its own.
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="conversions")
    kind = models.CharField(_("kind"), max_length=8, choices=ConversionKind.choices)
    invoice_id = models.CharField(  # noqa: DJ001 - NULL: sales without an invoice id
        _("invoice id"), max_length=200, null=True, blank=True
    )
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # For a refund: the sale it refunds.
    sale = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="refunds"
    )
    event = models.OneToOneField(TrackedEvent, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "invoice_id"],
                condition=models.Q(kind="sale", invoice_id__isnull=False),
                name="one_sale_per_invoice",
            )
        ]
        indexes = [models.Index(fields=["program", "occurred_at"], name="conversion_program_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"
