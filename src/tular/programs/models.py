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
    # R40: the portal shows a leaderboard; names only of participants who consented.
    leaderboard = models.BooleanField(
        _("leaderboard in the portal"), default=False, db_default=False
    )
    # The pipeline of submitted leads (R15, R18, R19, R61): service levels counted from the
    # submission, the quiet limit after which the referrer gets a progress note, when a lead
    # that went dark is due for another try, and the boost referred leads get in a CRM's score.
    sla_acknowledge_hours = models.PositiveIntegerField(
        _("acknowledge within (hours)"), default=24, db_default=24
    )
    sla_contact_hours = models.PositiveIntegerField(
        _("first contact within (hours)"), default=48, db_default=48
    )
    sla_meeting_hours = models.PositiveIntegerField(
        _("first meeting within (hours)"), default=168, db_default=168
    )
    quiet_days = models.PositiveIntegerField(
        _("progress note after (days without news)"), default=14, db_default=14
    )
    dark_recontact_days = models.PositiveIntegerField(
        _("try a dark lead again after (days)"), default=90, db_default=90
    )
    lead_score_boost = models.PositiveSmallIntegerField(
        _("lead-score boost for referred leads"), default=20, db_default=20
    )
    # Pipeline news is transactional: it still reaches a referrer who unsubscribed from asks
    # and announcements, unless the program says otherwise.
    pipeline_mail_despite_unsubscribe = models.BooleanField(
        _("pipeline news despite an unsubscribe"), default=True, db_default=True
    )
    # On a won deal, ask the referrer whether the story may become a case study (R61).
    ask_case_study = models.BooleanField(
        _("ask for a case study on a win"), default=True, db_default=True
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


class LandingElement(models.TextChoices):
    """What an A/B test of the landing page varies."""

    headline = "headline", _("headline")
    incentive = "incentive", _("incentive")
    button = "button", _("button")


class ProgramCopy(models.Model):
    """A program's words for referrers and their friends, per language: the landing page at
    /join/{slug} (R10), the share message and the pre-written messages of the portal (R9).
    A blank field means "use the default" (built from the program's name and rules), so a new
    program has a complete page without anyone writing a word. See tular.programs.copy."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="copies")
    language = models.CharField(_("language"), max_length=8)
    headline = models.CharField(_("headline"), max_length=120, blank=True, db_default="")
    value_proposition = models.CharField(
        _("value proposition"), max_length=300, blank=True, db_default=""
    )
    incentive = models.CharField(_("incentive"), max_length=200, blank=True, db_default="")
    button = models.CharField(_("button"), max_length=40, blank=True, db_default="")
    social_proof = models.CharField(_("social proof"), max_length=300, blank=True, db_default="")
    # [{"q": "...", "a": "..."}]
    faq = models.JSONField(_("questions and answers"), default=list, blank=True, db_default=[])
    # Prefilled share text; {link} and {code} are replaced. Then more ready-made messages.
    share_message = models.TextField(_("share message"), blank=True, db_default="")
    messages = models.JSONField(_("pre-written messages"), default=list, blank=True, db_default=[])
    # The A/B test: variant "b" shows test_text in place of test_element; "" = no test.
    test_element = models.CharField(
        _("A/B test of"), max_length=16, choices=LandingElement.choices, blank=True, db_default=""
    )
    test_text = models.CharField(_("variant B"), max_length=300, blank=True, db_default="")
    test_started_at = models.DateTimeField(_("test started"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("program copy")
        verbose_name_plural = _("program copies")
        constraints = [
            models.UniqueConstraint(fields=["program", "language"], name="program_copy_language")
        ]

    def __str__(self) -> str:
        return f"{self.program} ({self.language})"


class LandingStat(models.Model):
    """Visitors and sign-ups of a landing page per language and variant ("a", or "b" while a
    test runs). Counted with F() updates; reset when a test starts."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    variant = models.CharField(max_length=1)
    visitors = models.PositiveIntegerField(default=0, db_default=0)
    signups = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "language", "variant"], name="landing_stat_variant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.language}/{self.variant}"


class PartnerRateKind(models.TextChoices):
    """What a partner tier's rate is: a commission on the partner's sales, or a reseller's
    margin (the share of the list price the reseller keeps, R21: 20-40 %, more for volume).
    Either way the reward engine pays it as the partner's percent of a sale."""

    commission = "commission", _("commission")
    margin = "margin", _("reseller margin")


class PartnerTier(models.Model):
    """A level of a partner program (Registered, Silver, Gold…), ranked: a higher rank is a
    better tier. Its rate, when set, replaces the percent of the program's percent-of-sale
    rules for the referrer when a partner in this tier earns (tular.rewards.engine). Kept
    here, below rewards, so the engine reads it without importing the partners app, which
    moves partners between tiers (tular.partners.tiers)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="partner_tiers")
    name = models.CharField(_("name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("rank"))
    rate_kind = models.CharField(
        _("rate is"),
        max_length=16,
        choices=PartnerRateKind.choices,
        default=PartnerRateKind.commission,
    )
    # A percent as the rules write it ("12.5"); None: the program's own rules apply unchanged.
    rate = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    badge = models.CharField(_("badge"), max_length=40, blank=True, default="")
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner tier")
        verbose_name_plural = _("partner tiers")
        ordering = ["program_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "rank"], name="partner_tier_rank"),
            models.UniqueConstraint(fields=["program", "name"], name="partner_tier_name"),
            models.CheckConstraint(
                condition=models.Q(rate__isnull=True) | models.Q(rate__gt=0, rate__lte=100),
                name="partner_tier_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
