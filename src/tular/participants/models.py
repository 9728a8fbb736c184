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


# The kinds that are partners of a partner program (deal registration, tiers, support).
PARTNER_KINDS = (ParticipantKind.partner, ParticipantKind.reseller)


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
    # R40: the participant agreed (in the portal) to show their name on the leaderboard.
    leaderboard_consent = models.BooleanField(
        _("name on the leaderboard"), default=False, db_default=False
    )
    # A partner's tier in its program (tular.partners moves it; the reward engine pays its
    # rate). None: not a partner, or a partner in no tier yet.
    tier = models.ForeignKey(
        "programs.PartnerTier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participants",
        verbose_name=_("tier"),
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [
            # The console's list, newest first: read in index order, so a page's figures are
            # computed for its 50 rows only.
            models.Index(fields=["workspace", "created_at", "id"], name="participant_joined"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="participant_external_id_per_program",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} ({self.code})"


class ImportStatus(models.TextChoices):
    queued = "queued", _("queued")
    running = "running", _("running")
    done = "done", _("done")
    failed = "failed", _("failed")


class ImportJob(models.Model):
    """A CSV of participants enrolled by the worker: every valid row in one transaction at the
    end, the rejected ones only in the report (participants/imports.py)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # The program chosen for every row; None: each row names its program (column `program`).
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=200, blank=True)
    # The file as uploaded (decoded); emptied once the import has finished.
    content = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.queued
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows checked"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    existing_count = models.PositiveIntegerField(_("already enrolled"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"row", "email", "outcome": created|existing|rejected, "reason"?, "participant_id"?}]
    report = models.JSONField(default=list, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.CharField(_("imported by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    # When the running worker claimed it; a claim older than the lease can be taken over.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant import")
        verbose_name_plural = _("participant imports")

    def __str__(self) -> str:
        return f"{self.filename or self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.done, ImportStatus.failed}

    @property
    def percent_done(self) -> int:
        if self.status == ImportStatus.done:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class MagicLink(models.Model):
    """A one-time sign-in link to the portal, e-mailed to a participant's address.

    Only the SHA-256 of the token is stored: the database alone cannot sign anyone in. A link
    opens one session and is then spent (`used_at`); it dies at `expires_at` (15 minutes)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    email_normalised = models.CharField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Where to go after signing in (a portal path), and the language the e-mail was sent in.
    next_path = models.CharField(max_length=300, blank=True, db_default="")
    language = models.CharField(max_length=8, blank=True, db_default="")

    class Meta:
        indexes = [models.Index(fields=["email_normalised", "created_at"], name="magic_email")]

    def __str__(self) -> str:
        return f"{self.email_normalised} {self.created_at:%Y-%m-%d %H:%M}"


class SignInRequest(models.Model):
    """Every request for a link, known address or not, kept a day for the throttle (per
    address and per IP). The address is kept hashed. Also the public referral form's tries
    (`kind` "refer", per IP, no address): one table of throttled attempts, shared by every
    server process."""

    kind = models.CharField(max_length=16, default="sign-in", db_default="sign-in")
    email_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["email_hash", "at"], name="portal_request_email"),
            models.Index(fields=["ip", "at"], name="portal_request_ip"),
            models.Index(fields=["kind", "ip", "at"], name="attempt_kind_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.email_hash[:8]}… {self.ip} {self.at:%Y-%m-%d %H:%M}"


class CampaignCode(models.Model):
    """A second code of a participant's link that tags its clicks with a campaign (a partner's
    co-marketing activity, tular.partners.comarketing): `/r/CODE` of a campaign code redirects
    as the participant's own code does and credits the participant, and its clicks carry the
    campaign (`tracking.Click.campaign_code`), so sign-ups and sales inherit it through their
    click. Unique among these and never equal to a participant's code (both sides check; a
    generated campaign code contains a "-", which a generated participant code never does)."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="campaign_codes"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("campaign code")
        verbose_name_plural = _("campaign codes")

    def __str__(self) -> str:
        return self.code
