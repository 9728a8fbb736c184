"""/console/settings/account/: the signed-in person's own language and time zone."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import console_view, preference_of
from tular.console.views.settings.common import settings_tabs
from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.workspaces.accounts import preference_update
from tular.workspaces.branding import COMMON_TIME_ZONES


class PreferenceForm(StyledForm, forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    def __init__(self, *args, workspace_zone: str = "", current_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("The browser's language")),
            *[(code, name) for code, name in settings.LANGUAGES],
        ]
        zones = list(COMMON_TIME_ZONES)
        if current_zone and current_zone not in zones:
            zones.insert(0, current_zone)
        self.fields["time_zone"].choices = [
            ("", _("The workspace's (%(zone)s)") % {"zone": workspace_zone.replace("_", " ")}),
            *[(zone, zone.replace("_", " ")) for zone in zones],
        ]


@console_view()
def account(request):
    """Every member sets their own preferences (a viewer too: they change nothing shared)."""
    preference = preference_of(request.user)
    zone_args = {
        "workspace_zone": request.workspace.time_zone,
        "current_zone": preference.time_zone,
    }
    if request.method == "POST":
        form = PreferenceForm(request.POST, **zone_args)
        if form.is_valid():
            try:
                preference_update(
                    user=request.user,
                    language=form.cleaned_data["language"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except Invalid as error:
                form.add_error(error.extra["errors"][0]["loc"][-1], error.detail)
            else:
                response = redirect("console:settings-account")
                language = form.cleaned_data["language"]
                if language:
                    response.set_cookie(
                        settings.LANGUAGE_COOKIE_NAME,
                        language,
                        max_age=365 * 24 * 3600,
                        samesite="Lax",
                    )
                else:
                    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                with translation.override(language or translation.get_language()):
                    messages.success(request, _("Your preferences are saved."))
                return response
    else:
        form = PreferenceForm(
            initial={"language": preference.language, "time_zone": preference.time_zone},
            **zone_args,
        )
    return render(
        request,
        "console/settings/account.html",
        {"form": form, "tabs": settings_tabs(request, "console:settings-account")},
    )
