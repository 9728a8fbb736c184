"""Console pages: payouts — the list (also a participant's payout history), creating a draft per
program and currency, one payout with its items, and its lifecycle: send (then the bank CSV),
mark paid, mark failed.

Each action calls the same service as its API endpoint (tular.rewards.payouts: payout_create,
payout_send, payout_mark_paid, payout_mark_failed, payout_export_csv)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.forms import OnceTokenField, spend_token
from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.participants.selectors import get_in_workspace
from tular.programs.services import programs_filter
from tular.rewards import payouts as payout_services
from tular.rewards.models import Payout
from tular.rewards.selectors import (
    payout_get,
    payout_item_rows,
    payouts_listing,
    reward_currencies,
)

PER_PAGE = 50


class PayoutCreateForm(StyledForm, forms.Form):
    program = forms.ModelChoiceField(label=gettext_lazy("Program"), queryset=None)
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        help_text=gettext_lazy(
            "Every approved reward in this currency that is in no payout yet goes in the draft."
        ),
    )
    token = OnceTokenField()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        programs = programs_filter(workspace=workspace).order_by("name")
        self.fields["program"].queryset = programs
        self.fields["program"].empty_label = None
        currencies = sorted(
            {program.currency for program in programs} | set(reward_currencies(workspace=workspace))
        )
        self.fields["currency"].choices = [(code, code) for code in currencies]


class MarkFailedForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why did it fail?"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("e.g. the bank refused the file")}
        ),
    )


def _participant_filter(request):
    """The participant of `?participant=` (None when absent); unknown or another workspace's:
    404."""
    value = request.GET.get("participant")
    if not value:
        return None
    participant = get_in_workspace(workspace=request.workspace, participant_id=value)
    if participant is None:
        raise Http404
    return participant


@console_view(change=True)
def payout_list(request):
    """The payouts (GET), and creating a draft (POST: the form beside the list)."""
    form = PayoutCreateForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        created = _create(request, form)
        if created is not None:
            return created
    participant = _participant_filter(request)
    status = request.GET.get("status") or None
    if status not in Payout.Status.values:
        status = None
    program = request.GET.get("program") or None
    payouts = payouts_listing(
        workspace=request.workspace,
        program_slug=program,
        status=status,
        participant_id=participant.pk if participant else None,
    )
    page = Paginator(payouts, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/payouts/list.html",
        {
            "page_obj": page,
            "form": form,
            "participant": participant,
            "programs": form.fields["program"].queryset,
            "statuses": Payout.Status.choices,
            "filters": {"program": program or "", "status": status or ""},
        },
    )


def _create(request, form):
    """payout_create, once per form (a double submission is told, not repeated). None when the
    service refused: the error is now beside the field."""
    program, currency = form.cleaned_data["program"], form.cleaned_data["currency"]
    try:
        with transaction.atomic():
            if not spend_token(form.cleaned_data.get("token"), request.user):
                messages.info(request, _("This form was already sent: the payout was made once."))
                return redirect("console:payouts")
            payout = payout_services.payout_create(
                workspace=request.workspace,
                program=program,
                currency=currency,
                actor=actor_of(request),
            )
    except Invalid:
        form.add_error(
            "currency",
            _(
                "Nothing to pay in %(currency)s for %(program)s: no approved rewards are "
                "waiting for a payout (or they only pay off earlier reversals)."
            )
            % {"currency": currency, "program": program.name},
        )
        return None
    messages.success(
        request,
        _("Draft payout made. Check the items, then send it and download the bank file."),
    )
    return redirect("console:payouts-detail", payout_id=payout.pk)


def _payout_or_404(request, payout_id) -> Payout:
    payout = payout_get(workspace=request.workspace, payout_id=str(payout_id))
    if payout is None:
        raise Http404
    return payout


@console_view()
def payout_detail(request, payout_id):
    payout = _payout_or_404(request, payout_id)
    items = list(payout_item_rows(payout=payout))
    return render(
        request,
        "console/payouts/detail.html",
        {
            "payout": payout,
            "items": items,
            "total": sum(item.amount for item in items),
            "reversed_after_send": sum(item.reversed_after_send for item in items),
            "fail_form": MarkFailedForm(),
        },
    )


@console_view()
def payout_export(request, payout_id):
    """The bank CSV, as GET /api/v1/payouts/{id}/export.csv (a draft's is a preview)."""
    payout = _payout_or_404(request, payout_id)
    response = HttpResponse(
        payout_services.payout_export_csv(payout), content_type="text/csv; charset=utf-8"
    )
    filename = payout_services.payout_export_filename(payout)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _transition(request, payout: Payout, action, *, refused: str, done: str):
    """Run `action()` (the service call that moves the payout on) and go back to the payout. A
    Conflict (it has moved on already, e.g. a double submission) is told with its status now."""
    try:
        action()
    except Conflict:
        current = _payout_or_404(request, payout.pk)
        messages.warning(request, refused % {"status": current.get_status_display()})
    else:
        messages.success(request, done)
    return redirect("console:payouts-detail", payout_id=payout.pk)


@console_view(change=True)
@require_POST
def payout_send_view(request, payout_id):
    payout = _payout_or_404(request, payout_id)
    return _transition(
        request,
        payout,
        lambda: payout_services.payout_send(payout=payout, actor=actor_of(request)),
        refused=_(
            "Not sent: only a draft with something to pay can be sent; this one is %(status)s."
        ),
        done=_("Sent: the payout is frozen. Download the bank file and pay it, then mark it paid."),
    )


@console_view(change=True)
@require_POST
def payout_mark_paid_view(request, payout_id):
    payout = _payout_or_404(request, payout_id)
    return _transition(
        request,
        payout,
        lambda: payout_services.payout_mark_paid(payout=payout, actor=actor_of(request)),
        refused=_("Nothing changed: this payout is already %(status)s."),
        done=_("Marked paid: the participants' paid balances went up."),
    )


@console_view(change=True)
@require_POST
def payout_mark_failed_view(request, payout_id):
    payout = _payout_or_404(request, payout_id)
    form = MarkFailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the payout failed: it was not marked failed."))
        return redirect("console:payouts-detail", payout_id=payout_id)
    return _transition(
        request,
        payout,
        lambda: payout_services.payout_mark_failed(
            payout=payout, reason=form.cleaned_data["reason"], actor=actor_of(request)
        ),
        refused=_(
            "Nothing changed: only a sent payout can be marked failed; this one is %(status)s."
        ),
        done=_("Marked failed: its rewards are free again for the next payout."),
    )


urlpatterns = [
    path("payouts/", payout_list, name="payouts"),
    path("payouts/<uuid:payout_id>/", payout_detail, name="payouts-detail"),
    path("payouts/<uuid:payout_id>/export.csv", payout_export, name="payouts-export"),
    path("payouts/<uuid:payout_id>/send", payout_send_view, name="payouts-send"),
    path("payouts/<uuid:payout_id>/mark-paid", payout_mark_paid_view, name="payouts-mark-paid"),
    path(
        "payouts/<uuid:payout_id>/mark-failed",
        payout_mark_failed_view,
        name="payouts-mark-failed",
    ),
]
