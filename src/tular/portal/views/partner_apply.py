"""The public application form of a partner program, /join/{program_slug}/partner (R2, R33),
and its thanks page.

An organisation applies to become a partner: its name, website, country, the kind of
partnership, a contact and a message. The application is written by
`partners.applications.partner_apply`, exactly as `POST /api/v1/partner-applications`; a
field error is shown beside its field and nothing is written. Managers decide in the console
(or the program approves by itself). Spam: a honeypot field and a throttle per IP (the
sign-in throttle's table, kind "partner-apply"), as the referral form.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.participants.signin import attempt_record, attempts_from_ip
from tular.partners.applications import accepts_applications, partner_apply
from tular.partners.models import PartnerType
from tular.portal.access import LANGUAGE_KEY, LANGUAGES, activate
from tular.portal.landing import program_for
from tular.portal.views.landing import client_ip, visitor_language, without_lang
from tular.programs.models import Program, ProgramStatus

THANKS_KEY = "tular_partner_apply_thanks"
HONEYPOT = "homepage"
ATTEMPT_KIND = "partner-apply"
WINDOW = timedelta(minutes=15)
MAX_PER_IP = 5


class ApplyForm(StyledForm, forms.Form):
    company = forms.CharField(label=gettext_lazy("Company name"), max_length=200)
    website = forms.CharField(
        label=gettext_lazy("Website (optional)"), max_length=500, required=False
    )
    country = forms.CharField(
        label=gettext_lazy("Country (optional)"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("Two letters, e.g. ID."),
    )
    partner_type = forms.ChoiceField(
        label=gettext_lazy("Kind of partnership"), choices=PartnerType.choices
    )
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=200)
    contact_email = forms.EmailField(label=gettext_lazy("Your work e-mail"), max_length=254)
    message = forms.CharField(
        label=gettext_lazy("Tell us about your business (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Your customers, your region, what you would offer with us."),
    )


def _program(slug: str) -> Program:
    program, _referrer = program_for(slug=slug, via=None)
    if program is None or not accepts_applications(program):
        raise Http404("no partner application form")
    return program


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, slug: str):
    """GET shows the form; POST stores the application (303 to the thanks page) or shows the
    errors."""
    if request.GET.get("lang") in LANGUAGES:
        request.session[LANGUAGE_KEY] = request.GET["lang"]
        return redirect(without_lang(request))
    program = _program(slug)
    request.portal_workspace = program.workspace
    language = visitor_language(request, program.workspace)
    activate(request, language=language, workspace=program.workspace)
    try:
        return _page(request, program, language)
    finally:
        timezone.deactivate()


def _page(request, program: Program, language: str):
    posted = request.method == "POST"
    form = ApplyForm(request.POST if posted else None)
    if not posted:
        form.initial["partner_type"] = {
            "technology_partner": PartnerType.technology,
            "service_partner": PartnerType.service,
        }.get(program.kind, PartnerType.reseller)
    status = 200
    if posted:
        if request.POST.get(HONEYPOT):
            return _thanks_redirect(request, program)
        if not form.is_valid():
            status = 422
        else:
            ip = client_ip(request)
            if attempts_from_ip(kind=ATTEMPT_KIND, ip=ip, window=WINDOW) >= MAX_PER_IP:
                form.add_error(
                    None, _("Too many applications from this connection. Try again in 15 minutes.")
                )
                status = 429
            else:
                attempt_record(kind=ATTEMPT_KIND, ip=ip)
                try:
                    partner_apply(
                        program=program,
                        language=language,
                        base_url=request.build_absolute_uri("/")[:-1],
                        **form.cleaned_data,
                    )
                except Invalid as error:
                    loc = error.extra["errors"][0]["loc"]
                    field = str(loc[-1]) if loc else None
                    form.add_error(field if field in form.fields else None, error.detail)
                    status = 422
                except Conflict as error:
                    form.add_error(None, error.detail)
                    status = 409
                else:
                    return _thanks_redirect(request, program)
    context = {
        "program": program,
        "form": form,
        "honeypot": HONEYPOT,
        "page_url": request.path,
    }
    return render(request, "portal/partners/apply.html", context, status=status)


def _thanks_redirect(request, program):
    request.session[THANKS_KEY] = {"program": str(program.pk), "language": request.LANGUAGE_CODE}
    return redirect("join:partner-thanks", slug=program.slug)


@never_cache
@require_safe
def thanks(request, slug: str):
    done = request.session.get(THANKS_KEY)
    program = None
    if isinstance(done, dict):
        program = (
            Program.objects.select_related("workspace")
            .filter(pk=done.get("program"), slug=slug)
            .exclude(status=ProgramStatus.archived)
            .first()
        )
    if program is None:
        return redirect("join:partner-apply", slug=slug)
    request.portal_workspace = program.workspace
    language = done.get("language")
    if language not in LANGUAGES:
        language = visitor_language(request, program.workspace)
    activate(request, language=language, workspace=program.workspace)
    try:
        return render(
            request,
            "portal/partners/thanks.html",
            {"program": program, "page_url": request.path},
        )
    finally:
        timezone.deactivate()
