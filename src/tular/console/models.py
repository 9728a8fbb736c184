from django.conf import settings
from django.db import models


class UsedFormToken(models.Model):
    """A one-time form token that was spent: the same form sent twice is refused the second
    time (tular.console.forms.OnceTokenField). Old rows are pruned by a periodic job."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.token[:8]}… used {self.used_at:%Y-%m-%d %H:%M}"
