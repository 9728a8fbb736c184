"""Signing in to the portal by e-mailed link, the front door, signing out and the language.

A visitor who is not signed in sees the brand of the workspace named by `?w=<slug>`, else the
first workspace (the only one on most installations). The pages a visitor sees after asking
for a link are the same whether or not the address takes part in a program (no enumeration).
A link opened in the browser shows a page with one button that signs in (a POST): mail
scanners that fetch every link in a message must not spend it.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.participants.services import participants_set_language
from tular.participants.signin import (
    LINK_LIFETIME,
    LinkRefused,
    magic_link_check,
    magic_link_redeem,
    magic_link_request,
    safe_next,
)
from tular.portal import access
from tular.workspaces.models import Workspace

VALID_MINUTES = int(LINK_LIFETIME.total_seconds() // 60)


class SignInForm(StyledForm, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Enter your e-mail address."),
            "invalid": gettext_lazy("Enter a valid e-mail address, like name@example.com."),
        },
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "inputmode": "email", "autocapitalize": "none"}
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    w = forms.CharField(required=False, widget=forms.HiddenInput)


def _base_url(request) -> str:
    """The base of links sent by e-mail: TULAR_PUBLIC_URL, else this request's host."""
    return (settings.TULAR_PUBLIC_URL or request.build_absolute_uri("/")).rstrip("/")


def _visitor_workspace(request, slug: str | None = None) -> Workspace | None:
    """The workspace whose brand a visitor who is not signed in sees."""
    slug = slug or request.GET.get("w") or request.POST.get("w")
    workspace = Workspace.objects.filter(slug=slug).first() if slug else None
    return workspace or Workspace.objects.order_by("created_at", "pk").first()


def _visitor_language(request, fallback: str | None = None) -> None:
    """The visitor's choice (the language switch), else `fallback`, else the browser's."""
    chosen = request.session.get(access.LANGUAGE_KEY)
    if chosen not in access.LANGUAGES:
        chosen = fallback if fallback in access.LANGUAGES else None
    if chosen:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


def _with_brand(url: str, workspace: Workspace | None, **params) -> str:
    params = {"w": workspace.slug if workspace else "", **params}
    params = {key: value for key, value in params.items() if value}
    return f"{url}?{urlencode(params)}" if params else url


def _sign_in_url(workspace: Workspace | None, next_path: str = "") -> str:
    return _with_brand(reverse("portal:sign-in"), workspace, next=next_path)


@access.portal_view()
@require_http_methods(["GET", "HEAD"])
def home(request):
    """One program: straight to it; several: a card for each; none left: say so."""
    request.portal_workspace = request.workspace
    participants = request.participants
    wanted = request.GET.get("program")
    for participant in participants:
        if wanted and participant.program.slug == wanted:
            return redirect("portal:program", participant.program.slug)
    if len(participants) == 1:
        return redirect("portal:program", participants[0].program.slug)
    return render(request, "portal/home.html", {"participants": participants})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request):
    workspace = _visitor_workspace(request)
    request.portal_workspace = workspace
    _visitor_language(request)
    if request.method == "POST":
        form = SignInForm(request.POST)
        if form.is_valid():
            try:
                magic_link_request(
                    email=form.cleaned_data["email"],
                    ip=request.META.get("REMOTE_ADDR"),
                    base_url=_base_url(request),
                    next_path=form.cleaned_data["next"],
                    language=request.session.get(access.LANGUAGE_KEY),
                    # partners' members sign in with their own addresses (portal.access)
                    other_accounts=access.member_accounts,
                )
            except Invalid:
                form.add_error("email", _("Enter a valid e-mail address, like name@example.com."))
            else:
                return redirect(_with_brand(reverse("portal:sign-in-sent"), workspace))
    else:
        next_path = safe_next(request.GET.get("next"))
        if access.signed_in(request):
            return redirect(next_path or reverse("portal:home"))
        form = SignInForm(initial={"next": next_path, "w": workspace.slug if workspace else ""})
    return render(request, "portal/auth/sign_in.html", {"form": form, "workspace": workspace})


@require_http_methods(["GET", "HEAD"])
def sent(request):
    """The same page for every address: known, unknown or throttled."""
    workspace = _visitor_workspace(request)
    request.portal_workspace = workspace
    _visitor_language(request)
    return render(
        request,
        "portal/auth/sent.html",
        {"sign_in_url": _sign_in_url(workspace), "valid_minutes": VALID_MINUTES},
    )


def _link_refused(request, refused: LinkRefused):
    workspace = refused.link.workspace if refused.link else _visitor_workspace(request)
    request.portal_workspace = workspace
    _visitor_language(request, refused.link.language if refused.link else None)
    form = SignInForm(initial={"w": workspace.slug if workspace else ""})
    response = render(
        request,
        "portal/auth/link_refused.html",
        {
            "reason": refused.reason,
            "form": form,
            "workspace": workspace,
            "valid_minutes": VALID_MINUTES,
        },
        status=404 if refused.reason == "unknown" else 410,
    )
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_link(request, token: str):
    """GET: a page with one button (nothing is spent); POST: spend the link and sign in."""
    try:
        if request.method == "POST":
            link = magic_link_redeem(token=token)
        else:
            link = magic_link_check(token=token)
    except LinkRefused as refused:
        return _link_refused(request, refused)
    if request.method == "POST":
        access.sign_in(request, workspace=link.workspace, email_normalised=link.email_normalised)
        return redirect(safe_next(link.next_path) or reverse("portal:home"))
    request.portal_workspace = link.workspace
    _visitor_language(request, link.language)
    response = render(request, "portal/auth/link.html", {"workspace": link.workspace})
    # The token is in this address: no other site gets it as Referer. (Not "no-referrer": the
    # browser would then send "Origin: null" with the button's POST, which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


@require_POST
def sign_out(request):
    session = access.signed_in(request)
    workspace = Workspace.objects.filter(pk=session["workspace"]).first() if session else None
    access.sign_out(request)
    if session:
        messages.success(request, _("You are signed out."))
    return redirect(_sign_in_url(workspace))


@require_POST
def language(request):
    """The visitor's language, kept in the session; a signed-in person's participants follow
    it, so the e-mails they get are in it too."""
    chosen = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("portal:home")
    if chosen in access.LANGUAGES:
        request.session[access.LANGUAGE_KEY] = chosen
        session = access.signed_in(request)
        if session:
            participants_set_language(
                workspace=session["workspace"],
                email_normalised=session["email"],
                language=chosen,
            )
    return redirect(target)
