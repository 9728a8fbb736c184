"""/console/insight/bands/: the benchmark bands the dashboard judges each measure against: the
sector (its defaults from the seeds), the manager's own bands over them, and what a customer
costs through paid ads (to compare with a referred one). Per program, or for the workspace
(what a program without its own settings uses). The same service as PUT
/api/v1/insight-settings (tular.analytics.bands.bands_update)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.analytics import bands
from tular.analytics.models import InsightSettings
from tular.console.access import can_change, console_view
from tular.console.views.insight.common import export_response, insight_tabs, major, programs_of
from tular.console.views.insight.dashboard import band_text
from tular.console.views.programs.forms import parse_money
from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.core.money import format_money, is_currency
from tular.core.templatetags.ui import babel_locale
from tular.programs.services import program_get

UNIT_LABELS = {
    "%": gettext_lazy("%"),
    "x": gettext_lazy("times (multiple)"),
    "months": gettext_lazy("months"),
    "hours": gettext_lazy("hours"),
}
BETTER_LABELS = {
    "higher": gettext_lazy("higher is better"),
    "lower": gettext_lazy("lower is better"),
}


def _band_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=Decimal(10) ** 9,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
    )


class BandsForm(StyledForm, forms.Form):
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=InsightSettings.Sector.choices,
        help_text=gettext_lazy("Its usual bands are the defaults below."),
    )
    paid_ads_cost = forms.CharField(
        label=gettext_lazy("What a customer costs through paid ads"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Compared with a referred customer's cost. Empty: not compared."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    paid_ads_currency = forms.CharField(
        label=gettext_lazy("Currency"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in bands.KEYS:
            label = bands.LABELS[key]
            for end, text in (("low", _("%(measure)s: from")), ("high", _("%(measure)s: to"))):
                field = _band_field(text % {"measure": label})
                # Added after StyledForm styled the others: the same class by hand.
                field.widget.attrs["class"] = "form-control"
                self.fields[f"{key}_{end}"] = field

    def band_rows(self):
        return [(key, self[f"{key}_low"], self[f"{key}_high"]) for key in bands.KEYS]

    def clean(self):
        data = super().clean()
        for key in bands.KEYS:
            low, high = data.get(f"{key}_low"), data.get(f"{key}_high")
            if low is not None and high is not None and low > high:
                self.add_error(f"{key}_low", _("The lower end is above the upper end."))
        text = (data.get("paid_ads_cost") or "").strip()
        currency = (data.get("paid_ads_currency") or "").strip().upper()
        data["paid_ads_currency"] = currency
        if text:
            if not is_currency(currency):
                self.add_error(
                    "paid_ads_currency", _("Use an ISO 4217 currency code, such as IDR.")
                )
            elif "-" in text:
                self.add_error("paid_ads_cost", _("The amount cannot be negative."))
            else:
                try:
                    data["paid_ads_cost"] = parse_money(text, currency)
                except forms.ValidationError as refused:
                    self.add_error("paid_ads_cost", refused)
        else:
            data["paid_ads_cost"] = None
        return data

    def changes(self) -> dict:
        """{key: {low, high}} of the bands the manager filled in (empty both: the default)."""
        data = self.cleaned_data
        found = {}
        for key in bands.KEYS:
            low, high = data.get(f"{key}_low"), data.get(f"{key}_high")
            if low is None and high is None:
                continue
            found[key] = {
                "low": None if low is None else str(low),
                "high": None if high is None else str(high),
            }
        return found


def _scope(request):
    slug = (request.GET.get("program") or "").strip()
    if not slug:
        return None
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404(_("No such program in this workspace."))
    return program


def _initial(stored: InsightSettings, current: dict) -> dict:
    initial = {"sector": stored.sector}
    for key, band in current.items():
        if band.changed:
            initial[f"{key}_low"] = band.low
            initial[f"{key}_high"] = band.high
    if stored.paid_ads_cost_per_customer is not None:
        amount = major(stored.paid_ads_cost_per_customer, stored.paid_ads_currency)
        initial["paid_ads_cost"] = format_decimal(amount.normalize(), locale=babel_locale())
        initial["paid_ads_currency"] = stored.paid_ads_currency
    return initial


def _table(current: dict, defaults: dict) -> tuple[list, list]:
    header = [
        _("Measure"),
        _("Unit"),
        _("Which way"),
        _("Sector default"),
        _("In use"),
        _("Changed"),
    ]
    rows = [
        [
            str(bands.LABELS[key]),
            str(UNIT_LABELS[band.unit]),
            str(BETTER_LABELS[band.better]),
            band_text(defaults[key]),
            band_text(band),
            _("yes") if band.changed else _("no"),
        ]
        for key, band in current.items()
    ]
    return header, rows


def _page(request, program, *, form=None, status=200):
    stored = bands.settings_for(workspace=request.workspace, program=program)
    own = stored.pk is not None and stored.program_id == (program.pk if program else None)
    current = bands.bands_for(workspace=request.workspace, program=program)
    defaults = bands.default_bands(stored.sector)
    download = export_response(
        request, {"bands": lambda: _table(current, defaults)}, "insight-bands"
    )
    if download is not None:
        return download
    form = form or BandsForm(
        initial=_initial(stored, current)
        if own or program is None
        else {"sector": stored.sector, "paid_ads_currency": program.currency}
    )
    rows = []
    for key, low, high in form.band_rows():
        band = current[key]
        for bound, default in ((low, defaults[key].low), (high, defaults[key].high)):
            if default is not None:
                bound.field.widget.attrs["placeholder"] = format_decimal(
                    default, locale=babel_locale()
                )
        rows.append(
            {
                "key": key,
                "label": bands.LABELS[key],
                "unit": UNIT_LABELS[band.unit],
                "better": BETTER_LABELS[band.better],
                "default": band_text(defaults[key]),
                "in_use": band_text(band),
                "changed": band.changed,
                "low": low,
                "high": high,
                "default_low": defaults[key].low,
                "default_high": defaults[key].high,
            }
        )
    paid = None
    if stored.paid_ads_cost_per_customer is not None and stored.paid_ads_currency:
        paid = format_money(
            stored.paid_ads_cost_per_customer, stored.paid_ads_currency, babel_locale()
        )
    return render(
        request,
        "console/insight/bands.html",
        {
            "tabs": insight_tabs("console:insight-bands"),
            "programs": programs_of(request.workspace),
            "program": program,
            "slug": program.slug if program else "",
            "inherits": program is not None and not own,
            "form": form,
            "rows": rows,
            "paid": paid,
            "sector_label": InsightSettings.Sector(stored.sector).label,
            "can_change": can_change(request),
        },
        status=status,
    )


@console_view(change=True)
def bands_page(request):
    program = _scope(request)
    if request.method != "POST":
        return _page(request, program)
    form = BandsForm(request.POST)
    if not form.is_valid():
        return _page(request, program, form=form, status=422)
    data = form.cleaned_data
    try:
        bands.bands_update(
            workspace=request.workspace,
            program=program,
            sector=data["sector"],
            bands=form.changes(),
            paid_ads_cost_per_customer=data["paid_ads_cost"],
            paid_ads_currency=data["paid_ads_currency"],
        )
    except Invalid as refused:
        loc = refused.extra["errors"][0]["loc"]
        field = "_".join(str(part) for part in loc[-2:]) if len(loc) > 3 else loc[-1]
        form.add_error(field if field in form.fields else None, refused.detail)
        return _page(request, program, form=form, status=422)
    messages.success(request, _("The bands were saved."))
    query = f"?program={program.slug}" if program else ""
    return redirect(reverse("console:insight-bands") + query)
