"""/console/insight/recognition/: leaderboards per period, the badges given, contests (create,
standings, settle, cancel) and the champions segment (R40, R61). The same services as
/api/v1/leaderboard and /api/v1/contests (tular.analytics.recognition). Every table downloads
as CSV or XLSX (`?export=csv|xlsx&table=…`, tular.core.exports)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.analytics import recognition
from tular.analytics.models import Contest, ContestWinner
from tular.console.access import actor_of, can_change, console_view
from tular.console.forms import OnceTokenField, spend_token
from tular.console.views.insight.common import export_response, insight_tabs
from tular.console.views.programs.forms import parse_money
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.forms import StyledForm
from tular.core.ids import parse_uuid
from tular.core.money import format_money, minor_units
from tular.programs.services import program_get, programs_filter

CHAMPIONS_SHOWN = 20
PERIOD_LABELS = {
    "month": gettext_lazy("This month"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("This year"),
    "all": gettext_lazy("All time"),
}
MEASURE_LABELS = {
    "referrals": gettext_lazy("Referrals"),
    "customers": gettext_lazy("Paying customers"),
    "won": gettext_lazy("Won deals"),
}


def _major(amount: int | None, currency: str) -> Decimal | None:
    if amount is None:
        return None
    return Decimal(amount).scaleb(-minor_units(currency))


# ----------------------------------------------------------------------------- the contest form


class ContestForm(StyledForm, forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("Program"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    starts_on = forms.DateField(
        label=gettext_lazy("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    measure = forms.ChoiceField(label=gettext_lazy("Winners by"), choices=Contest.Measure.choices)
    winners = forms.IntegerField(
        label=gettext_lazy("Number of winners"), min_value=1, max_value=recognition.MAX_WINNERS
    )
    bonus_amount = forms.CharField(
        label=gettext_lazy("Bonus for each winner"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("In the program's currency, such as 500.000. Or give a perk."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    bonus_perk = forms.CharField(
        label=gettext_lazy("Or a perk"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Such as “A special-edition T-shirt”."),
    )
    once = OnceTokenField()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = {p.slug: p for p in programs_filter(workspace=workspace).order_by("name")}
        self.fields["program"].choices = [(p.slug, p.name) for p in self.programs.values()]

    def clean(self):
        data = super().clean()
        program = self.programs.get(data.get("program") or "")
        data["program"] = program
        text = (data.get("bonus_amount") or "").strip()
        data["bonus_amount"] = None
        if text and program is not None:
            try:
                data["bonus_amount"] = parse_money(text, program.currency)
            except forms.ValidationError as refused:
                self.add_error("bonus_amount", refused)
        return data


def _contest_initial() -> dict:
    """This quarter, the top 3 by referrals."""
    start, end = recognition.period_bounds("quarter")
    return {
        "name": _("Referrer of the quarter, Q%(quarter)s %(year)s")
        % {"quarter": (start.month - 1) // 3 + 1, "year": start.year},
        "starts_on": start.date(),
        "ends_on": (end - timedelta(days=1)).date(),
        "measure": Contest.Measure.referrals,
        "winners": 3,
    }


# ----------------------------------------------------------------------------- tables


def _board_table(board: recognition.Board) -> tuple[list, list]:
    header = [
        _("Rank"),
        _("Participant"),
        _("Name shown publicly"),
        _("Referrals"),
        _("Paying customers"),
        _("Won deals"),
    ]
    rows = [
        [row.rank, row.name, row.label, row.referrals, row.customers, row.won] for row in board.rows
    ]
    return header, rows


def _badges_table(counts) -> tuple[list, list]:
    return [_("Badge"), _("Milestone"), _("Participants")], [
        [str(badge.name), badge.id, n] for badge, n in counts
    ]


def _bonus_text(contest) -> str:
    if contest.bonus_amount is not None:
        return format_money(contest.bonus_amount, contest.bonus_currency)
    return contest.bonus_perk


def _contests_table(found) -> tuple[list, list]:
    statuses = dict(Contest.Status.choices)
    measures = dict(Contest.Measure.choices)
    header = [
        _("Contest"),
        _("Program"),
        _("First day"),
        _("Last day"),
        _("Winners by"),
        _("Number of winners"),
        _("Bonus"),
        _("Currency"),
        _("Perk"),
        _("Status"),
    ]
    rows = [
        [
            contest.name,
            contest.program.name,
            contest.starts_on,
            contest.ends_on,
            str(measures.get(contest.measure, contest.measure)),
            contest.winners,
            _major(contest.bonus_amount, contest.bonus_currency),
            contest.bonus_currency or None,
            contest.bonus_perk or None,
            str(statuses.get(contest.status, contest.status)),
        ]
        for contest in found
    ]
    return header, rows


def _champions_table(rows) -> tuple[list, list]:
    header = [
        _("Participant"),
        _("E-mail"),
        _("Program"),
        _("Referrals"),
        _("Paying customers"),
        _("Won deals"),
        _("Last referral"),
        _("Name on the leaderboard"),
    ]
    return header, (
        [
            row["participant__name"],
            row["participant__email"],
            row["participant__program__name"],
            row["referrals"],
            row["customers"],
            row["won"],
            row["last_referred_at"],
            _("yes") if row["participant__leaderboard_consent"] else _("no"),
        ]
        for row in rows
    )


# ----------------------------------------------------------------------------- pages


def _program_choice(request, programs):
    slug = (request.GET.get("program") or "").strip()
    if slug:
        program = program_get(workspace=request.workspace, slug=slug)
        if program is not None:
            return program
    return programs[0] if programs else None


def _page(request, *, form=None, status=200):
    programs = list(programs_filter(workspace=request.workspace).order_by("name"))
    program = _program_choice(request, programs)
    period = request.GET.get("period")
    period = period if period in recognition.PERIODS else "month"
    measure = request.GET.get("measure")
    measure = measure if measure in recognition.MEASURES else "referrals"
    board = (
        recognition.leaderboard(program=program, period=period, measure=measure, limit=25)
        if program is not None
        else None
    )
    counts = recognition.badge_counts(workspace=request.workspace, program=program)
    found = list(recognition.contests(workspace=request.workspace))
    champion_rows = recognition.champion_rows(workspace=request.workspace, program=program)
    download = export_response(
        request,
        {
            "leaderboard": lambda: _board_table(board) if board else ([], []),
            "badges": lambda: _badges_table(counts),
            "contests": lambda: _contests_table(found),
            "champions": lambda: _champions_table(champion_rows.iterator()),
        },
        "recognition",
    )
    if download is not None:
        return download
    if form is None and can_change(request):
        initial = _contest_initial()
        if program is not None:
            initial["program"] = program.slug
        form = ContestForm(initial=initial, workspace=request.workspace)
    champions = list(champion_rows[:CHAMPIONS_SHOWN])
    return render(
        request,
        "console/insight/recognition.html",
        {
            "tabs": insight_tabs("console:insight-recognition"),
            "programs": programs,
            "program": program,
            "period": period,
            "periods": [(key, PERIOD_LABELS[key]) for key in recognition.PERIODS],
            "period_label": PERIOD_LABELS[period],
            "measure": measure,
            "measures": [(key, MEASURE_LABELS[key]) for key in recognition.MEASURES],
            "board": board,
            "badge_counts": counts,
            "contests": found,
            "champions": champions,
            "champion_count": recognition.champions(
                workspace=request.workspace, program=program
            ).count(),
            "form": form,
            "can_change": can_change(request),
            "today": clock.now().date(),
        },
        status=status,
    )


@console_view(change=True)
def recognition_page(request):
    return _page(request)


@console_view(change=True)
def contest_new(request):
    if request.method != "POST":
        return redirect("console:insight-recognition")
    form = ContestForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            contest = None
            if spend_token(data["once"], request.user):
                contest = recognition.contest_create(
                    workspace=request.workspace,
                    program=data["program"],
                    name=data["name"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    measure=data["measure"],
                    winners=data["winners"],
                    bonus_amount=data["bonus_amount"],
                    bonus_currency=data["program"].currency if data["bonus_amount"] else "",
                    bonus_perk=data["bonus_perk"],
                    actor=actor_of(request),
                )
    except Invalid as refused:
        field = refused.extra["errors"][0]["loc"][-1]
        if field == "bonus_currency":
            field = "bonus_amount"
        form.add_error(field if field in form.fields else None, refused.detail)
        return _page(request, form=form, status=422)
    if contest is None:
        return redirect("console:insight-recognition")
    messages.success(request, _("The contest “%(name)s” was created.") % {"name": contest.name})
    return redirect("console:insight-recognition-contest", contest.pk)


def _contest_or_404(request, contest_id) -> Contest:
    contest = (
        Contest.objects.filter(workspace=request.workspace, pk=parse_uuid(str(contest_id)))
        .select_related("program")
        .first()
    )
    if contest is None:
        raise Http404(_("No contest with this id in this workspace."))
    return contest


@console_view(change=True)
def contest_detail(request, contest_id):
    contest = _contest_or_404(request, contest_id)
    rows, _mine = recognition.contest_standings(contest=contest, limit=50)
    winners = list(
        ContestWinner.objects.filter(contest=contest)
        .select_related("participant", "reward")
        .order_by("rank")
    )
    download = export_response(
        request,
        {
            "standings": lambda: (
                [_("Rank"), _("Participant"), _("Name shown publicly"), _("Result")],
                [[row.rank, row.name, row.label, row.value] for row in rows],
            ),
            "winners": lambda: (
                [_("Rank"), _("Participant"), _("E-mail"), _("Result"), _("Bonus")],
                [
                    [
                        w.rank,
                        w.participant.name,
                        w.participant.email,
                        w.value,
                        _bonus_text(contest) if w.reward_id else None,
                    ]
                    for w in winners
                ],
            ),
        },
        f"contest-{contest.pk}",
    )
    if download is not None:
        return download
    return render(
        request,
        "console/insight/recognition_contest.html",
        {
            "tabs": insight_tabs("console:insight-recognition"),
            "contest": contest,
            "rows": rows,
            "winners": winners,
            "bonus": _bonus_text(contest),
            "ended": recognition.contest_has_ended(contest),
            "today": clock.now().date(),
            "can_change": can_change(request),
        },
    )


@console_view(change=True)
def contest_settle(request, contest_id):
    contest = _contest_or_404(request, contest_id)
    if request.method != "POST":
        return redirect("console:insight-recognition-contest", contest.pk)
    try:
        contest = recognition.contest_settle(contest=contest, actor=actor_of(request))
    except Conflict as refused:
        messages.error(request, refused.detail)
    else:
        count = ContestWinner.objects.filter(contest=contest).count()
        messages.success(
            request,
            _("The contest was settled: %(count)s winner(s) got their bonus.") % {"count": count},
        )
    return redirect("console:insight-recognition-contest", contest.pk)


@console_view(change=True)
def contest_cancel(request, contest_id):
    contest = _contest_or_404(request, contest_id)
    if request.method != "POST":
        return redirect("console:insight-recognition-contest", contest.pk)
    try:
        recognition.contest_cancel(contest=contest, actor=actor_of(request))
    except Conflict as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("The contest was cancelled: nothing is granted."))
    return redirect("console:insight-recognition-contest", contest.pk)


urlpatterns = [
    path("insight/recognition/", recognition_page, name="insight-recognition"),
    path("insight/recognition/contests/", contest_new, name="insight-recognition-contest-new"),
    path(
        "insight/recognition/contests/<uuid:contest_id>/",
        contest_detail,
        name="insight-recognition-contest",
    ),
    path(
        "insight/recognition/contests/<uuid:contest_id>/settle/",
        contest_settle,
        name="insight-recognition-contest-settle",
    ),
    path(
        "insight/recognition/contests/<uuid:contest_id>/cancel/",
        contest_cancel,
        name="insight-recognition-contest-cancel",
    ),
]
