"""The pipeline as a list (filters, sort by due time, CSV export of what is shown) and the
referral queue (R20): open leads, most overdue first, then due soonest; then the dark leads
whose re-contact date has come. Quick actions post to the board's move."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tular.console.access import can_change, console_view
from tular.console.views.pipeline.common import (
    INTAKE_LABELS,
    FilterForm,
    decorate,
    filtered,
    queue,
    status_label,
)
from tular.core import clock
from tular.core.money import minor_units
from tular.referrals.models import ReferralStatus

PER_PAGE = 50
CHUNK = 1000


@console_view()
def lead_list(request):
    form = FilterForm(request.GET, workspace=request.workspace)
    values = form.values()
    now = clock.now()
    page = Paginator(filtered(request.workspace, values, now=now), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for referral in page.object_list:
        decorate(referral, now=now)
    filters = {name: values.get(name) or "" for name in form.fields}
    return render(
        request,
        "console/pipeline/list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filtering": any(filters[name] for name in filters if name != "sort"),
            "programs": form.programs,
            "query": request.GET.urlencode(),
            **form.choices(),
        },
    )


def headers() -> list[str]:
    return [
        _("Lead"),
        _("E-mail"),
        _("Company"),
        _("Phone"),
        _("Referrer"),
        _("Program"),
        _("Status"),
        pgettext("lead", "Owner"),
        _("Due"),
        _("Overdue"),
        _("Deal value"),
        _("Currency"),
        _("Intake"),
        _("Possible duplicate"),
        _("Submitted"),
    ]


class _Echo:
    def write(self, value):
        return value


def _major(amount, currency) -> str:
    if amount is None:
        return ""
    digits = minor_units(currency)
    return f"{amount / 10**digits:.{digits}f}" if digits else str(amount)


@console_view()
def lead_export(request):
    form = FilterForm(request.GET, workspace=request.workspace)
    now = clock.now()
    found = filtered(request.workspace, form.values(), now=now).select_related("duplicate_of")
    zone = timezone.get_current_timezone()
    labels = {value: status_label(value) for value in ReferralStatus.values}
    intakes = {key: str(label) for key, label in INTAKE_LABELS.items()}
    yes, no = _("yes"), _("no")
    writer = csv.writer(_Echo())
    header = headers()

    def local(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    def lines():
        yield "\ufeff"  # Excel reads the file as UTF-8
        yield writer.writerow(header)
        for lead in found.iterator(chunk_size=CHUNK):
            currency = lead.deal_currency or lead.program.currency
            yield writer.writerow(
                [
                    lead.name,
                    lead.email,
                    lead.company,
                    lead.phone,
                    lead.participant.name or lead.participant.email,
                    lead.program.slug,
                    labels.get(lead.status, lead.status),
                    lead.owner.email if lead.owner else "",
                    local(lead.due_at),
                    yes if lead.due_at and lead.due_at < now else no,
                    _major(lead.deal_value, currency),
                    lead.deal_currency,
                    intakes.get(lead.intake, lead.intake),
                    str(lead.duplicate_of) if lead.duplicate_of else "",
                    local(lead.created_at),
                ]
            )

    filename = f"leads-{request.workspace.slug}-{now:%Y%m%d-%H%M}"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


@console_view()
def lead_queue(request):
    now = clock.now()
    open_leads, dark = queue(request.workspace, now=now)
    program = request.GET.get("program") or ""
    if program:
        open_leads = open_leads.filter(program__slug=program)
        dark = dark.filter(program__slug=program)
    page = Paginator(open_leads, PER_PAGE).get_page(request.GET.get("page"))
    rows = [decorate(lead, now=now) for lead in page.object_list]
    return render(
        request,
        "console/pipeline/queue.html",
        {
            "page_obj": page,
            "rows": rows,
            "overdue_total": open_leads.filter(due_at__lt=now).count(),
            "dark": [decorate(lead, now=now) for lead in dark[:PER_PAGE]],
            "filters": {"program": program},
            "programs": FilterForm({}, workspace=request.workspace).programs,
            "can_change": can_change(request),
        },
    )
