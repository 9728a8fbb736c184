"""/console/settings/team/: members and their roles, invitations by e-mail (owners only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.forms import OnceTokenField, spend_token
from tular.console.views.settings.common import act, public_base_url, settings_tabs
from tular.core import clock
from tular.core.errors import FieldConflict, Invalid
from tular.core.forms import StyledForm
from tular.workspaces.models import Role
from tular.workspaces.team import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_status,
    invitations_filter,
    member_remove,
    member_role_set,
    members_filter,
)


class InviteForm(StyledForm, forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.MANAGER)
    once = OnceTokenField()


def _team_page(request, invite_form=None, status=200):
    now = clock.now()
    invitations = [
        {"invitation": invitation, "status": invitation_status(invitation, now)}
        for invitation in invitations_filter(workspace=request.workspace).filter(
            accepted_at__isnull=True, revoked_at__isnull=True
        )
    ]
    return render(
        request,
        "console/settings/team.html",
        {
            "members": members_filter(workspace=request.workspace),
            "invitations": invitations,
            "invite_form": invite_form or InviteForm(),
            "roles": Role.choices,
            "tabs": settings_tabs(request, "console:settings-team"),
        },
        status=status,
    )


@console_view(owner=True)
def team(request):
    return _team_page(request)


@console_view(owner=True)
@require_POST
def team_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, form, status=422)
    try:
        with transaction.atomic():
            if not spend_token(form.cleaned_data["once"], request.user):
                messages.info(request, _("This invitation was already sent."))
                return redirect("console:settings-team")
            invitation = invitation_create(
                workspace=request.workspace,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                base_url=public_base_url(request),
                actor=actor_of(request),
            )
    except (FieldConflict, Invalid) as error:
        form.add_error("email", error.detail)
        return _team_page(request, form, status=422)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("console:settings-team")


def _act(request, action, success: str):
    return act(request, action, success=success, page=_team_page, to="console:settings-team")


@console_view(owner=True)
@require_POST
def team_role(request, membership_id: int):
    return _act(
        request,
        lambda: member_role_set(
            workspace=request.workspace,
            membership_id=membership_id,
            role=request.POST.get("role", ""),
            actor=actor_of(request),
        ),
        _("The role is changed."),
    )


@console_view(owner=True)
@require_POST
def team_remove(request, membership_id: int):
    return _act(
        request,
        lambda: member_remove(
            workspace=request.workspace, membership_id=membership_id, actor=actor_of(request)
        ),
        _("The member is removed from the workspace."),
    )


@console_view(owner=True)
@require_POST
def invitation_resend_view(request, invitation_id: int):
    return _act(
        request,
        lambda: invitation_resend(
            workspace=request.workspace,
            invitation_id=invitation_id,
            base_url=public_base_url(request),
            actor=actor_of(request),
        ),
        _("The invitation is sent again, with a new link valid for 7 days."),
    )


@console_view(owner=True)
@require_POST
def invitation_revoke_view(request, invitation_id: int):
    return _act(
        request,
        lambda: invitation_revoke(
            workspace=request.workspace, invitation_id=invitation_id, actor=actor_of(request)
        ),
        _("The invitation is revoked: its link no longer works."),
    )
