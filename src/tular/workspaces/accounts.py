"""A console user's own account: the password reset e-mail and their preferences.

The reset link itself is Django's (`default_token_generator`: it stops working once the
password changes or after PASSWORD_RESET_TIMEOUT); this module sends it, in the user's
language, at most RESET_MAX_PER_HOUR times an hour per address. The count is read from the
outbox, so it holds across every server process.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail
from tular.messaging.selectors import emails_filter
from tular.messaging.services import email_send
from tular.workspaces.branding import time_zone_check
from tular.workspaces.models import Membership, UserPreference

RESET_MAX_PER_HOUR = 5
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def user_language(user) -> str:
    """The language to write to a user in: theirs, else their first workspace's default."""
    preference = UserPreference.objects.filter(user=user).only("language").first()
    if preference is not None and preference.language in LANGUAGES:
        return preference.language
    membership = (
        Membership.objects.filter(user=user)
        .select_related("workspace")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.workspace.default_language if membership else settings.LANGUAGE_CODE


def password_reset_send(*, user, reset_url: str) -> OutboundEmail | None:
    """Queue the password reset e-mail to the user's address; None (nothing sent) when the
    address already got RESET_MAX_PER_HOUR of them in the last hour. The caller answers the
    same either way (no one learns which addresses have accounts)."""
    address = user.email or user.get_username()
    recent = (
        emails_filter(kind="password_reset")
        .filter(to__iexact=address, created_at__gte=clock.now() - timedelta(hours=1))
        .count()
    )
    if recent >= RESET_MAX_PER_HOUR:
        return None
    membership = (
        Membership.objects.filter(user=user)
        .select_related("workspace")
        .order_by("created_at", "pk")
        .first()
    )
    return email_send(
        to=address,
        kind="password_reset",
        template="password_reset",
        language=user_language(user),
        workspace=membership.workspace if membership else None,
        context={
            "user_email": address,
            "reset_url": reset_url,
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


def preference_update(*, user, language: str | None = None, time_zone: str | None = None):
    """Set the user's language ("" = the browser's) and time zone ("" = the workspace's)."""
    preference, _created = UserPreference.objects.get_or_create(user=user)
    fields = []
    if language is not None:
        if language and language not in LANGUAGES:
            raise Invalid(["language"], _("Choose Indonesian, English or the browser's language."))
        preference.language = language
        fields.append("language")
    if time_zone is not None:
        preference.time_zone = time_zone_check(time_zone) if time_zone else ""
        fields.append("time_zone")
    if fields:
        preference.save(update_fields=fields)
    return preference
