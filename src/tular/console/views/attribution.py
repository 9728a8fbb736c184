"""/console/programs/<slug>/attribution/: what each attribution model would have credited for a
period, per participant, campaign and direct touch, side by side (R14). The same service as
GET /api/v1/attribution/compare (tular.analytics.attribution.attribution_compare); read-only.
`?export=csv|xlsx` downloads the table (one line per row, model and currency)."""

from __future__ import annotations

from datetime import UTC, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from tular.analytics import metrics
from tular.analytics.attribution import attribution_compare
from tular.console.access import actor_of, can_change, console_view
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.exports import FORMATS, table_response
from tular.core.forms import StyledForm
from tular.programs.services import program_get, program_update
from tular.tracking.credit import MODELS, Model

MODEL_NAMES = {
    Model.first_touch: gettext_lazy("First touch"),
    Model.last_touch: gettext_lazy("Last touch"),
    Model.linear: gettext_lazy("Linear"),
    Model.time_decay: gettext_lazy("Time decay"),
    Model.position_based: gettext_lazy("Position-based"),
}
KIND_NAMES = {
    "participant": gettext_lazy("Participant"),
    "campaign": gettext_lazy("Campaign"),
    "direct": gettext_lazy("Direct"),
    "nobody": gettext_lazy("Outside the window"),
}
EXPORT_HEADER = [
    "kind",
    "name",
    "participant_id",
    "model",
    "conversions",
    "currency",
    "revenue",
    "commission",
]


class PeriodForm(StyledForm, forms.Form):
    first = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            if last < first:
                self.add_error("last", gettext_lazy("The end is before the start."))
            elif (last - first).days + 1 > metrics.MAX_PERIOD_DAYS:
                self.add_error(
                    "last",
                    gettext_lazy("The period is longer than %(days)s days.")
                    % {"days": metrics.MAX_PERIOD_DAYS},
                )
        return cleaned


def _amounts(found: dict[str, int]) -> list[dict]:
    return [{"currency": currency, "amount": found[currency]} for currency in sorted(found)]


def _cell(credited, model, current) -> dict:
    return {
        "model": model,
        "current": model == current,
        "conversions": float(credited.conversions),
        "revenue": _amounts(credited.revenue),
        "commission": _amounts(credited.commission),
    }


def _name(row) -> str:
    if row.participant is not None:
        return row.participant.name or row.participant.email
    if row.kind == "campaign":
        return row.campaign
    return str(KIND_NAMES[row.kind])


def _export_rows(found):
    for row in found.rows:
        for model in MODELS:
            credited = row.by_model[model]
            currencies = sorted(set(credited.revenue) | set(credited.commission))
            currencies = currencies or [found.program.currency]
            for currency in currencies:
                yield [
                    row.kind,
                    _name(row),
                    str(row.participant.pk) if row.participant else "",
                    str(model),
                    f"{float(credited.conversions):.4f}",
                    currency,
                    credited.revenue.get(currency, 0),
                    credited.commission.get(currency, 0),
                ]


class ModelForm(StyledForm, forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("The program's model"), choices=())
    half_life_days = forms.IntegerField(
        label=gettext_lazy("Time-decay half-life (days)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=gettext_lazy("A touch this many days older weighs half. Empty: 7."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(str(m), MODEL_NAMES[m]) for m in MODELS]


def _model_form(program, data=None) -> ModelForm:
    attribution = program.attribution or {}
    return ModelForm(
        data,
        initial={
            "model": attribution.get("model", str(Model.last_touch)),
            "half_life_days": attribution.get("half_life_days"),
        },
    )


@console_view(change=True)
@require_POST
def attribution_model_save(request, slug):
    """The program's attribution model and half-life (program_update, as PATCH /programs)."""
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    form = _model_form(program, request.POST)
    if form.is_valid():
        attribution = {
            **(program.attribution or {}),
            "model": form.cleaned_data["model"],
            "half_life_days": form.cleaned_data["half_life_days"],
        }
        if attribution["half_life_days"] is None:
            attribution.pop("half_life_days")
        try:
            program_update(
                program=program, changes={"attribution": attribution}, actor=actor_of(request)
            )
        except (Invalid, Conflict) as refused:
            messages.error(request, refused.detail)
        else:
            messages.success(
                request,
                gettext("The program now credits by %(model)s.")
                % {"model": MODEL_NAMES[Model(form.cleaned_data["model"])]},
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("console:programs-attribution", slug=slug)


@console_view()
def attribution_page(request, slug):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    today = clock.now().astimezone(UTC).date()
    default = {"first": today - timedelta(days=metrics.DEFAULT_PERIOD_DAYS - 1), "last": today}
    given = {key: request.GET[key] for key in ("first", "last") if key in request.GET}
    form = PeriodForm({**{k: v.isoformat() for k, v in default.items()}, **given})
    found = None
    if form.is_valid():
        period = metrics.Period(first=form.cleaned_data["first"], last=form.cleaned_data["last"])
        found = attribution_compare(program=program, period=period)
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            return table_response(
                fmt=fmt,
                filename=f"attribution-{program.slug}-{period.first}-{period.last}",
                header=EXPORT_HEADER,
                rows=_export_rows(found),
                sheet="attribution",
            )
    context = {
        "program": program,
        "tab": "attribution",
        "form": form,
        "formats": FORMATS,
        "found": found,
        "model_form": _model_form(program),
        "can_change": can_change(request),
        "models": [
            {
                "key": model,
                "name": MODEL_NAMES[model],
                "current": found and model == found.current_model,
            }
            for model in MODELS
        ],
        "rows": [
            {
                "kind": row.kind,
                "kind_name": KIND_NAMES[row.kind],
                "name": _name(row),
                "participant": row.participant,
                "cells": [_cell(row.by_model[m], m, found.current_model) for m in MODELS],
            }
            for row in (found.rows if found else [])
        ],
        "totals": (
            [_cell(found.totals[m], m, found.current_model) for m in MODELS] if found else []
        ),
    }
    return render(
        request,
        "console/programs/attribution.html",
        context,
        status=200 if form.is_valid() else 422,
    )


urlpatterns = [
    path("programs/<slug:slug>/attribution/", attribution_page, name="programs-attribution"),
    path(
        "programs/<slug:slug>/attribution/model",
        attribution_model_save,
        name="programs-attribution-model",
    ),
]
