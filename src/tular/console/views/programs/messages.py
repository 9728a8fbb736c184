"""A program's message templates (R19, R39): the pipeline news its referrers get, the asks and
the professional-services scripts, each editable per language with a preview on sample data.

The list groups the catalogue's messages (messaging.catalogue) and says which ones the program
rewrote. A message's page edits the subject and the body of one language: the preview follows
the typing (htmx) and a button shows it without JavaScript; saving goes through
`referrals.notify.message_template_save` (the API's service too), which refuses a text that does
not render with the error beside its field; "reset to default" removes the program's text.
Managers and owners edit; viewers read.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.console.access import actor_of, can_change, console_view
from tular.core.errors import Invalid
from tular.core.forms import StyledForm
from tular.messaging import catalogue
from tular.messaging.templating import BODY_MAX, SUBJECT_MAX, templates_of
from tular.programs.models import Program, ProgramStatus
from tular.programs.services import program_get
from tular.referrals.notify import (
    message_template_reset,
    message_template_save,
    template_preview,
)

LANGUAGE_LABELS = {"id": gettext_lazy("Indonesian"), "en": gettext_lazy("English")}


class TemplateForm(StyledForm, forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        strip=False,
    )

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["maxlength"] = SUBJECT_MAX
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def add_service_error(self, refused: Invalid) -> None:
        loc = refused.extra.get("errors", [{}])[0].get("loc", [])[1:]
        self.add_error(loc[0] if loc and loc[0] in self.fields else None, refused.detail)


def _program_or_404(request, slug: str) -> Program:
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    return program


def _message_url(program: Program, key: str, language: str) -> str:
    url = reverse("console:programs-message", args=[program.slug, key])
    return f"{url}?language={language}"


@console_view()
def program_messages(request, slug):
    program = _program_or_404(request, slug)
    entries = templates_of(program=program)
    by_key: dict[str, dict] = {}
    for entry in entries:
        row = by_key.setdefault(
            entry.key,
            {"key": entry.key, "label": catalogue.CATALOGUE[entry.key].label, "languages": []},
        )
        row["languages"].append(
            {
                "code": entry.language,
                "label": LANGUAGE_LABELS[entry.language],
                "overridden": entry.overridden,
                "subject": entry.subject,
                "url": _message_url(program, entry.key, entry.language),
            }
        )
    groups = [
        {
            "name": group,
            "label": label,
            "rows": [row for key, row in by_key.items() if catalogue.CATALOGUE[key].group == group],
        }
        for group, label in catalogue.GROUPS.items()
    ]
    return render(
        request,
        "console/programs/messages.html",
        {
            "program": program,
            "groups": groups,
            "overridden": sum(1 for entry in entries if entry.overridden),
            "archived": program.status == ProgramStatus.archived,
            "tab": "messages",
        },
    )


@console_view(change=True)
def program_message(request, slug, key):
    program = _program_or_404(request, slug)
    message = catalogue.message_of(key)
    if message is None:
        raise Http404("no such message")
    language = request.POST.get("language") or request.GET.get("language") or "id"
    if language not in catalogue.LANGUAGES:
        language = "id"
    archived = program.status == ProgramStatus.archived
    read_only = archived or not can_change(request)
    current = next(
        entry
        for entry in templates_of(program=program)
        if entry.key == key and entry.language == language
    )
    sender = request.user.get_full_name() or ""
    preview = preview_error = None
    status = 200
    action = request.POST.get("action", "preview")
    if request.method == "POST" and not request.htmx and not read_only and action == "reset":
        message_template_reset(program=program, key=key, language=language, actor=actor_of(request))
        messages.success(request, _("The message is back to the default text."))
        return redirect(_message_url(program, key, language))
    if request.method == "POST":
        form = TemplateForm(request.POST, read_only=read_only)
        if archived and action == "save":
            messages.error(request, _("An archived program is read-only: reactivate it first."))
            return redirect(_message_url(program, key, language))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "save" and not request.htmx and not read_only:
                    message_template_save(
                        program=program,
                        key=key,
                        language=language,
                        subject=data["subject"],
                        body=data["body"],
                        actor=actor_of(request),
                    )
                    messages.success(request, _("The message is saved."))
                    return redirect(_message_url(program, key, language))
                preview = template_preview(
                    program=program,
                    key=key,
                    language=language,
                    subject=data["subject"],
                    body=data["body"],
                    sender_name=sender,
                )
            except Invalid as refused:
                form.add_service_error(refused)
        if form.errors:
            preview_error = _("Correct the text to see the preview.")
            status = 422 if action == "save" else 200
    else:
        form = TemplateForm(
            initial={"subject": current.subject, "body": current.body}, read_only=read_only
        )
        preview = template_preview(
            program=program,
            key=key,
            language=language,
            subject=current.subject,
            body=current.body,
            sender_name=sender,
        )
    context = {
        "program": program,
        "message": message,
        "key": key,
        "form": form,
        "language": language,
        "languages": [
            {"code": code, "label": LANGUAGE_LABELS[code], "url": _message_url(program, key, code)}
            for code in catalogue.LANGUAGES
        ],
        "current": current,
        "preview": preview,
        "preview_error": preview_error,
        "fields": [(name, catalogue.MERGE_FIELDS[name]) for name in message.fields],
        "read_only": read_only,
        "archived": archived,
        "group_label": catalogue.GROUPS[message.group],
        "syntax_help": _(
            "Merge fields are written %(example)s. A part that depends on a field goes between "
            "%(if)s and %(endif)s."
        )
        % {"example": "{{ referrer_name }}", "if": "{% if reason %}", "endif": "{% endif %}"},
        "tab": "messages",
    }
    if request.htmx:
        return render(request, "console/programs/_message_preview.html", context)
    return render(request, "console/programs/message.html", context, status=status)
