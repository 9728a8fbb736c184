"""/console/settings/audit/: who changed what and when, newest first, filtered."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tular.console.access import console_view
from tular.console.views.settings.common import settings_tabs
from tular.core.forms import StyledForm
from tular.workspaces.audit import audit_changes, audit_choices, audit_filter

PAGE_SIZE = 50


class AuditFilterForm(StyledForm, forms.Form):
    actor = forms.CharField(label=gettext_lazy("Who"), required=False, max_length=200)
    target_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, types=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", gettext_lazy("All"))]
        self.fields["target_type"].choices = everything + [(t, t) for t in types]
        self.fields["action"].choices = everything + [(a, a) for a in actions]
        for field in ("target_type", "action"):
            self.fields[field].widget.attrs["data-autosubmit"] = ""


def _start_of(day):
    """The start of a day in the user's time zone (activated by console_view)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@console_view()
def audit(request):
    workspace = request.workspace
    types, actions = audit_choices(workspace=workspace)
    form = AuditFilterForm(request.GET or None, types=types, actions=actions)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "actor": data["actor"].strip() or None,
            "target_type": data["target_type"] or None,
            "action": data["action"] or None,
            "since": _start_of(data["since"]) if data["since"] else None,
            "until": _start_of(data["until"] + timedelta(days=1)) if data["until"] else None,
        }
    entries = audit_filter(workspace=workspace, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"entry": entry, "changes": audit_changes(entry)} for entry in page.object_list]
    return render(
        request,
        "console/settings/audit.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "filtered": any(value is not None for value in filters.values()),
            "tabs": settings_tabs(request, "console:settings-audit"),
        },
    )
