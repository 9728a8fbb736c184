"""Deal registration (R31, R32): a partner's claim on a company's account, first come first
served, enforced by the database (docs/deals.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.workspaces.models import Workspace


class DealStatus(models.TextChoices):
    pending = "pending", _("pending review")
    approved = "approved", _("approved")
    rejected = "rejected", _("rejected")
    conflict = "conflict", _("conflict")
    won = "won", _("won")
    lost = "lost", _("lost")
    expired = "expired", _("expired")


# The statuses that hold a company's account: at most one such deal per key (the unique index).
ACTIVE = (DealStatus.pending, DealStatus.approved)

# The protection windows a program chooses from (days).
PROTECTION_PRESETS = (30, 60, 90, 120)

# The qualification checklist (BANT and the steps R31 names); a program requires some of them.
CHECKLIST = {
    "meeting_scheduled": _("a meeting is scheduled"),
    "discovery_call": _("the discovery call is done"),
    "budget_confirmed": _("the budget is confirmed"),
    "authority_identified": _("the decision maker is known"),
    "need_confirmed": _("the need is confirmed"),
    "timeline_confirmed": _("the timeline is known"),
}
DEFAULT_REQUIRED = ["meeting_scheduled", "discovery_call", "budget_confirmed"]


def _default_required() -> list[str]:
    return list(DEFAULT_REQUIRED)


class DealSettings(models.Model):
    """A program's rules for deal registration. A program without a row uses the defaults
    (`deals.services.settings_for`)."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, primary_key=True, related_name="deal_settings"
    )
    protection_days = models.PositiveSmallIntegerField(
        _("protection window (days)"),
        default=90,
        choices=[(days, days) for days in PROTECTION_PRESETS],
    )
    required_checks = models.JSONField(
        _("required checklist items"), default=_default_required, blank=True
    )
    review_working_days = models.PositiveSmallIntegerField(
        _("decide within (working days)"), default=2
    )
    auto_approve = models.BooleanField(
        _("approve automatically when the checklist passes and nobody holds the account"),
        default=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("deal registration settings")
        verbose_name_plural = _("deal registration settings")

    def __str__(self) -> str:
        return f"{self.program_id}"


class DisputeStatus(models.TextChoices):
    open = "open", _("open")
    upheld = "upheld", _("upheld")
    dismissed = "dismissed", _("dismissed")


class Deal(models.Model):
    """One registration of an opportunity by a partner. While `pending` or `approved` it holds
    its key (normalised domain, country, division) in the workspace: a second registration of
    the key is stored as `conflict`, for review, and the partner is told only until when the
    account is protected."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="deals")
    partner = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="deals")
    company = models.CharField(_("company"), max_length=200)
    domain = models.CharField(_("domain as given"), max_length=300)
    domain_normalised = models.CharField(_("domain"), max_length=253)
    # ISO 3166-1 alpha-2, upper case; "" = not given.
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    division = models.CharField(_("division"), max_length=100, blank=True, default="")
    # The division label compared: case-folded, spaces collapsed.
    division_key = models.CharField(max_length=100, blank=True, default="", editable=False)
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), max_length=254)
    estimated_value = models.BigIntegerField(_("estimated value"))
    currency = models.CharField(_("currency"), max_length=3)
    qualification = models.JSONField(_("qualification"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DealStatus.choices, default=DealStatus.pending
    )
    registered_at = models.DateTimeField(_("registered at"), default=clock.now)
    # The approval timer: a pending deal should be decided by then (working days).
    review_due_at = models.DateTimeField(_("decide by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True, default="")
    decision_reason = models.CharField(_("reason"), max_length=1000, blank=True, default="")
    # Protection ends here (None for a conflict, which protects nothing).
    expires_at = models.DateTimeField(_("protected until"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # The active deal this one ran into (a conflict): for the managers' review, never shown to
    # the partner.
    conflict_with = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A dispute (R32's escalation): a conflicting registration's partner contests the hold.
    # Decided by a manager with a reason; upheld, this registration takes the account.
    dispute_status = models.CharField(
        _("dispute"), max_length=10, choices=DisputeStatus.choices, blank=True, default=""
    )
    dispute_reason = models.CharField(_("why disputed"), max_length=1000, blank=True, default="")
    dispute_opened_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    dispute_decision = models.CharField(
        _("dispute decision"), max_length=1000, blank=True, default=""
    )
    dispute_decided_by = models.CharField(
        _("dispute decided by"), max_length=200, blank=True, default=""
    )
    dispute_decided_at = models.DateTimeField(_("dispute decided at"), null=True, blank=True)
    # Won: what the customer signed for (the partner's commission is taken of it) and the lead
    # of the pipeline it became, which carries the rewards (tular.referrals.deals.deal_close).
    won_value = models.BigIntegerField(_("won value"), null=True, blank=True)
    won_currency = models.CharField(_("won currency"), max_length=3, blank=True, default="")
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("lead"),
    )

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        constraints = [
            # First to register wins: two active registrations of one key cannot both commit.
            models.UniqueConstraint(
                fields=["workspace", "domain_normalised", "country", "division_key"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="deal_one_active_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0), name="deal_value_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(won_value__isnull=True) | models.Q(won_value__gt=0),
                name="deal_won_value_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "domain_normalised"], name="deal_domain"),
            models.Index(fields=["status", "expires_at"], name="deal_expiry"),
            models.Index(fields=["program", "status", "review_due_at"], name="deal_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.domain_normalised}, {self.status})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def review_overdue(self) -> bool:
        return (
            self.status == DealStatus.pending
            and self.review_due_at is not None
            and self.review_due_at < clock.now()
        )


class DealEventKind(models.TextChoices):
    status = "status", _("status change")
    extension = "extension", _("extension")
    activity = "activity", _("activity")
    dispute = "dispute", _("dispute")
    decision = "decision", _("dispute decision")


class DealEvent(models.Model):
    """The history of a deal: each status change, extension, activity and dispute, with who,
    when, why and the protection before and after."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=DealEventKind.choices)
    from_status = models.CharField(max_length=10, blank=True, default="")
    to_status = models.CharField(max_length=10, blank=True, default="")
    at = models.DateTimeField(default=clock.now)
    actor = models.CharField(max_length=200, blank=True, default="")
    reason = models.CharField(max_length=1000, blank=True, default="")
    expires_before = models.DateTimeField(null=True, blank=True)
    expires_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.kind} {self.to_status}"
