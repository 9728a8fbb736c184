"""The partner channel's organisations (R2, R33, R35): a partner's profile and members, the
rules that move partners between tiers and the history of every move, applications to partner
programs, a program's partner settings, and co-marketing activities with their own links.

A partner's earning account is its participant (`participants.Participant`, kind partner or
reseller): rewards and payouts land there; its tier is `Participant.tier`
(`programs.PartnerTier`), read by the reward engine.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tular.core import clock
from tular.core.ids import new_uuid7
from tular.participants.models import CampaignCode, Participant
from tular.programs.models import PartnerTier, Program
from tular.workspaces.models import Workspace


class PartnerType(models.TextChoices):
    reseller = "reseller", _("reseller")
    technology = "technology", _("technology partner")
    service = "service", _("service partner")
    referral = "referral", _("referral partner")


class PartnerProfile(models.Model):
    """The organisation behind a partner participant: one per participant."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, primary_key=True, related_name="partner_profile"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    legal_name = models.CharField(_("legal name"), max_length=200)
    website = models.URLField(_("website"), max_length=500, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    partner_type = models.CharField(_("partner type"), max_length=16, choices=PartnerType.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True, default="")
    # A manager set the tier by hand: the worker's rules leave it until it is handed back.
    tier_by_hand = models.BooleanField(_("tier set by hand"), default=False)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("partner profile")
        verbose_name_plural = _("partner profiles")

    def __str__(self) -> str:
        return self.legal_name


class MemberRole(models.TextChoices):
    owner = "owner", _("owner")
    member = "member", _("member")


class PartnerMember(models.Model):
    """A person of a partner organisation (several per partner)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254)
    email_normalised = models.CharField(max_length=254, editable=False)
    role = models.CharField(
        _("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.member
    )
    invited_at = models.DateTimeField(_("invited to the portal"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), default=clock.now)

    class Meta:
        verbose_name = _("partner member")
        verbose_name_plural = _("partner members")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "email_normalised"], name="partner_member_email"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class TierRule(models.Model):
    """ "If a partner's performance over the trailing window meets every condition set here,
    it belongs in `tier` (at least)". The worker puts each partner in the highest-ranked tier
    whose rule it meets, else in the program's lowest tier (tular.partners.tiers). An empty
    condition (None) is not checked; a rule needs at least one."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey(PartnerTier, on_delete=models.CASCADE, related_name="rules")
    window_months = models.PositiveSmallIntegerField(_("window (months)"), default=12)
    # Net sales (sales - refunds) in the program's currency, minor units, in the window.
    min_revenue = models.BigIntegerField(_("won revenue at least"), null=True, blank=True)
    # Customers won in the window: a first sale, or a pipeline lead moved to won.
    min_wins = models.PositiveIntegerField(_("deals won at least"), null=True, blank=True)
    min_tenure_months = models.PositiveSmallIntegerField(
        _("partner for at least (months)"), null=True, blank=True
    )
    # Certificates of training modules that count toward tiers (tular.enablement), earned in
    # the window.
    min_certifications = models.PositiveSmallIntegerField(
        _("certificates at least"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")

    def __str__(self) -> str:
        return f"→ {self.tier}"


class TierChangeSource(models.TextChoices):
    rule = "rule", _("rule")
    manager = "manager", _("manager")
    application = "application", _("application")


class TierChange(models.Model):
    """One move of a partner between tiers: from, to, why, when and who."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(
        PartnerTier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_tier = models.ForeignKey(
        PartnerTier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Names kept as they were: a tier renamed or deleted later does not rewrite history.
    from_name = models.CharField(_("from"), max_length=80, blank=True, default="")
    to_name = models.CharField(_("to"), max_length=80, blank=True, default="")
    source = models.CharField(_("why"), max_length=16, choices=TierChangeSource.choices)
    rule = models.ForeignKey(
        TierRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    actor = models.CharField(_("by"), max_length=200)
    at = models.DateTimeField(_("at"), default=clock.now)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [models.Index(fields=["participant", "at"], name="tier_change_partner")]

    def __str__(self) -> str:
        return f"{self.from_name or '—'} → {self.to_name or '—'}"


class ApplicationStatus(models.TextChoices):
    pending = "pending", _("pending")
    approved = "approved", _("approved")
    rejected = "rejected", _("rejected")


class PartnerApplication(models.Model):
    """An organisation's application to a partner program (the public form or the API)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    company = models.CharField(_("company"), max_length=200)
    website = models.URLField(_("website"), max_length=500, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    partner_type = models.CharField(_("partner type"), max_length=16, choices=PartnerType.choices)
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), max_length=254)
    message = models.TextField(_("message"), max_length=2000, blank=True, default="")
    language = models.CharField(_("language"), max_length=8, default="id")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.pending,
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The partner enrolled on approval.
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("applied at"), default=clock.now)

    class Meta:
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        indexes = [
            models.Index(fields=["workspace", "status", "created_at"], name="application_queue")
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.status})"


class PartnerProgramSettings(models.Model):
    """A partner program's settings for applications."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, primary_key=True, related_name="partner_settings"
    )
    applications_open = models.BooleanField(_("accept applications"), default=True)
    auto_approve = models.BooleanField(_("approve applications automatically"), default=False)

    class Meta:
        verbose_name = _("partner program settings")
        verbose_name_plural = _("partner program settings")

    def __str__(self) -> str:
        return str(self.program)


class ActivityKind(models.TextChoices):
    webinar = "webinar", _("webinar")
    content = "content", _("co-branded content")
    event = "event", pgettext_lazy("co-marketing", "event")
    email_swap = "email_swap", _("e-mail swap")


class ActivityStatus(models.TextChoices):
    planned = "planned", _("planned")
    running = "running", _("running")
    done = "done", _("done")


class CoMarketingActivity(models.Model):
    """A joint activity with a partner (R35): a webinar, co-branded content, an event or an
    e-mail swap, with its own link and code (`link`, a campaign code of the partner's
    participant): clicks, sign-ups and sales that come through it credit the partner and are
    counted for the activity (tular.partners.comarketing.activity_figures)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="activities", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True, default="")
    # What the activity costs, in minor units of `budget_currency`; None: not recorded.
    budget = models.BigIntegerField(_("budget"), null=True, blank=True)
    budget_currency = models.CharField(_("budget currency"), max_length=3, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=8, choices=ActivityStatus.choices, default=ActivityStatus.planned
    )
    link = models.OneToOneField(
        CampaignCode, on_delete=models.CASCADE, related_name="activity", verbose_name=_("code")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("co-marketing activity")
        verbose_name_plural = _("co-marketing activities")
        indexes = [
            models.Index(fields=["program", "starts_on"], name="activity_program"),
            models.Index(fields=["participant", "starts_on"], name="activity_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True) | models.Q(budget__gte=0),
                name="activity_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title
