"""Sign in, sign out, change and reset the password, choose the language and the workspace."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tular.console.access import console_view, preference_of
from tular.core.forms import StyledForm
from tular.workspaces.auth import sign_in_failed, sign_in_succeeded, sign_in_wait_minutes
from tular.workspaces.models import Membership

LANGUAGES = {code for code, _name in settings.LANGUAGES}


class EmailAuthenticationForm(StyledForm, AuthenticationForm):
    """Django's sign-in form, asking for the e-mail address (the username of every manager)."""

    username = forms.EmailField(
        label=gettext_lazy("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": gettext_lazy(
            "That e-mail and password do not match an account. Check both and try again."
        ),
        "inactive": gettext_lazy("This account is disabled."),
    }

    def clean(self):
        """Refuse without checking the password while this address or IP has failed too often
        (tular.workspaces.auth); record each failure."""
        email = self.cleaned_data.get("username")
        ip = self.request.META.get("REMOTE_ADDR") if self.request else None
        if email:
            wait = sign_in_wait_minutes(email=email, ip=ip)
            if wait:
                raise forms.ValidationError(
                    ngettext(
                        "Too many failed sign-ins. Try again in %(minutes)s minute, or reset "
                        "your password.",
                        "Too many failed sign-ins. Try again in %(minutes)s minutes, or reset "
                        "your password.",
                        wait,
                    ),
                    code="throttled",
                    params={"minutes": wait},
                )
        try:
            return super().clean()
        except forms.ValidationError:
            if email:
                sign_in_failed(email=email, ip=ip)
            raise


class LoginView(auth_views.LoginView):
    template_name = "console/auth/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    extra_context = {"password_reset_url": reverse_lazy("console:password-reset")}

    def get_default_redirect_url(self):
        return reverse("console:overview")

    def form_valid(self, form):
        sign_in_succeeded(email=form.cleaned_data["username"])
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("console:login")


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@require_POST
def language_set(request):
    """Switch the interface language: kept on the user (when signed in) and in a cookie."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, reverse("console:overview")))
    if language not in LANGUAGES:
        return response
    if request.user.is_authenticated:
        preference = preference_of(request.user)
        preference.language = language
        preference.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


@console_view()
@require_POST
def workspace_switch(request):
    """Work in another workspace the user is a member of (never one they are not)."""
    membership = (
        Membership.objects.filter(user=request.user, workspace__slug=request.POST.get("workspace"))
        .select_related("workspace")
        .first()
    )
    if membership is None:
        messages.error(request, _("You are not a member of that workspace."))
    else:
        preference = preference_of(request.user)
        preference.current_workspace = membership.workspace
        preference.save(update_fields=["current_workspace"])
        messages.success(
            request, _("You are now working in %(name)s.") % {"name": membership.workspace.name}
        )
    return HttpResponseRedirect(reverse("console:overview"))


class StyledPasswordChangeForm(StyledForm, PasswordChangeForm):
    pass


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm
    template_name = "console/auth/password_change.html"
    success_url = reverse_lazy("console:overview")
    success_message = gettext_lazy("Your password has been changed.")


password_change = console_view()(PasswordChangeView.as_view())

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("language/", language_set, name="language"),
    path("workspace/", workspace_switch, name="workspace-switch"),
    path("password/", password_change, name="password-change"),
]
