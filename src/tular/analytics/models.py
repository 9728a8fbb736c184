"""Insight (R4, R7, R40-R45, R56, R57): daily rollups, and what managers enter for measures
the events cannot tell (costs, benchmark bands, readiness, goals, contests).

The rollups (`DayFigure`) are derived data: `tular manage rollups --rebuild` rebuilds them from
the source tables at any time. Everything else here is entered data and is never derived.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.rewards.models import Reward
from tular.workspaces.models import Workspace


class DayFigure(models.Model):
    """One additive figure of one program on one UTC day: `key` names it (analytics.rollups
    lists the keys and what each counts), `currency` is "" for counts and the ISO 4217 code for
    money (minor units). A period's figure is the sum of its days' rows."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=40)
    currency = models.CharField(max_length=3, blank=True, default="")
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "day", "key", "currency"], name="day_figure_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.key} {self.currency} {self.value}"


class RollupMark(models.Model):
    """A (program, UTC day) whose rollup must be recomputed: written in the same transaction as
    the change that caused it (a core.changes signal), taken and deleted by the worker's job."""

    program_id = models.UUIDField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program_id", "day"], name="rollup_mark_once")
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.day}"


class RollupState(models.Model):
    """A named position of the rollup job in an append-only table (the clicks' last id)."""

    name = models.CharField(max_length=40, unique=True)
    position = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.name}={self.position}"


class ProgramVersion(models.Model):
    """How often the rollup job has taken a change of the program in one month (analytics.kept;
    `month` is its first day): bumped in the transaction that deletes a mark of a day of that
    month and again after the job's pass has written what it derived. A figure kept in
    `KeptFigure` is valid while the versions of the months it covers are those it was computed
    at, so a change today leaves last month's figures kept."""

    program_id = models.UUIDField()
    month = models.DateField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program_id", "month"], name="program_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.month:%Y-%m} v{self.version}"


class KeptFigure(models.Model):
    """A figure of a period computed from the source tables once and kept (analytics.kept):
    `key` is a digest of what was asked (the measure, the programs, the days), `versions` the
    programs' versions it was computed at, `value` the result as JSON."""

    key = models.CharField(max_length=64, unique=True)
    versions = models.TextField()
    value = models.JSONField()
    computed_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(default=clock.now)  # refreshed at most hourly
    # what was asked, so the job can compute it again (analytics.kept.rewarm)
    kind = models.CharField(max_length=40)
    programs = models.TextField()  # the program ids, sorted, comma-separated
    first = models.DateField()
    last = models.DateField()
    extra = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["read_at"], name="kept_figure_read")]

    def __str__(self) -> str:
        return self.key


class ReferrerStat(models.Model):
    """One participant's referring as of now (derived, like `DayFigure`): when they first and
    last referred, how many referrals, paying customers and won leads. Read for active and
    repeat referrers, the top 10 %'s share and the champions segment without scanning every
    referral."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    first_referred_at = models.DateTimeField()
    last_referred_at = models.DateTimeField()
    referrals = models.PositiveIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)  # referrals with a first sale
    won = models.PositiveIntegerField(default=0)  # leads won in the pipeline

    class Meta:
        indexes = [
            models.Index(fields=["program", "last_referred_at"], name="referrer_stat_last"),
            models.Index(fields=["program", "referrals"], name="referrer_stat_count"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.referrals}"


class MonthFigureKey(models.TextChoices):
    """Figures from outside the referral program, entered per month so measures can compare
    (R42, R43): all new revenue and customers, and the other channels' leads."""

    all_new_revenue = "all_new_revenue", _("new revenue from all channels")
    all_new_customers = "all_new_customers", _("new customers from all channels")
    other_leads = "other_leads", _("leads from other channels")
    other_opportunities = "other_opportunities", _("opportunities from other channels")
    other_won = "other_won", _("deals won from other channels")


class MonthFigure(models.Model):
    """One entered figure (`MonthFigureKey`) for one month of a program (or, with no program,
    of the workspace). Money figures carry a currency; counts have "". One value per key,
    month and currency: entering it again replaces it."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("month"))  # the first day of the month
    key = models.CharField(_("figure"), max_length=24, choices=MonthFigureKey.choices)
    value = models.BigIntegerField(_("value"))
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    updated_by = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "month", "key", "currency"],
                condition=models.Q(program__isnull=False),
                name="month_figure_once",
            ),
            models.UniqueConstraint(
                fields=["workspace", "month", "key", "currency"],
                condition=models.Q(program__isnull=True),
                name="month_figure_workspace_once",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="month_figure_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.key} {self.value} {self.currency}"


class CostKind(models.TextChoices):
    technology = "technology", _("technology")
    marketing = "marketing", _("marketing")
    management = "management", _("management time")
    other = "other", _("other")


class CostEntry(models.Model):
    """A program cost that is not a reward (R43): technology, marketing, management time, for
    one calendar month. Rewards come from the ledger and are never entered here. A cost with
    no program is the workspace's, shared by all programs (counted only in workspace totals)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("month"))  # the first day of the month
    kind = models.CharField(_("kind"), max_length=16, choices=CostKind.choices)
    amount = models.BigIntegerField(_("amount"))  # minor units, >= 0
    currency = models.CharField(_("currency"), max_length=3)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        indexes = [models.Index(fields=["workspace", "month"], name="cost_month")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.amount} {self.currency}"


class InsightSettings(models.Model):
    """A program's (or, with no program, the workspace's) benchmark bands and entered
    comparisons. `bands` holds only what the manager changed: {measure key: {"low", "high"}}
    over the defaults of the program's `sector` (analytics.bands)."""

    class Sector(models.TextChoices):
        b2b_saas = "b2b_saas", _("B2B SaaS")
        ecommerce = "ecommerce", _("E-commerce")
        services = "services", _("Professional services")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sector = models.CharField(
        _("sector"), max_length=16, choices=Sector.choices, default=Sector.b2b_saas
    )
    bands = models.JSONField(default=dict, blank=True)
    # What a customer costs through paid ads (R43), entered, to compare with a referral's cost.
    paid_ads_cost_per_customer = models.BigIntegerField(null=True, blank=True)
    paid_ads_currency = models.CharField(max_length=3, blank=True, default="")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=models.Q(program__isnull=True),
                name="insight_settings_workspace_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.program_id or '*'}"


class Readiness(models.Model):
    """How ready a participant is to refer (R4): satisfaction, relationship and network reach,
    each 1-5. A total of 12 or more makes a priority referrer."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, primary_key=True, related_name="readiness"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"))
    relationship = models.PositiveSmallIntegerField(_("relationship"))
    reach = models.PositiveSmallIntegerField(_("network reach"))
    total = models.PositiveSmallIntegerField(_("readiness"))  # the three summed, 3-15
    source = models.CharField(max_length=16, default="console")  # console, csv, api
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("readiness")
        verbose_name_plural = _("readiness scores")
        indexes = [models.Index(fields=["workspace", "total"], name="readiness_total")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=5)
                & models.Q(relationship__gte=1, relationship__lte=5)
                & models.Q(reach__gte=1, reach__lte=5),
                name="readiness_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.total}"


class NpsAnswer(models.Model):
    """One answer to "how likely are you to recommend us" (0-10; 9-10 a promoter, R4)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_normalised = models.CharField(max_length=254, blank=True, default="")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=2000, blank=True, default="")
    answered_at = models.DateTimeField(_("answered at"))
    source = models.CharField(max_length=16, default="api")
    # The caller's id for the answer: a repeated POST with the same one changes nothing.
    external_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("NPS answer")
        verbose_name_plural = _("NPS answers")
        indexes = [models.Index(fields=["workspace", "answered_at"], name="nps_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=10), name="nps_score_0_to_10"),
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~models.Q(external_id=""),
                name="nps_external_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} {self.answered_at:%Y-%m-%d}"


class GoalMetric(models.TextChoices):
    qualified_referrals = "qualified_referrals", _("qualified referrals")
    conversion_rate = "conversion_rate", _("conversion rate (%)")
    revenue_share = "revenue_share", _("share of new revenue from referrals (%)")
    referrals = "referrals", _("referrals")
    revenue = "revenue", _("revenue from referrals")


class Goal(models.Model):
    """A SMART target (R7) for one program over one period [starts_on, ends_on]."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(_("measure"), max_length=24, choices=GoalMetric.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))  # included
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True, default="")  # for revenue goals
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="goal_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.target} {self.starts_on}..{self.ends_on}"


class BadgeAward(models.Model):
    """A milestone a participant reached (R40): first referral, 5, 10, 25 referrals, first
    win... (analytics.recognition lists them). Awarded once."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    badge = models.CharField(max_length=32)
    awarded_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "badge"], name="badge_once")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.badge}"


class Contest(models.Model):
    """A contest over a period (R40): the top `winners` participants by `measure` get a bonus
    reward through the reward engine when the contest is settled."""

    class Measure(models.TextChoices):
        referrals = "referrals", _("referrals")
        won = "won", _("won referrals")
        customers = "customers", _("paying customers")

    class Status(models.TextChoices):
        open = "open", _("open")
        settled = "settled", _("settled")
        cancelled = "cancelled", _("cancelled")

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    measure = models.CharField(
        _("measure"), max_length=16, choices=Measure.choices, default=Measure.referrals
    )
    winners = models.PositiveSmallIntegerField(_("winners"), default=3)
    bonus_amount = models.BigIntegerField(_("bonus"), null=True, blank=True)
    bonus_currency = models.CharField(max_length=3, blank=True, default="")
    bonus_perk = models.CharField(_("bonus perk"), max_length=200, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.open)
    settled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")

    def __str__(self) -> str:
        return self.name


class ContestWinner(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="results")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()
    reward = models.ForeignKey(
        Reward, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "participant"], name="contest_winner_once")
        ]

    def __str__(self) -> str:
        return f"{self.contest_id} #{self.rank}"


class SatisfactionSurvey(models.Model):
    """The one-question survey sent after a reward is paid (R45): "how satisfied are you with
    the program" 1-5. One per paid reward; `answered_at` empty until answered."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    reward = models.OneToOneField(
        Reward, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=clock.now)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.CharField(max_length=2000, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["program", "answered_at"], name="survey_answered")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.score}"


class SavedBacktest(models.Model):
    """A reward-rule backtest a manager ran: the draft rules, the period, and the result as it
    was computed (analytics.backtest), kept so it can be reopened and exported."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    rules = models.JSONField(default=list)
    starts_on = models.DateField()
    ends_on = models.DateField()
    result = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.program_id} {self.starts_on}..{self.ends_on}"
