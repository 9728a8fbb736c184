"""CSV import of leads into a program's pipeline (`referrals.imports.referrals_import`): every row
is checked first; one bad row and nothing is written, the page shows the per-row report so the
manager can fix the file; else every lead is submitted (intake csv) in one transaction."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tular.console.access import actor_of, console_view
from tular.console.views.participants.forms import program_choices
from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.programs.services import program_get
from tular.referrals.imports import COLUMNS, MAX_BYTES, MAX_ROWS, referrals_import, template_csv


class LeadImportForm(StyledForm, forms.Form):
    program = forms.ChoiceField(label=_("Program"))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Comma or semicolon separated, UTF-8 (with or without a BOM). At most 2 MB and "
            "1,000 rows."
        ),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = program_choices(workspace, empty="—")
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        return upload


@console_view(always_change=True)
def lead_import(request):
    form = LeadImportForm(request.POST or None, request.FILES or None, workspace=request.workspace)
    report = None
    if request.method == "POST" and form.is_valid():
        program = program_get(workspace=request.workspace, slug=form.cleaned_data["program"])
        try:
            report = referrals_import(
                program=program,
                data=form.cleaned_data["file"].read(),
                actor=actor_of(request),
            )
        except Invalid as refused:
            form.add_error("file", refused.detail)
        else:
            if report.imported:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d lead was imported into %(program)s.",
                        "%(count)d leads were imported into %(program)s.",
                        len(report.rows),
                    )
                    % {"count": len(report.rows), "program": program.name},
                )
    return render(
        request,
        "console/pipeline/import.html",
        {
            "form": form,
            "report": report,
            "columns": COLUMNS,
            "max_rows": MAX_ROWS,
        },
    )


@console_view()
def lead_import_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="leads-template.csv"'
    return response
