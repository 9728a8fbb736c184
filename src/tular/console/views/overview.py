"""The console's front page: what needs doing now, this month against last, 90 days."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from tular.analytics import kept
from tular.analytics.measures import programs_of
from tular.analytics.overview import overview_figures, top_referrers, workspace_todo
from tular.console.access import console_view
from tular.console.views.pipeline.common import overdue_count_of

# What each to-do says and where it leads (a console list filtered to it).
TODO_TEXT = {
    "rewards_to_review": (
        _("Rewards to review"),
        "gift",
        "console:rewards",
        "?status=needs_review",
    ),
    "flagged_referrals": (
        _("Flagged referrals"),
        "flag",
        "console:referrals-flagged",
        "",
    ),
    "draft_payouts": (_("Draft payouts to send"), "cash", "console:payouts", "?status=draft"),
    "pending_rewards": (_("Rewards on hold"), "clock", "console:rewards", "?status=pending"),
}
FIGURE_LABELS = {
    "clicks": _("Clicks"),
    "signups": _("Sign-ups"),
    "sales": _("Sales"),
    "revenue": _("Revenue from referrals"),
    "rewards_earned": _("Rewards earned"),
    "rewards_paid": _("Rewards paid"),
    "time_to_reward_hours": _("Time to reward"),
}


def _todo_items(request, programs) -> list[dict]:
    items = []
    for todo in workspace_todo(workspace=request.workspace, programs=programs):
        label, icon, url_name, query = TODO_TEXT[todo.key]
        items.append(
            {
                "key": todo.key,
                "label": label,
                "icon": icon,
                "count": todo.count,
                "url": reverse(url_name) + query,
            }
        )
    overdue = overdue_count_of(request)
    if overdue:  # shown once a lead is late (a workspace without a pipeline never sees it)
        items.insert(
            0,
            {
                "key": "overdue_leads",
                "label": _("Overdue leads"),
                "icon": "alarm",
                "count": overdue,
                "url": reverse("console:pipeline-queue"),
            },
        )
    return items


def _chart(series) -> dict:
    return {
        "type": "line",
        "labels": [formats.date_format(day, "j M") for day in series["dates"]],
        "datasets": [
            {"label": str(_("Clicks")), "data": series["clicks"], "axis": "y"},
            {"label": str(_("Sign-ups")), "data": series["signups"], "axis": "y1"},
            {"label": str(_("Sales")), "data": series["sales"], "axis": "y1"},
        ],
    }


def _weeks(series) -> list[dict]:
    """The chart's numbers by week, for the table beside it (readable without the chart)."""
    weeks = []
    for start in range(0, len(series["dates"]), 7):
        days = slice(start, start + 7)
        weeks.append(
            {
                "first": series["dates"][days][0],
                "last": series["dates"][days][-1],
                "clicks": sum(series["clicks"][days]),
                "signups": sum(series["signups"][days]),
                "sales": sum(series["sales"][days]),
            }
        )
    return weeks


@console_view()
@kept.as_of_last_pass()
def overview(request):
    workspace = request.workspace
    programs = programs_of(workspace=workspace)  # once, for every figure below
    figures_and_series = overview_figures(workspace=workspace, programs=programs)  # UTC days
    month, series = figures_and_series["month"], figures_and_series["series"]
    todo = _todo_items(request, programs)
    figures = [
        {**figure.__dict__, "label": FIGURE_LABELS[figure.key]} for figure in month["figures"]
    ]
    return render(
        request,
        "console/overview.html",
        {
            "todo": todo,
            "nothing_to_do": not any(item["count"] for item in todo),
            "month": month,
            "figures": figures,
            "chart": _chart(series),
            "weeks": _weeks(series),
            "top": top_referrers(workspace=workspace, programs=programs),
        },
    )


urlpatterns = [
    path("", overview, name="overview"),
]
