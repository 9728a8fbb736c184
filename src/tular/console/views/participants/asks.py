"""/console/participants/<id>/ask/: send a participant one of the program's asks or scripts
(R36, R39), previewed in their language with their own link and code first.

Sending calls `referrals.notify.ask_send` (marketing e-mail: recorded as suppressed, not sent,
when the person unsubscribed; one ask a day at most; a text with a [placeholder] left is
refused). The texts themselves are edited on the program's "Message templates" tab."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import actor_of, console_view
from tular.console.views.participants.pages import _participant_or_404
from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.messaging import catalogue
from tular.messaging.models import OutboundEmail
from tular.messaging.unsubscribe import is_suppressed
from tular.referrals.notify import ask_render, ask_send


def ask_choices() -> list:
    return [
        (
            str(catalogue.GROUPS[group]),
            [(m.key, m.label) for m in catalogue.CATALOGUE.values() if m.group == group],
        )
        for group in (catalogue.ASKS, catalogue.SCRIPTS)
    ]


class AskForm(StyledForm, forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("Message"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = ask_choices()


@console_view(always_change=True)
def participant_ask(request, participant_id):
    participant = _participant_or_404(request, participant_id)
    sender = request.user.get_full_name() or ""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = AskForm(data, initial={"key": "ask.current_customer"})
    key = form.data.get("key") if form.is_bound and form.is_valid() else "ask.current_customer"
    if request.method == "POST" and request.POST.get("action") == "send" and form.is_valid():
        try:
            email = ask_send(
                participant=participant, key=key, actor=actor_of(request), sender_name=sender
            )
        except (Invalid, Conflict) as refused:
            form.add_error("key", refused.detail)
        else:
            if email.status == OutboundEmail.Status.SUPPRESSED:
                messages.warning(
                    request,
                    _("%(email)s unsubscribed: the ask was recorded but not sent.")
                    % {"email": participant.email},
                )
            else:
                messages.success(
                    request, _("The ask is on its way to %(email)s.") % {"email": participant.email}
                )
            return redirect("console:participants-detail", participant.pk)
    chosen, preview, language = ask_render(participant=participant, key=key, sender_name=sender)
    return render(
        request,
        "console/participants/ask.html",
        {
            "participant": participant,
            "form": form,
            "key": key,
            "preview": preview,
            "language": language,
            "overridden": chosen.source == "override",
            "unsubscribed": is_suppressed(workspace=participant.workspace, email=participant.email),
            "template_url": reverse(
                "console:programs-message", args=[participant.program.slug, key]
            )
            + f"?language={language}",
        },
        status=422 if form.errors else 200,
    )
