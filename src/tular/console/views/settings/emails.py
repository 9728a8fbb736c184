"""/console/settings/emails/: the e-mails the workspace sent or is sending (owners, managers)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from tular.console.access import can_change, console_view, forbidden
from tular.console.views.settings.common import settings_tabs
from tular.core.forms import StyledForm
from tular.messaging.catalogue import CATALOGUE
from tular.messaging.models import OutboundEmail
from tular.messaging.selectors import emails_filter

PAGE_SIZE = 50
KINDS = [
    ("", gettext_lazy("All")),
    ("invitation", gettext_lazy("Invitation")),
    ("password_reset", gettext_lazy("Password reset")),
]


class EmailFilterForm(StyledForm, forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *OutboundEmail.Status.choices],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    kind = forms.CharField(label=gettext_lazy("Kind"), required=False, max_length=64)


@console_view()
def emails(request):
    if not can_change(request):
        return forbidden(request)
    form = EmailFilterForm(request.GET or None)
    status = kind = None
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or None
        kind = form.cleaned_data["kind"].strip() or None
    rows = emails_filter(workspace=request.workspace, kind=kind, status=status).only(
        "id",
        "to",
        "kind",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "next_attempt_at",
        "language",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {**dict(KINDS[1:]), **{key: message.label for key, message in CATALOGUE.items()}}
    items = [{"email": email, "kind": labels.get(email.kind, email.kind)} for email in page]
    return render(
        request,
        "console/settings/emails.html",
        {
            "form": form,
            "page_obj": page,
            "items": items,
            "tabs": settings_tabs(request, "console:settings-emails"),
        },
    )
