"""/console/…: the managers' console. Each area's module exports its own `urlpatterns`.

URL names are `<section>` for an area's main page and `<section>-<what>` for the rest
(`programs`, `programs-new`, `programs-detail`): the navigation marks the current section by
that prefix (tular.console.nav)."""

from tular.console.views import (
    account,
    attribution,
    auth,
    brand,
    comarketing,
    deals,
    enablement,
    insight,
    insight_backtest,
    insight_people,
    insight_recognition,
    overview,
    participants,
    partners,
    payouts,
    pipeline,
    programs,
    referrals,
    rewards,
    settings,
    support,
)

app_name = "console"

urlpatterns = [
    *auth.urlpatterns,
    *account.urlpatterns,
    *brand.urlpatterns,
    *overview.urlpatterns,
    *programs.urlpatterns,
    *participants.urlpatterns,
    *comarketing.urlpatterns,
    *partners.urlpatterns,
    *enablement.urlpatterns,
    *referrals.urlpatterns,
    *pipeline.urlpatterns,
    *deals.urlpatterns,
    *support.urlpatterns,
    *rewards.urlpatterns,
    *payouts.urlpatterns,
    *settings.urlpatterns,
    *insight_recognition.urlpatterns,
    *insight_backtest.urlpatterns,
    *attribution.urlpatterns,
    *insight_people.urlpatterns,
    *insight.urlpatterns,
]
