"""/console/settings/integrations/: Stripe connections, one per program. Every member sees them;
owners connect a program (the signing secret is never shown again)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import actor_of, console_view
from tular.console.views.settings.common import owner_writes, public_base_url, settings_tabs
from tular.core.errors import DomainError, Invalid
from tular.core.forms import StyledForm
from tular.integrations import stripe as stripe_in
from tular.programs.services import programs_filter


class StripeForm(StyledForm, forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("Program"))
    signing_secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        max_length=250,
        help_text=gettext_lazy(
            "Starts with whsec_. Stripe shows it with the webhook endpoint (Developers → "
            "Webhooks) or `stripe listen` prints it."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.slug, p.name) for p in programs]


@console_view()
@owner_writes
def integrations(request):
    workspace = request.workspace
    programs = list(programs_filter(workspace=workspace).order_by("name"))
    base_url = public_base_url(request)
    form = StripeForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        try:
            integration, created = stripe_in.integration_register(
                workspace=workspace,
                program_slug=form.cleaned_data["program"],
                signing_secret=form.cleaned_data["signing_secret"].strip(),
                actor=actor_of(request),
            )
        except Invalid as error:
            field = error.extra["errors"][0]["loc"][-1]
            if field == "signing_secret":
                form.add_error(field, _("This is not a Stripe signing secret (whsec_…)."))
            else:
                form.add_error("program", error.detail)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            if created:
                messages.success(
                    request,
                    _("%(program)s is connected. Paste the webhook URL below into Stripe.")
                    % {"program": integration.program.name},
                )
            else:
                messages.success(
                    request,
                    _("The signing secret of %(program)s is replaced; its webhook URL stays.")
                    % {"program": integration.program.name},
                )
            return redirect(f"{request.path}?connected={integration.pk}")
    connections = [
        {
            "integration": integration,
            "webhook_url": stripe_in.webhook_url(integration, base_url),
            "just_connected": request.GET.get("connected") == str(integration.pk),
        }
        for integration in stripe_in.integrations_filter(workspace=workspace)
    ]
    return render(
        request,
        "console/settings/integrations.html",
        {
            "connections": connections,
            "form": form,
            "has_programs": bool(programs),
            "tabs": settings_tabs(request, "console:settings-integrations"),
        },
        status=422 if request.method == "POST" else 200,
    )
