"""The public referral form, /refer/{program_slug} (R12), and its thanks page.

A referrer sends a lead — a person or company who may buy — to the program's team: the lead's
name, e-mail, phone, company, a note, how they heard of us, and the referrer's word that the
lead agreed to share their details. Who refers: the portal's session, else `?via=CODE`, else
the address the referrer types (portal/refer.py says why and what that reveals). The lead is
written by `referrals.pipeline.referral_submit`, exactly as `POST /api/v1/referrals`; a field
error (ours or the pipeline's) is shown beside its field, nothing is written and the form keeps
what was typed. A possible duplicate is accepted; the thanks page says the team will check it.

Spam: a honeypot field (hidden from people and screen readers; a robot that fills it is shown
the thanks page and nothing is written) and a throttle per IP (`portal.refer`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.participants.services import normalise_email
from tular.portal import refer
from tular.portal.access import LANGUAGE_KEY, LANGUAGES, activate, language_for, signed_in
from tular.portal.landing import first_name
from tular.portal.views.landing import client_ip, visitor_language, without_lang
from tular.programs.models import Program, ProgramStatus
from tular.referrals.pipeline import referral_submit

THANKS_KEY = "tular_refer_thanks"
HONEYPOT = "website"

HEARD_FROM = [
    ("", gettext_lazy("Choose…")),
    ("referrer", gettext_lazy("From me")),
    ("social", gettext_lazy("Social media")),
    ("event", gettext_lazy("An event or a community")),
    ("search", gettext_lazy("A web search or our website")),
    ("other", gettext_lazy("Something else")),
]


class ReferForm(StyledForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("Their name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Their e-mail"), max_length=254)
    phone = forms.CharField(
        label=gettext_lazy("Their phone or WhatsApp (optional)"), max_length=40, required=False
    )
    company = forms.CharField(
        label=gettext_lazy("Their company (optional)"), max_length=200, required=False
    )
    notes = forms.CharField(
        label=gettext_lazy("A note for our team (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What do they need? When is a good time to call?"),
    )
    heard_from = forms.ChoiceField(
        label=gettext_lazy("How did they hear about us?"), choices=HEARD_FROM, required=False
    )
    heard_other = forms.CharField(
        label=gettext_lazy("Something else: how? (optional)"), max_length=200, required=False
    )
    referrer_email = forms.EmailField(
        label=gettext_lazy("Your e-mail"),
        max_length=254,
        help_text=gettext_lazy("The address you joined the program with."),
    )
    consent = forms.BooleanField(
        error_messages={
            "required": gettext_lazy("Tick the box: we contact a lead only when they agreed to it.")
        }
    )

    def __init__(self, *args, program: Program, needs_referrer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = _(
            "The person I refer agreed that I share their name and contact details with "
            "%(workspace)s."
        ) % {"workspace": program.workspace.name}
        if not needs_referrer:
            del self.fields["referrer_email"]
        attrs = {
            "name": {"autocomplete": "off"},
            "email": {"autocomplete": "off", "inputmode": "email"},
            "phone": {"autocomplete": "off", "inputmode": "tel", "type": "tel"},
            "company": {"autocomplete": "off"},
            "referrer_email": {"autocomplete": "email", "inputmode": "email"},
        }
        for name, extra in attrs.items():
            if name in self.fields:
                self.fields[name].widget.attrs.update(extra)
        self.fields["phone"].widget.input_type = "tel"

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        try:
            normalise_email(email)
        except Invalid:
            raise ValidationError(
                _("Enter a valid e-mail address, e.g. nama@contoh.com.")
            ) from None
        return email

    def heard(self) -> str:
        """How the lead heard of us, in the words the team reads."""
        choice = self.cleaned_data.get("heard_from") or ""
        other = (self.cleaned_data.get("heard_other") or "").strip()
        if choice == "other" or (not choice and other):
            return other or str(dict(HEARD_FROM)["other"])
        return str(dict(HEARD_FROM)[choice]) if choice else ""


# Where the pipeline's error locations land on the form.
FIELD_OF = {
    "name": "name",
    "email": "email",
    "company": "company",
    "phone": "phone",
    "notes": "notes",
    "heard_from": "heard_other",
}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, slug: str):
    """GET shows the form; POST submits the lead (303 to the thanks page) or shows the errors."""
    if request.GET.get("lang") in LANGUAGES:
        request.session[LANGUAGE_KEY] = request.GET["lang"]
        return redirect(without_lang(request))
    posted = request.method == "POST"
    other = request.GET.get("other") == "1"  # "not you?": ask who refers
    via = (
        ""
        if other
        else ((request.POST.get("via") if posted else None) or request.GET.get("via", ""))
    )
    session = None if other else signed_in(request)
    program, via_referrer = refer.program_for(
        slug=slug, via=via, workspace_id=session.get("workspace") if session else None
    )
    if program is None:
        raise Http404("no referral form")
    participants = refer.session_participants(session=session, program=program)
    referrer = next((p for p in participants if p.program_id == program.pk), None)
    intake = "portal" if referrer is not None else "form"
    request.portal_workspace = program.workspace
    if participants:
        # a signed-in referrer: the portal's header (menu, sign-out) and language
        request.portal_email = session["email"]
        request.participants = participants
        request.participant = referrer
        language = language_for(request, workspace=program.workspace, participants=participants)
    else:
        language = visitor_language(request, program.workspace)
    activate(request, language=language, workspace=program.workspace)
    referrer = referrer or via_referrer
    try:
        return _page(request, program, referrer, intake, via if via_referrer else "")
    finally:
        timezone.deactivate()


def _page(request, program: Program, referrer, intake: str, via: str):
    posted = request.method == "POST"
    form = ReferForm(
        request.POST if posted else None, program=program, needs_referrer=referrer is None
    )
    status = 200
    if posted:
        if request.POST.get(HONEYPOT):
            return _thanks_redirect(request, program, via=via, duplicate=False)
        if form.is_valid():
            ip = client_ip(request)
            if refer.refer_throttled(ip=ip):
                form.add_error(
                    None,
                    _("Too many leads from this connection. Try again in 15 minutes."),
                )
                status = 429
            else:
                refer.refer_attempt(ip=ip)
                response = _submit(request, program, form, referrer, intake, via)
                if response is not None:
                    return response
                status = 422
        else:
            status = 422
    not_you = f"{reverse('refer:page', args=[program.slug])}?{urlencode({'other': '1'})}"
    context = {
        "program": program,
        "form": form,
        "honeypot": HONEYPOT,
        "referrer_name": first_name(referrer) if referrer is not None else "",
        "signed_in": intake == "portal",
        "via": via,
        "not_you_url": not_you,
        "sign_in_url": (
            f"{reverse('portal:sign-in')}?"
            + urlencode(
                {"w": program.workspace.slug, "next": reverse("refer:page", args=[program.slug])}
            )
        ),
        "paused": program.status == ProgramStatus.paused,
        "page_url": request.path,
    }
    return render(request, "portal/refer/page.html", context, status=status)


def _submit(request, program, form, referrer, intake: str, via: str):
    """Submit the lead; the redirect to the thanks page, or None with the error on the form."""
    data = form.cleaned_data
    if referrer is None:
        referrer = refer.referrer_by_email(program=program, email=data["referrer_email"])
        if referrer is None:
            form.add_error(
                "referrer_email",
                _(
                    "This address is not a referrer of this program. Use the address you "
                    "joined with, or sign in to your portal."
                ),
            )
            return None
    try:
        referral = referral_submit(
            referrer=referrer,
            name=data["name"],
            email=data["email"],
            company=data.get("company", ""),
            phone=data.get("phone", ""),
            notes=data.get("notes", ""),
            heard_from=form.heard(),
            consent=True,
            intake=intake,
        )
    except Invalid as error:
        loc = error.extra["errors"][0]["loc"]
        where = FIELD_OF.get(str(loc[-1]) if loc else "")
        form.add_error(where if where in form.fields else None, error.detail)
        return None
    return _thanks_redirect(
        request,
        program,
        via=via,
        duplicate=referral.duplicate_of_id is not None,
        signed_in=intake == "portal",
    )


def _thanks_redirect(request, program, *, via: str, duplicate: bool, signed_in: bool = False):
    request.session[THANKS_KEY] = {
        "program": str(program.pk),
        "duplicate": duplicate,
        "via": via,
        "signed_in": signed_in,
        "language": request.LANGUAGE_CODE,
    }
    return redirect("refer:thanks", slug=program.slug)


@never_cache
@require_safe
def thanks(request, slug: str):
    """After a lead (POST → redirect → GET): when the team reviews it, where to follow it, and
    the way to refer another."""
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
        return redirect("refer:page", slug=slug)
    workspace = program.workspace
    request.portal_workspace = workspace
    session = signed_in(request)
    if session and session.get("workspace") == workspace.pk:
        request.portal_email = session["email"]
    language = done.get("language")
    if language not in LANGUAGES:
        language = visitor_language(request, workspace)
    activate(request, language=language, workspace=workspace)
    try:
        again = reverse("refer:page", args=[program.slug])
        if done.get("via"):
            again += "?" + urlencode({"via": done["via"]})
        context = {
            "program": program,
            "hours": program.sla_acknowledge_hours,
            "duplicate": bool(done.get("duplicate")),
            "leads_url": reverse("portal:leads", args=[program.slug]),
            "again_url": again,
            "page_url": again,
        }
        return render(request, "portal/refer/thanks.html", context)
    finally:
        timezone.deactivate()
