"""CSV import: upload (→ `participants_import_start`, the service of
POST /api/v1/participants/imports), then the job's page with a progress bar that htmx refreshes
every second until the worker is done, and the per-row report."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tular.console.access import actor_of, console_view
from tular.console.views.participants.forms import ImportForm, add_service_error
from tular.core.errors import Invalid
from tular.participants import selectors
from tular.participants.imports import (
    ERRORS,
    MAX_ROWS,
    REASONS,
    participants_import_start,
    template_csv,
)
from tular.programs.services import program_get

PER_PAGE = 50
OUTCOMES = ("created", "existing", "rejected")


@console_view(always_change=True)
def participant_import(request):
    form = ImportForm(request.POST or None, request.FILES or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        slug = form.cleaned_data["program"]
        upload = form.cleaned_data["file"]
        try:
            job = participants_import_start(
                workspace=request.workspace,
                data=upload.read(),
                filename=upload.name or "",
                program=program_get(workspace=request.workspace, slug=slug) if slug else None,
                actor=actor_of(request),
            )
        except Invalid as refused:
            add_service_error(form, refused)
        else:
            return redirect("console:participants-import-detail", job.pk)
    return render(
        request,
        "console/participants/import.html",
        {
            "form": form,
            "max_rows": MAX_ROWS,
            "recent": selectors.imports_recent(workspace=request.workspace),
        },
    )


@console_view()
def participant_import_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="participants-template.csv"'
    return response


@console_view()
def participant_import_detail(request, job_id):
    job = selectors.import_job_get(workspace=request.workspace, job_id=job_id)
    if job is None:
        raise Http404
    if request.htmx:
        if job.finished:
            # Done: the whole page again, now with the report.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "console/participants/_import_progress.html", {"job": job})
    outcome = request.GET.get("outcome") or ""
    report = (
        job.report
        if outcome not in OUTCOMES
        else [entry for entry in job.report if entry["outcome"] == outcome]
    )
    page = Paginator(report, PER_PAGE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        reason = REASONS.get(entry.get("reason", ""))
        entry["reason_text"] = reason
        if entry.get("participant_id"):
            entry["url"] = reverse("console:participants-detail", args=[entry["participant_id"]])
    return render(
        request,
        "console/participants/import_detail.html",
        {
            "job": job,
            "page_obj": page,
            "outcome": outcome,
            "outcomes": OUTCOMES,
            "error": ERRORS.get(job.error, job.error),
        },
    )
