"""Public account pages: the password reset by e-mail and accepting an invitation.

The reset is Django's own machinery (PasswordResetForm, default_token_generator,
PasswordResetConfirmView); only the sending is ours: the e-mail goes through the outbox
(`password_reset_send`, in the user's language, at most 5 an hour per address) and the answer is
the same whether or not an account has that address."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from tular.console.views.settings.common import public_base_url
from tular.core.errors import DomainError, NotFound
from tular.core.forms import StyledForm
from tular.workspaces.accounts import password_reset_send
from tular.workspaces.models import Role
from tular.workspaces.team import (
    InvitationUnusable,
    invitation_accept,
    invitation_find,
    invitation_status,
)

# ---------------------------------------------------------------- password reset


class ResetRequestForm(StyledForm, PasswordResetForm):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    base_url = ""

    def get_users(self, email):
        """Active accounts with this address (as e-mail or as username) and a password."""
        users = get_user_model()._default_manager.filter(is_active=True)
        matches = users.filter(email__iexact=email) | users.filter(username__iexact=email)
        return (user for user in matches.distinct() if user.has_usable_password())

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """Queue the e-mail in the outbox instead of sending it during the request."""
        link = reverse(
            "console:password-reset-confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        password_reset_send(user=context["user"], reset_url=self.base_url + link)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "console/account/password_reset.html"
    success_url = reverse_lazy("console:password-reset-sent")

    def form_valid(self, form):
        form.base_url = public_base_url(self.request)
        with transaction.atomic():
            form.save(request=self.request)
        return redirect(self.get_success_url())


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "console/account/password_reset_sent.html"


class StyledSetPasswordForm(StyledForm, SetPasswordForm):
    pass


class PasswordResetConfirmView(SuccessMessageMixin, auth_views.PasswordResetConfirmView):
    form_class = StyledSetPasswordForm
    template_name = "console/account/password_reset_confirm.html"
    success_url = reverse_lazy("console:login")
    success_message = gettext_lazy("Your new password is set. Sign in with it.")


# ---------------------------------------------------------------- invitations


class JoinForm(StyledForm, forms.Form):
    """A new person's account: their name and a password (checked by the validators)."""

    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            user = get_user_model()(username=self.email, email=self.email)
            try:
                validate_password(first, user=user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


def _unusable(request, reason: str, status: int):
    return render(
        request, "console/account/invitation_unusable.html", {"reason": reason}, status=status
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation(request, token: str):
    """Shows the workspace and the role; a new person sets a name and password, an existing
    user signs in (with the invited address) and accepts."""
    try:
        found = invitation_find(token=token)
    except NotFound:
        return _unusable(request, "unknown", 404)
    status = invitation_status(found)
    if status != "pending":
        return _unusable(request, status, 410)
    User = get_user_model()
    has_account = User.objects.filter(username__iexact=found.email).exists()
    signed_in = request.user.is_authenticated
    is_invitee = signed_in and found.email in {
        (request.user.email or "").lower(),
        request.user.get_username().lower(),
    }
    form = None
    if not signed_in and not has_account:
        form = JoinForm(request.POST or None, email=found.email)
    if request.method == "POST":
        try:
            if is_invitee:
                accepted = invitation_accept(token=token, user=request.user)
            elif form is not None and form.is_valid():
                accepted = invitation_accept(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, accepted.user, backend="tular.workspaces.auth.EmailBackend")
            else:
                accepted = None
        except InvitationUnusable as error:
            return _unusable(request, error.reason, 410)
        except DomainError as error:
            messages.error(request, error.detail)
            accepted = None
        if accepted is not None:
            messages.success(
                request,
                _("Welcome to %(workspace)s.") % {"workspace": found.workspace.name},
            )
            return redirect("console:overview")
    response = render(
        request,
        "console/account/invitation.html",
        {
            "invitation": found,
            "role_label": Role(found.role).label,
            "form": form,
            "has_account": has_account,
            "is_invitee": is_invitee,
            "login_url": reverse("console:login") + "?next=" + request.path,
        },
        status=422 if form is not None and form.is_bound and form.errors else 200,
    )
    response["Referrer-Policy"] = "no-referrer"  # the token is in the path
    return response


urlpatterns = [
    path("password/reset/", PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("invitations/<str:token>/", invitation, name="invitation-accept"),
]
