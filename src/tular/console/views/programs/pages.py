"""Program pages: the list with headline figures, a program's page (settings, rules in plain
words, figures, links to its participants, referrals and rewards), and its status and cash
actions. Writes go through `program_set_status` / `program_update`, as the API's PATCH does."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tular.analytics.headlines import Headline, programs_headlines
from tular.console.access import actor_of, console_view
from tular.console.views.programs.forms import KIND_HELP
from tular.core.errors import Conflict, Invalid
from tular.participants.services import referral_url
from tular.programs.models import Program, ProgramStatus
from tular.programs.services import program_get, program_set_status, program_update, programs_filter
from tular.programs.wording import rules_in_words

PAGE_SIZE = 50
STATUS_FILTERS = ["current", "active", "paused", "archived", "all"]


def _language() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


@console_view()
def programs(request):
    shown = request.GET.get("status", "current")
    if shown not in STATUS_FILTERS:
        shown = "current"
    listed = programs_filter(workspace=request.workspace)
    if shown == "current":
        listed = listed.exclude(status=ProgramStatus.archived)
    elif shown != "all":
        listed = listed.filter(status=shown)
    page = Paginator(listed.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    figures = programs_headlines(
        workspace=request.workspace, program_ids=[program.pk for program in page]
    )
    rows = [
        {"program": program, "figures": figures.get(program.pk) or Headline()} for program in page
    ]
    has_any = (
        shown != "current" or bool(rows) or programs_filter(workspace=request.workspace).exists()
    )
    return render(
        request,
        "console/programs/list.html",
        {
            "rows": rows,
            "page_obj": page,
            "shown": shown,
            "status_filters": [
                ("current", _("Active and paused")),
                ("active", _("Active")),
                ("paused", _("Paused")),
                ("archived", _("Archived")),
                ("all", _("All")),
            ],
            "has_any": has_any,
        },
    )


def _program_or_404(request, slug: str) -> Program:
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Http404("no such program")
    return program


@console_view()
def detail(request, slug):
    program = _program_or_404(request, slug)
    figures = programs_headlines(workspace=request.workspace, program_ids=[program.pk])
    return render(
        request,
        "console/programs/detail.html",
        {
            "program": program,
            "figures": figures.get(program.pk) or Headline(),
            "words": rules_in_words(program=program, language=_language()),
            "kind_help": KIND_HELP.get(program.kind, ""),
            "link_pattern": referral_url("CODE"),
            "has_money_rules": any(rule["kind"] in ("fixed", "percent") for rule in program.rules),
        },
    )


@require_POST
@console_view(change=True)
def set_status(request, slug):
    program = _program_or_404(request, slug)
    status = request.POST.get("status", "")
    try:
        program_set_status(program=program, status=status, actor=actor_of(request))
    except Invalid:
        messages.error(request, _("Choose active, paused or archived."))
        return redirect("console:programs-detail", slug=program.slug)
    done = {
        ProgramStatus.active: _("Program reactivated: new events earn rewards again."),
        ProgramStatus.paused: _(
            "Program paused: links keep working and events are recorded, but nothing is earned."
        ),
        ProgramStatus.archived: _(
            "Program archived: links keep working and events are recorded, but nothing is earned."
        ),
    }
    messages.success(request, done[status])
    return redirect("console:programs-detail", slug=program.slug)


@require_POST
@console_view(change=True)
def set_cash(request, slug):
    """R6: allow or forbid cash rewards (the service records who and when)."""
    program = _program_or_404(request, slug)
    allowed = request.POST.get("monetary_rewards_allowed") == "true"
    try:
        program_update(
            program=program,
            changes={"monetary_rewards_allowed": allowed},
            actor=actor_of(request),
        )
    except Invalid:
        messages.error(
            request,
            _(
                "Cash rewards cannot be turned off while a rule pays money: change the rewards "
                "to perks first (Edit, step 3)."
            ),
        )
        return redirect("console:programs-detail", slug=program.slug)
    except Conflict:
        messages.error(request, _("An archived program is read-only: reactivate it first."))
        return redirect("console:programs-detail", slug=program.slug)
    if allowed:
        messages.success(request, _("Cash rewards are allowed again."))
    else:
        messages.success(request, _("This program now gives non-cash rewards only."))
    return redirect("console:programs-detail", slug=program.slug)
