"""A partner's deal registrations in the portal (R31, R34): the form that registers an
opportunity through the same service as `POST /api/v1/deals` (tular.deals.services.deal_register),
and the partner's deals with their status, protection, review timer and history, as they stand
when the page is read.

Only partners (participants of kind partner or reseller) in partner programs (reseller,
technology or service partner) see the page; anyone else gets a 404. A conflict says until when
the account is protected and nothing about who holds it, as the API does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.core.money import is_currency, minor_units
from tular.deals.models import CHECKLIST, Deal, DealEventKind, DealStatus
from tular.deals.services import PARTNER_KINDS, deal_dispute, deal_register, settings_for
from tular.partners.commission import commission_lines_of
from tular.partners.profiles import PARTNER_PROGRAM_KINDS
from tular.portal.access import portal_view
from tular.workspaces.audit import Actor

SHOWN = 50
# Where the service's error locations (after "body") land on the form.
FIELD_OF = {
    "company": "company",
    "domain": "domain",
    "name": "contact_name",
    "email": "contact_email",
    "estimated_value": "estimated_value",
    "currency": "currency",
    "country": "country",
}


def deals_open_to(participant) -> bool:
    """Deal registration is on for partners of partner programs."""
    return participant.kind in PARTNER_KINDS and participant.program.kind in PARTNER_PROGRAM_KINDS


def check_label(name: str) -> str:
    return str(CHECKLIST.get(name, name.replace("_", " ")))


class DealForm(StyledForm, forms.Form):
    company = forms.CharField(label=gettext_lazy("Company"), max_length=200)
    domain = forms.CharField(
        label=gettext_lazy("Company's web domain"),
        max_length=300,
        help_text=gettext_lazy("e.g. maju.co.id: not a public mailbox such as gmail.com."),
        error_messages={
            "required": gettext_lazy("Enter the company's web domain, e.g. example.co.id.")
        },
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocapitalize": "none", "placeholder": "maju.co.id"}
        ),
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact's name"), max_length=200)
    contact_email = forms.EmailField(
        label=gettext_lazy("Contact's e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"inputmode": "email", "autocapitalize": "none"}),
    )
    estimated_value = forms.DecimalField(
        label=gettext_lazy("Estimated value"),
        min_value=0,
        max_digits=18,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        max_length=3,
        min_length=3,
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    country = forms.CharField(
        label=gettext_lazy("Country (optional)"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("Two letters, e.g. ID: leave empty for the whole company."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )

    def __init__(self, *args, required_checks: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.check_names = list(dict.fromkeys([*CHECKLIST, *required_checks]))
        for name in self.check_names:
            self.fields[f"check_{name}"] = forms.BooleanField(
                label=check_label(name),
                required=False,
                help_text=_("Needed for approval.") if name in required_checks else "",
            )
        self._style()

    def _style(self) -> None:
        """StyledForm styles the fields it had when made; the checklist's come after."""
        for name in self.check_names:
            self.fields[f"check_{name}"].widget.attrs.setdefault("class", "form-check-input")

    def checks(self):
        return [self[f"check_{name}"] for name in self.check_names]

    def qualification(self) -> dict:
        return {name: bool(self.cleaned_data.get(f"check_{name}")) for name in self.check_names}

    def minor_value(self) -> int | None:
        """The estimated value in minor units of the currency, or None (an error is added)."""
        currency = self.cleaned_data["currency"].upper()
        value: Decimal = self.cleaned_data["estimated_value"]
        if not is_currency(currency):
            self.add_error("currency", _("Use an ISO 4217 currency code, e.g. IDR."))
            return None
        try:
            minor = value.scaleb(minor_units(currency))
            if minor != minor.to_integral_value():
                raise InvalidOperation
        except InvalidOperation:
            self.add_error("estimated_value", _("Too many decimals for this currency."))
            return None
        return int(minor)


def _when(value) -> str:
    return formats.date_format(value, "j M Y, H:i") if value else ""


def _rows(participant) -> list[dict]:
    deals = (
        Deal.objects.filter(partner=participant)
        .select_related("conflict_with")
        .prefetch_related("events")
        .order_by("-registered_at", "-pk")[:SHOWN]
    )
    deals = list(deals)
    for deal in deals:
        deal.partner = participant  # theirs: not read again per deal
    commission = commission_lines_of([d for d in deals if d.status == DealStatus.won])
    rows = []
    for deal in deals:
        history = []
        for event in deal.events.all():
            if event.kind == DealEventKind.status and event.to_status:
                words = DealStatus(event.to_status).label
            else:
                words = DealEventKind(event.kind).label
            history.append({"at": event.at, "words": words, "reason": event.reason})
        rows.append(
            {
                "deal": deal,
                "status_words": DealStatus(deal.status).label,
                # a conflict: until when the other registration protects the account (never whose)
                "held_until": deal.conflict_with.expires_at
                if deal.status == DealStatus.conflict and deal.conflict_with
                else None,
                "history": history,
                # won: the commission with its breakdown (rate, base, tier, hold, status)
                "commission": commission.get(deal.pk, []),
            }
        )
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(program=True)
def deals(request, slug: str):
    participant = request.participant
    if not deals_open_to(participant):
        raise Http404("deal registration is for partners")
    program = participant.program
    rules = settings_for(program)
    data = request.POST if request.method == "POST" else None
    form = DealForm(
        data, required_checks=list(rules.required_checks), initial={"currency": program.currency}
    )
    if request.method == "POST" and form.is_valid():
        value = form.minor_value()
        if value is not None:
            done = _register(request, form, participant=participant, value=value)
            if done:
                return redirect("portal:deals", slug)
    return render(
        request,
        "portal/deals/deals.html",
        {
            "program": program,
            "form": form,
            "rules": rules,
            "deals": _rows(participant),
            "shown": SHOWN,
        },
        status=422 if form.is_bound else 200,
    )


def _register(request, form: DealForm, *, participant, value: int) -> bool:
    member = request.portal_member
    who = member.name if member else participant.name or participant.email
    data = form.cleaned_data
    try:
        result = deal_register(
            program=participant.program,
            partner=participant,
            company=data["company"],
            domain=data["domain"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            estimated_value=value,
            currency=data["currency"].upper(),
            qualification=form.qualification(),
            country=data["country"],
            actor=Actor(label=_("%(name)s (portal)") % {"name": who}),
        )
    except Invalid as error:
        loc = error.extra["errors"][0]["loc"]
        where = FIELD_OF.get(str(loc[-1]) if loc else "")
        form.add_error(where if where in form.fields else None, error.detail)
        return False
    deal = result.deal
    if result.conflict:
        messages.warning(
            request,
            _(
                "Another partner has already registered %(company)s: the account is protected "
                "until %(until)s. Your registration is kept for the program's team to review."
            )
            % {"company": deal.company, "until": _when(result.protected_until)},
        )
    elif deal.status == DealStatus.approved:
        messages.success(
            request,
            _("%(company)s is registered and approved: protected until %(until)s.")
            % {"company": deal.company, "until": _when(deal.expires_at)},
        )
    else:
        messages.success(
            request,
            _("%(company)s is registered and waits for review, to be decided by %(due)s.")
            % {"company": deal.company, "due": _when(deal.review_due_at)},
        )
    return True


@require_http_methods(["POST"])
@portal_view(program=True)
def dispute(request, slug: str, deal_id):
    """Contest the hold on a conflicting registration (deal_dispute): the program's team
    decides, with a reason both partners see; the other partner stays unnamed."""
    participant = request.participant
    if not deals_open_to(participant):
        raise Http404("deal registration is for partners")
    deal = Deal.objects.filter(partner=participant, pk=deal_id).first()
    if deal is None:
        raise Http404("no such deal of this partner")
    member = request.portal_member
    who = member.name if member else participant.name or participant.email
    try:
        deal_dispute(
            deal=deal,
            reason=request.POST.get("reason", "")[:1000],
            actor=Actor(label=_("%(name)s (portal)") % {"name": who}),
        )
    except (Invalid, Conflict) as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(
            request,
            _("Your dispute about %(company)s is sent: the program's team decides it.")
            % {"company": deal.company},
        )
    return redirect("portal:deals", slug)
