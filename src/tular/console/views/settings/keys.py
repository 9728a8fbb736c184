"""/console/settings/api-keys/: the workspace's API keys (owners only). A new key is shown once,
on the page that answers its creation, and never again (only its hash is kept)."""

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
from tular.console.views.settings.common import act, settings_tabs
from tular.core.forms import StyledForm
from tular.workspaces.services import api_key_create, api_key_list, api_key_revoke


class ApiKeyForm(StyledForm, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("What the key is for, such as “online shop server”."),
    )
    publishable = forms.BooleanField(
        label=gettext_lazy("Publishable: may only record clicks (safe in a web page)"),
        required=False,
    )
    once = OnceTokenField()


def _page(request, form=None, status=200):
    return render(
        request,
        "console/settings/api_keys.html",
        {
            "keys": api_key_list(workspace=request.workspace),
            "form": form or ApiKeyForm(),
            "tabs": settings_tabs(request, "console:settings-api-keys"),
        },
        status=status,
    )


@console_view(owner=True)
def api_keys(request):
    return _page(request)


@console_view(owner=True)
@require_POST
def api_key_new(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    with transaction.atomic():
        if not spend_token(form.cleaned_data["once"], request.user):
            messages.info(
                request,
                _(
                    "This form was already sent: the key was created and shown once. Revoke it "
                    "if you did not copy it."
                ),
            )
            return redirect("console:settings-api-keys")
        key, raw = api_key_create(
            workspace=request.workspace,
            name=form.cleaned_data["name"].strip(),
            publishable=form.cleaned_data["publishable"],
            actor=actor_of(request),
        )
    response = render(
        request,
        "console/settings/api_key_created.html",
        {"key": key, "raw": raw, "tabs": settings_tabs(request, "console:settings-api-keys")},
        status=201,
    )
    response["Cache-Control"] = "no-store"
    return response


@console_view(owner=True)
@require_POST
def api_key_revoke_view(request, key_id: int):
    return act(
        request,
        lambda: api_key_revoke(
            workspace=request.workspace, key_id_or_prefix=str(key_id), actor=actor_of(request)
        ),
        success=lambda key: _("The key %(prefix)s… is revoked.") % {"prefix": key.prefix},
        page=_page,
        to="console:settings-api-keys",
    )
