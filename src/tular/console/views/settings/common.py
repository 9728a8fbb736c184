"""What every settings page shares: the secondary navigation, owner-only writes, the public
base URL for links in e-mails."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tular.console.access import forbidden
from tular.core.errors import DomainError
from tular.workspaces.models import Role

# (label, URL name, who sees it: "all", "change" (owners and managers), "owner")
TABS = [
    (_("Workspace"), "console:settings", "all"),
    (_("Team"), "console:settings-team", "owner"),
    (pgettext_lazy("settings tab", "API keys"), "console:settings-api-keys", "owner"),
    (_("Integrations"), "console:settings-integrations", "all"),
    (_("Webhooks"), "console:settings-webhooks", "owner"),
    (_("Audit log"), "console:settings-audit", "all"),
    (_("E-mails"), "console:settings-emails", "change"),
    (_("My account"), "console:settings-account", "all"),
]


def settings_tabs(request, current: str) -> list[dict]:
    role = request.role
    allowed = {"all"} | ({"change"} if role in {Role.OWNER, Role.MANAGER} else set())
    if role == Role.OWNER:
        allowed.add("owner")
    return [
        {"label": label, "url": reverse(name), "active": name == current}
        for label, name, who in TABS
        if who in allowed
    ]


def owner_writes(view):
    """Inside console_view(): any member reads, only owners send forms (403 page otherwise)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in {"GET", "HEAD", "OPTIONS"} and request.role != Role.OWNER:
            return forbidden(request, _("Only the workspace's owners can change this."))
        return view(request, *args, **kwargs)

    return wrapped


def act(request, action, *, success, page, to: str):
    """Run `action()` (a service call) for a settings form. A refusal (DomainError) is flashed and
    `page(request, status=…)` answers with the problem's status (409, 404); on success the flash
    is `success` (or `success(result)`) and the browser goes back to `to` (a URL name)."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, error.detail)
        return page(request, status=error.status)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(to)


def public_base_url(request) -> str:
    """The base of links sent by e-mail: TULAR_PUBLIC_URL, else this request's host."""
    return (settings.TULAR_PUBLIC_URL or request.build_absolute_uri("/")).rstrip("/")
