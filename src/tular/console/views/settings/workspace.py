"""/console/settings/: the workspace's name, logo, brand colour, language and time zone."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import actor_of, console_view
from tular.console.views.settings.common import owner_writes, settings_tabs
from tular.core.errors import DomainError, Invalid
from tular.core.forms import StyledForm
from tular.workspaces.branding import COMMON_TIME_ZONES, LOGO_MAX_BYTES, workspace_update

LANGUAGE_CHOICES = [("id", "Bahasa Indonesia"), ("en", "English")]


class WorkspaceForm(StyledForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy(
            "PNG, JPEG or WebP, at most 256 KB. Shown in the portal and e-mails."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)
    brand_color = forms.CharField(
        label=gettext_lazy("Brand colour"),
        max_length=7,
        help_text=gettext_lazy("As #rrggbb, such as #0054a6."),
        widget=forms.TextInput(attrs={"type": "color", "class": "form-control-color"}),
    )
    default_language = forms.ChoiceField(
        label=gettext_lazy("Default language"),
        choices=LANGUAGE_CHOICES,
        help_text=gettext_lazy("For e-mails and pages when a person has not chosen one."),
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))

    def __init__(self, *args, current_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(COMMON_TIME_ZONES)
        if current_zone and current_zone not in zones:
            zones.insert(0, current_zone)
        self.fields["time_zone"].choices = [(zone, zone.replace("_", " ")) for zone in zones]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is too large: at most 256 KB."))
        return logo


def _initial(workspace) -> dict:
    return {
        "name": workspace.name,
        "brand_color": workspace.brand_color,
        "default_language": workspace.default_language,
        "time_zone": workspace.time_zone,
    }


@console_view()
@owner_writes
def workspace_settings(request):
    """Every member sees the settings; owners change them."""
    workspace = request.workspace
    if request.method == "POST":
        form = WorkspaceForm(request.POST, request.FILES, current_zone=workspace.time_zone)
        if form.is_valid():
            data = form.cleaned_data
            changes = {
                key: data[key] for key in ("name", "brand_color", "default_language", "time_zone")
            }
            if data["logo"]:
                changes["logo"] = data["logo"].read()
            elif data["remove_logo"]:
                changes["logo"] = None
            try:
                workspace_update(workspace=workspace, actor=actor_of(request), **changes)
            except Invalid as error:
                form.add_error(error.extra["errors"][0]["loc"][-1], error.detail)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("The workspace's settings are saved."))
                return redirect("console:settings")
    else:
        form = WorkspaceForm(initial=_initial(workspace), current_zone=workspace.time_zone)
    if request.role != "owner":
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "console/settings/workspace.html",
        {"form": form, "tabs": settings_tabs(request, "console:settings")},
    )
