from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Workspace(models.Model):
    """A tenant: everything else belongs to exactly one workspace."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Branding, used by the console, the portal and e-mails. The logo is kept in the database
    # (small, at most 256 KB): every server process can serve it without a shared disk.
    logo = models.BinaryField(_("logo"), null=True, blank=True, editable=False)
    # Defaults in the database too: rows written by code that predates these columns (an older
    # server during a rolling upgrade, a migration's historical model) still get them.
    logo_type = models.CharField(_("logo type"), max_length=32, blank=True, db_default="")
    brand_color = models.CharField(_("brand colour"), max_length=7, db_default="#0054a6")
    default_language = models.CharField(_("default language"), max_length=8, db_default="id")
    time_zone = models.CharField(_("time zone"), max_length=64, db_default="Asia/Jakarta")

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """An API key. Only a SHA-256 of the key is stored; `prefix` identifies it to people."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=200, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    publishable = models.BooleanField(
        _("publishable"),
        default=False,
        help_text=_("A publishable key may only record clicks; it is safe in a web page."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workspace.slug})"


class AuditEntry(models.Model):
    """One action that changed money or permissions: who, what, when, before and after.

    Append-only: written in the same transaction as the change it records (so a change that
    rolls back leaves no entry and none is lost), never updated or deleted."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField(_("at"))
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API key"),
    )
    # Kept as text too: who it was stays readable after the user or key is gone.
    actor = models.CharField(_("who"), max_length=200)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["workspace", "at"], name="audit_workspace_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit entries are append-only")


class Role(models.TextChoices):
    """What a member may do in a workspace: owners also manage the team and the settings."""

    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's place in a workspace. A user may belong to several, with a role in each."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "manager", "viewer"]), name="membership_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.workspace.slug})"


class Invitation(models.Model):
    """An owner's invitation by e-mail: the link carries a token of which only a hash is kept."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["workspace", "email"], name="invitation_workspace_email")]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}, {self.workspace.slug})"


class UserPreference(models.Model):
    """A console user's own choices: language (empty: the browser's) and time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    current_workspace = models.ForeignKey(
        Workspace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language or '-'} {self.time_zone or '-'}"


class SignInFailure(models.Model):
    """A failed console sign-in, kept a day: too many in a short time per address or per IP
    and sign-in is refused for a while (tular.workspaces.auth). The address is kept hashed."""

    email_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["email_hash", "at"], name="signin_failure_email"),
            models.Index(fields=["ip", "at"], name="signin_failure_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.email_hash[:8]}… {self.ip} {self.at:%Y-%m-%d %H:%M}"
