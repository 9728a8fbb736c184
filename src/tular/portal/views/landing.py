"""The program's landing page, /join/{program_slug} (R10), and its thanks page.

Who comes here: a friend who followed a referral link (/r/CODE redirects to the program's
destination, which may be this page, adding `?via=CODE&tular_click=<id>` and setting the
`tular_click` cookie on this host), or someone who heard of the program and typed its address.

The page states the offer in the program's copy (`programs.copy.copy_for`, in the visitor's
language, variant A or B of a running A/B test), names the friend who invited the visitor, and
puts the short form above the fold. A sign-up is recorded exactly like the API's
`POST /api/v1/track/signup` (`portal.landing.landing_signup` → `track_signup`): **the
customer's id (`customer_external_id`) is their normalised e-mail address**, the click is the
`tular_click` cookie, the code is `?via=` or, when neither identifies a referrer, the code the
friend types (an unknown code is refused beside its field: no sign-up is lost silently). A
self-referral is flagged for the manager and still thanked like any other sign-up.

Language: `?lang=` (kept in the session, then dropped from the address so the language switch
works), else the session's choice, else the browser's Accept-Language, else the workspace's.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.core.templatetags.ui import number
from tular.participants.services import normalise_email
from tular.portal import landing
from tular.portal.access import LANGUAGE_KEY, LANGUAGES, activate
from tular.programs.copy import copy_for
from tular.programs.models import Program, ProgramStatus
from tular.programs.wording import incentives_in_words
from tular.tracking.redirect import COOKIE_NAME, secure_cookie

THANKS_KEY = "tular_join_thanks"


class LandingForm(StyledForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    company = forms.CharField(
        label=gettext_lazy("Company (optional)"), max_length=200, required=False
    )
    code = forms.CharField(
        label=gettext_lazy("Code of the friend who invited you"),
        max_length=32,
        help_text=gettext_lazy("It is in your friend's message."),
    )
    consent = forms.BooleanField(
        error_messages={
            "required": gettext_lazy("Tick the box to agree, or we cannot sign you up.")
        }
    )

    def __init__(self, *args, program: Program, needs_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["consent"].label = _(
            "I agree that %(workspace)s uses my name and e-mail address to sign me up and to "
            "thank the friend who invited me."
        ) % {"workspace": program.workspace.name}
        if not landing.asks_company(program):
            del self.fields["company"]
        if not needs_code:
            del self.fields["code"]
        attrs = {
            "name": {"autocomplete": "name"},
            "email": {"autocomplete": "email", "inputmode": "email"},
            "company": {"autocomplete": "organization"},
            "code": {"autocapitalize": "characters", "autocomplete": "off"},
        }
        for name, extra in attrs.items():
            if name in self.fields:
                self.fields[name].widget.attrs.update(extra)

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        try:
            normalise_email(email)
        except Invalid:
            message = _("Enter a valid e-mail address, e.g. nama@contoh.com.")
            raise ValidationError(message) from None
        return email

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        self.referrer = landing.participant_of_code(program=self.program, code=code)
        if self.referrer is None:
            raise ValidationError(
                _("We do not know this code. Check it with the friend who invited you.")
            )
        return code


def visitor_language(request, workspace) -> str:
    chosen = request.session.get(LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return chosen
    if request.META.get("HTTP_ACCEPT_LANGUAGE"):
        browser = (request.LANGUAGE_CODE or "")[:2]
        if browser in LANGUAGES:
            return browser
    return workspace.default_language if workspace.default_language in LANGUAGES else "id"


def without_lang(request) -> str:
    query = [(key, value) for key, value in request.GET.items() if key != "lang"]
    return request.path + (f"?{urlencode(query)}" if query else "")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _social_proof(copy, program: Program) -> str:
    if copy.social_proof:
        return copy.social_proof
    joined = landing.referred_count(program)
    if joined < landing.SOCIAL_PROOF_MINIMUM:
        return ""
    return ngettext(
        "%(count)s person has already joined through a friend's invitation.",
        "%(count)s people have already joined through a friend's invitation.",
        joined,
    ) % {"count": number(joined)}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, slug: str):
    """The landing page: GET shows it (and counts a new visitor), POST signs the friend up."""
    if request.GET.get("lang") in LANGUAGES:
        request.session[LANGUAGE_KEY] = request.GET["lang"]
        return redirect(without_lang(request))
    posted = request.method == "POST"
    via = (request.POST.get("via") if posted else None) or request.GET.get("via", "")
    program, via_referrer = landing.program_for(slug=slug, via=via)
    if program is None:
        raise Http404("no landing page")
    workspace = program.workspace
    request.portal_workspace = workspace
    language = visitor_language(request, workspace)
    activate(request, language=language, workspace=workspace)
    try:
        return _page(request, program, via, via_referrer, language)
    finally:
        timezone.deactivate()


def _page(request, program: Program, via: str, via_referrer, language: str):
    posted = request.method == "POST"
    click_id = (
        request.COOKIES.get(COOKIE_NAME)
        or (request.POST.get("click") if posted else "")
        or request.GET.get(COOKIE_NAME, "")
    )
    click_referrer = landing.participant_of_click(program=program, click_id=click_id)
    referrer = click_referrer or via_referrer
    copy = copy_for(program=program, language=language)
    cookie_name = landing.ab_cookie_name(program)
    cookie = request.COOKIES.get(cookie_name)
    visit = None
    if posted:
        variant = landing.variant_of(
            cookie=cookie, language=language, shown=request.POST.get("variant", "")
        )
    elif request.method == "HEAD" or landing.is_robot(request.META.get("HTTP_USER_AGENT", "")):
        variant = "a"  # link previews and crawlers are not visitors
    else:
        visit = landing.landing_visit(
            program=program,
            language=language,
            test_running=bool(copy.test_element),
            started_at=_test_started_at(program, language),
            cookie=cookie,
        )
        variant = visit.variant
    shown = copy.variant(variant)
    form = LandingForm(
        request.POST if posted else None, program=program, needs_code=referrer is None
    )
    if posted and form.is_valid():
        response = _sign_up(request, program, form, click_referrer, click_id, via_referrer, via)
        if response is not None:
            return response
    context = {
        "program": program,
        "copy": shown,
        "variant": variant,
        "form": form,
        "referrer_name": landing.first_name(referrer) if referrer else "",
        "via": via if via_referrer is not None else "",
        "click": click_id if click_referrer is not None else "",
        "social_proof": _social_proof(shown, program),
        "paused": program.status == ProgramStatus.paused,
        "page_url": request.path,
    }
    response = render(request, "portal/landing/page.html", context, status=422 if posted else 200)
    if visit is not None and visit.cookie is not None:
        response.set_cookie(
            cookie_name,
            visit.cookie,
            max_age=int(timedelta(days=landing.AB_COOKIE_DAYS).total_seconds()),
            path="/join/",
            samesite="Lax",
            secure=secure_cookie(request.is_secure()),
            httponly=True,
        )
    return response


def _test_started_at(program: Program, language: str):
    saved = program.copies.filter(language=language).only("test_started_at").first()
    return saved.test_started_at if saved is not None else None


def _sign_up(request, program, form, click_referrer, click_id, via_referrer, via):
    """Record the sign-up and answer the redirect to the thanks page (None: refused, the
    error is on the form)."""
    data = form.cleaned_data
    language = request.LANGUAGE_CODE
    # What identified the referrer, as track_signup reads it: the click, else the code.
    click = click_id if click_referrer is not None else None
    code = via if via_referrer is not None else data.get("code")
    result = landing.landing_signup(
        program=program,
        email=data["email"],
        name=data["name"],
        company=data.get("company", ""),
        click_id=click,
        code=code,
        language=language,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    if not result.attributed:  # the referrer vanished between the page and the form
        form.add_error(
            "code" if "code" in form.fields else None,
            _("We could not find the friend who invited you. Check their code."),
        )
        return None
    if result.new and not result.flagged:
        variant = landing.variant_of(
            cookie=request.COOKIES.get(landing.ab_cookie_name(program)),
            language=language,
            shown=request.POST.get("variant", ""),
        )
        landing.count(program=program, language=language, variant=variant, field="signups")
    request.session[THANKS_KEY] = {
        "program": str(program.pk),
        "name": data["name"].split()[0] if data["name"] else "",
        "flagged": result.flagged,
    }
    return redirect("join:thanks", slug=program.slug)


@never_cache
@require_safe
def thanks(request, slug: str):
    """After the sign-up (POST → redirect → GET): what the friend gets and when, and an
    invitation to share in turn (they are a participant now: the portal's sign-in)."""
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
        return redirect("join:page", slug=slug)
    workspace = program.workspace
    request.portal_workspace = workspace
    language = visitor_language(request, workspace)
    activate(request, language=language, workspace=workspace)
    try:
        copy = copy_for(program=program, language=language)
        sides = incentives_in_words(program=program, language=language)
        context = {
            "program": program,
            "copy": copy,
            "name": done.get("name", ""),
            "flagged": bool(done.get("flagged")),
            "has_friend_reward": bool(sides["friend"]),
            "referrer_side": sides["referrer"],
            "when": _when(program, sides),
            "sign_in_url": f"{reverse('portal:sign-in')}?{urlencode({'w': workspace.slug})}",
            "page_url": reverse("join:page", args=[program.slug]),
        }
        return render(request, "portal/landing/thanks.html", context)
    finally:
        timezone.deactivate()


def _when(program: Program, sides: dict) -> str:
    """When the friend's reward is confirmed, in one sentence ("" without a friend reward)."""
    if not sides["friend"]:
        return ""
    if program.status != ProgramStatus.active:
        return _("The program is paused at the moment: rewards are given again once it resumes.")
    if program.hold_days:
        return ngettext(
            "A reward is confirmed %(days)d day after it is earned; your portal shows where "
            "it stands.",
            "A reward is confirmed %(days)d days after it is earned; your portal shows where "
            "it stands.",
            program.hold_days,
        ) % {"days": program.hold_days}
    return _("A reward is confirmed as soon as it is earned; your portal shows it.")
