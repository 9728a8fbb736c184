"""Console pages: co-marketing (R35) — the joint activities with partners, per program and
partner, each with its own link and the leads and revenue it brought; creating, editing and
finishing one.

Each action calls the same service as its API endpoint (tular.partners.comarketing:
`activity_create` for POST /api/v1/co-marketing, `activity_update` for PATCH, whose
`"status": "done"` is `activity_finish` here)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.views.partners import (
    PER_PAGE,
    _base,
    _partner_programs,
    _show_error,
    pending_applications,
)
from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.core.ids import parse_uuid
from tular.core.money import is_currency, minor_units
from tular.participants.services import referral_url
from tular.partners.comarketing import (
    activities_of,
    activity_create,
    activity_figures,
    activity_finish,
    activity_update,
)
from tular.partners.models import ActivityKind, ActivityStatus, CoMarketingActivity
from tular.partners.selectors import partners_of


class ActivityForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_on = forms.DateField(
        label=gettext_lazy("Starts on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=ActivityStatus.choices, initial="planned"
    )
    budget = forms.DecimalField(
        label=gettext_lazy("Budget"),
        min_value=0,
        max_digits=18,
        required=False,
        help_text=gettext_lazy("What it costs, in whole units; empty: not recorded."),
    )
    budget_currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def service_values(self) -> dict:
        """The cleaned values as the service takes them (the budget in minor units)."""
        data = dict(self.cleaned_data)
        data.pop("partner", None)
        data.pop("code", None)
        currency = (data.get("budget_currency") or "").strip().upper()
        data["budget_currency"] = currency
        budget = data.get("budget")
        if budget is not None:
            if not is_currency(currency):
                raise Invalid(["budget_currency"], _("An ISO 4217 currency code, e.g. IDR."))
            data["budget"] = int(Decimal(budget) * 10 ** minor_units(currency))
        return data


class NewActivityForm(ActivityForm):
    partner = forms.ChoiceField(label=gettext_lazy("Partner"))
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        required=False,
        help_text=gettext_lazy(
            "Empty: the partner's code with a dash and four characters. It never changes."
        ),
    )
    field_order = ["partner", "kind", "title", "starts_on", "ends_on", "status", "code"]

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.partners = {str(partner.pk): partner for partner in partners}
        self.fields["partner"].choices = [("", "—")] + [
            (key, _partner_name(partner)) for key, partner in self.partners.items()
        ]


def _partner_name(partner) -> str:
    profile = getattr(partner, "partner_profile", None)
    name = profile.legal_name if profile else partner.name or partner.email
    return f"{name} · {partner.program.name}"


def _rows(request, activities: list[CoMarketingActivity]) -> list[dict]:
    figures = activity_figures(activities=activities)
    base = _base(request)
    return [
        {
            "activity": activity,
            "figures": figures[activity.pk],
            "url": referral_url(activity.link.code, base),
        }
        for activity in activities
    ]


@console_view(change=True)
def activity_list(request):
    programs = list(_partner_programs(request))
    slug = request.GET.get("program") or ""
    program = next((each for each in programs if each.slug == slug), None)
    partners = list(
        partners_of(workspace=request.workspace, program__in=[program] if program else programs)
        .select_related("program", "partner_profile")
        .order_by("program__name", "name", "id")
    )
    partner_id = parse_uuid(request.GET.get("partner") or "")
    partner = next((each for each in partners if each.pk == partner_id), None)
    form = NewActivityForm(
        request.POST if request.method == "POST" else None,
        partners=partners,
        initial={"partner": str(partner.pk) if partner else ""},
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.partners[form.cleaned_data["partner"]]
        try:
            activity = activity_create(
                participant=chosen,
                code=form.cleaned_data["code"] or None,
                actor=actor_of(request),
                **form.service_values(),
            )
        except (Invalid, Conflict) as exc:
            _show_error(form, exc)
        else:
            messages.success(
                request,
                _("Activity added. Its link: %(url)s")
                % {"url": referral_url(activity.link.code, _base(request))},
            )
            return redirect("console:partners-activity", activity_id=activity.pk)
    activities = activities_of(workspace=request.workspace, program=program, participant=partner)
    if program is None:
        activities = activities.filter(program__in=programs)
    page = Paginator(activities, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/partners/comarketing.html",
        {
            "programs": programs,
            "partners": partners,
            "filters": {"program": slug, "partner": str(partner.pk) if partner else ""},
            "page_obj": page,
            "rows": _rows(request, list(page.object_list)),
            "form": form,
            "open_form": form.is_bound or not page.object_list,
            "pending": pending_applications(request),
        },
    )


def _activity_or_404(request, activity_id) -> CoMarketingActivity:
    pk = parse_uuid(str(activity_id))
    found = activities_of(workspace=request.workspace).filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404
    return found


def _whole(amount: int | None, currency: str):
    if amount is None or not is_currency(currency):
        return None
    return Decimal(amount) / 10 ** minor_units(currency)


@console_view(change=True)
def activity_detail(request, activity_id):
    activity = _activity_or_404(request, activity_id)
    form = ActivityForm(
        request.POST if request.method == "POST" else None,
        initial={
            "kind": activity.kind,
            "title": activity.title,
            "starts_on": activity.starts_on,
            "ends_on": activity.ends_on,
            "status": activity.status,
            "budget": _whole(activity.budget, activity.budget_currency),
            "budget_currency": activity.budget_currency,
            "notes": activity.notes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity_update(
                activity=activity, changes=form.service_values(), actor=actor_of(request)
            )
        except (Invalid, Conflict) as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("Activity saved."))
            return redirect("console:partners-activity", activity_id=activity.pk)
    row = _rows(request, [activity])[0]
    return render(
        request,
        "console/partners/activity.html",
        {"row": row, "activity": activity, "form": form, "pending": pending_applications(request)},
    )


@console_view(change=True)
@require_POST
def activity_finish_view(request, activity_id):
    activity = _activity_or_404(request, activity_id)
    try:
        activity_finish(activity=activity, actor=actor_of(request))
    except Invalid as exc:
        messages.warning(request, exc.detail)
    else:
        messages.success(request, _("Activity marked done. Its link keeps working and counting."))
    return redirect("console:partners-activity", activity_id=activity.pk)


urlpatterns = [
    path("partners/co-marketing/", activity_list, name="partners-co-marketing"),
    path("partners/co-marketing/<uuid:activity_id>/", activity_detail, name="partners-activity"),
    path(
        "partners/co-marketing/<uuid:activity_id>/finish",
        activity_finish_view,
        name="partners-activity-finish",
    ),
]
