"""Who may see and do what in the console: sign-in, the current workspace, roles.

Every console view is wrapped by `console_view(...)`:

    @console_view()                 # any member: owner, manager, viewer (read-only pages)
    @console_view(change=True)      # POST needs manager or owner; a viewer gets the 403 page
    @console_view(owner=True)       # team, settings and API keys: owners only

The wrapper signs anonymous visitors in (redirect to the login page with `next`), finds the
workspace the user works in (`request.workspace`, `request.membership`, `request.role`), turns
on the user's language and time zone, and refuses what the role does not allow with the 403
page. Views never query another workspace: every selector they call takes `workspace=`.
"""

from __future__ import annotations

import zoneinfo
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tular.core.errors import Conflict, Invalid
from tular.workspaces.audit import Actor
from tular.workspaces.models import Membership, Role, UserPreference

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def forbidden(request, message: str | None = None):
    """The 403 page: says why, in the user's language, and where to go instead."""
    return render(
        request,
        "console/403.html",
        {"message": message or _("Your role in this workspace does not allow this.")},
        status=403,
    )


def preference_of(user) -> UserPreference:
    preference = getattr(user, "_tular_preference", None)
    if preference is None:
        preference, _created = UserPreference.objects.get_or_create(user=user)
        user._tular_preference = preference
    return preference


def membership_for(request) -> Membership | None:
    """The membership the user works in: the one chosen last, else the oldest. All the user's
    memberships are read once, kept as `request.memberships` (the workspace switcher's list)."""
    memberships = list(
        Membership.objects.select_related("workspace")
        .filter(user=request.user)
        .order_by("created_at", "pk")
    )
    request.memberships = memberships
    chosen = preference_of(request.user).current_workspace_id
    for membership in memberships:
        if membership.workspace_id == chosen:
            return membership
    return memberships[0] if memberships else None


def activate_preferences(request, membership: Membership | None) -> None:
    """The user's language (else the browser's, already chosen by LocaleMiddleware) and time
    zone (else the workspace's)."""
    preference = preference_of(request.user)
    if preference.language in LANGUAGES:
        translation.activate(preference.language)
        request.LANGUAGE_CODE = preference.language
    zone = preference.time_zone or (membership.workspace.time_zone if membership else "")
    try:
        timezone.activate(zoneinfo.ZoneInfo(zone or "Asia/Jakarta"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo("Asia/Jakarta"))


def can_change(request) -> bool:
    return getattr(request, "role", None) in {Role.OWNER, Role.MANAGER}


def actor_of(request) -> Actor:
    """Who acts, for the audit log: the signed-in user."""
    return Actor.for_user(request.user)


def console_view(*, change: bool = False, owner: bool = False, always_change: bool = False):
    """Wrap a console view (see the module's docstring).

    change: unsafe methods (POST…) need manager or owner. always_change: GET too (a page that
    only exists to change something, such as a form). owner: owners only, any method."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "console:login")
            membership = membership_for(request)
            activate_preferences(request, membership)
            if membership is None:
                return forbidden(
                    request,
                    _("Your account is not a member of any workspace. Ask an owner to invite you."),
                )
            request.workspace = membership.workspace
            request.membership = membership
            request.role = membership.role
            if owner and membership.role != Role.OWNER:
                return forbidden(request, _("Only the workspace's owners can do this."))
            writes = always_change or request.method not in SAFE_METHODS
            if (change or always_change) and writes and not can_change(request):
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            finally:
                timezone.deactivate()  # the time zone is per thread; the next request sets its own

        wrapped.console_access = {"change": change, "owner": owner, "always": always_change}
        return wrapped

    return decorate


def attempt(request, run, *, told, back):
    """Run a console action's service: its refusal (422, 409) becomes an error message, its
    result `told(result)` (or the text `told`) a success message; then `back` (a redirect to
    where the manager was). One way for every POST button of the console."""
    try:
        result = run()
    except (Invalid, Conflict) as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, told(result) if callable(told) else told)
    return back
