"""The console's insight pages (/console/insight/…): the dashboard of every measure with its
band, charts, scorecard and goals; costs and outside figures; benchmark bands; goals. Every
table downloads as CSV or XLSX (`?export=csv|xlsx&table=…`)."""

from django.urls import path

from tular.console.views.insight import bands_view, costs, dashboard, goals_view

urlpatterns = [
    *dashboard.urlpatterns,
    path("insight/costs/", costs.costs, name="insight-costs"),
    path("insight/costs/figures/", costs.figures, name="insight-figures"),
    path("insight/costs/<uuid:cost_id>/delete/", costs.cost_delete, name="insight-costs-delete"),
    path("insight/bands/", bands_view.bands_page, name="insight-bands"),
    path("insight/goals/", goals_view.goals_page, name="insight-goals"),
    path(
        "insight/goals/<uuid:goal_id>/delete/", goals_view.goal_delete, name="insight-goals-delete"
    ),
]
