from django.db import models

from tular.core import clock
from tular.workspaces.models import Workspace


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
    address and per IP). The address is kept hashed."""

    email_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["email_hash", "at"], name="portal_request_email"),
            models.Index(fields=["ip", "at"], name="portal_request_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.email_hash[:8]}… {self.ip} {self.at:%Y-%m-%d %H:%M}"
