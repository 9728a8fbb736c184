"""A program's pipeline settings (R15, R18, R19, R61): the service levels, the quiet limit, when
a dark lead is due another try, the lead-score boost, pipeline news despite an unsubscribe and
the case-study question. Saved by `program_update` (validated by ProgramSettings, audited), the
service of PATCH /api/v1/programs/{slug}. Managers and owners edit; viewers read."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import actor_of, can_change, console_view
from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.programs.models import ProgramStatus
from tular.programs.services import PIPELINE_FIELDS, program_get, program_update


class PipelineForm(StyledForm, forms.Form):
    sla_acknowledge_hours = forms.IntegerField(
        label=gettext_lazy("Acknowledge a lead within (hours)"), min_value=1, max_value=8760
    )
    sla_contact_hours = forms.IntegerField(
        label=gettext_lazy("First contact within (hours)"), min_value=1, max_value=8760
    )
    sla_meeting_hours = forms.IntegerField(
        label=gettext_lazy("First meeting within (hours)"),
        min_value=1,
        max_value=8760,
        help_text=gettext_lazy("Each counted from the submission. 168 hours is 7 days."),
    )
    quiet_days = forms.IntegerField(
        label=gettext_lazy("Progress note to the referrer after (days without news)"),
        min_value=1,
        max_value=365,
    )
    dark_recontact_days = forms.IntegerField(
        label=gettext_lazy("Try a gone-dark lead again after (days)"),
        min_value=1,
        max_value=3650,
    )
    lead_score_boost = forms.IntegerField(
        label=gettext_lazy("Lead-score boost for referred leads"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("The score a referred lead starts with, for your CRM."),
    )
    pipeline_mail_despite_unsubscribe = forms.BooleanField(
        label=gettext_lazy(
            "Send pipeline news about their own leads to referrers who unsubscribed from asks"
        ),
        required=False,
    )
    ask_case_study = forms.BooleanField(
        label=gettext_lazy("On a won deal, ask the referrer for a case study"),
        required=False,
    )

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        hours = [cleaned.get(name) for name in PIPELINE_FIELDS[:3]]
        if None not in hours and not hours[0] <= hours[1] <= hours[2]:
            self.add_error(
                "sla_contact_hours",
                _("The service levels come in order: acknowledge, then contact, then meeting."),
            )
        return cleaned


@console_view(change=True)
def program_pipeline(request, slug):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    archived = program.status == ProgramStatus.archived
    read_only = archived or not can_change(request)
    status = 200
    if request.method == "POST":
        form = PipelineForm(request.POST, read_only=read_only)
        if archived:
            messages.error(request, _("An archived program is read-only: reactivate it first."))
            return redirect("console:programs-pipeline", slug=program.slug)
        if form.is_valid():
            try:
                program_update(
                    program=program,
                    changes={name: form.cleaned_data[name] for name in PIPELINE_FIELDS},
                    actor=actor_of(request),
                )
            except (Invalid, Conflict) as refused:
                form.add_error(None, refused.detail)
            else:
                messages.success(request, _("The pipeline settings are saved."))
                return redirect("console:programs-pipeline", slug=program.slug)
        status = 422
    else:
        form = PipelineForm(
            initial={name: getattr(program, name) for name in PIPELINE_FIELDS},
            read_only=read_only,
        )
    return render(
        request,
        "console/programs/pipeline.html",
        {
            "program": program,
            "form": form,
            "tab": "pipeline",
            "archived": archived,
            "read_only": read_only,
        },
        status=status,
    )
