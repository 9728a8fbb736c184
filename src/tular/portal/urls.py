"""The portal's pages, under /portal/ (the landing pages, /join/…, are in join_urls.py)."""

from django.urls import path

from tular.portal.views import (
    activity,
    auth,
    comarketing,
    deals,
    enablement,
    home,
    leads,
    performance,
    share,
    support,
    widget,
)
from tular.portal.views.case_study import case_study
from tular.portal.views.survey import survey
from tular.portal.views.unsubscribe import unsubscribe

app_name = "portal"

urlpatterns = [
    path("", auth.home, name="home"),
    path("sign-in", auth.sign_in, name="sign-in"),
    path("sign-in/sent", auth.sent, name="sign-in-sent"),
    path("link/<str:token>", auth.follow_link, name="link"),
    path("sign-out", auth.sign_out, name="sign-out"),
    path("language", auth.language, name="language"),
    path("brand/<slug:slug>.css", home.brand_css, name="brand-css"),
    path("p/<slug:slug>/", share.program, name="program"),
    path("p/<slug:slug>/qr.<str:fmt>", share.qr, name="qr"),
    path("p/<slug:slug>/kit", share.kit, name="kit"),
    path("p/<slug:slug>/flyer", share.flyer, name="flyer"),
    path("p/<slug:slug>/activity", activity.activity, name="activity"),
    path("p/<slug:slug>/rules", activity.rules, name="rules"),
    path("p/<slug:slug>/leads", leads.leads, name="leads"),
    path("p/<slug:slug>/leaderboard", activity.leaderboard, name="leaderboard"),
    path("p/<slug:slug>/deals", deals.deals, name="deals"),
    path("p/<slug:slug>/deals/<uuid:deal_id>/dispute", deals.dispute, name="deal-dispute"),
    path("p/<slug:slug>/performance", performance.performance, name="performance"),
    path("p/<slug:slug>/co-marketing", comarketing.activities, name="co-marketing"),
    path("p/<slug:slug>/assets", enablement.assets, name="assets"),
    path("p/<slug:slug>/assets/<uuid:asset_id>", enablement.asset_download, name="asset-download"),
    path("p/<slug:slug>/training", enablement.training, name="training"),
    path("p/<slug:slug>/training/<uuid:module_id>", enablement.module, name="training-module"),
    path(
        "p/<slug:slug>/training/<uuid:module_id>/certificate",
        enablement.certificate,
        name="certificate",
    ),
    path("certificates/<str:number>", enablement.verify, name="certificate-verify"),
    path("p/<slug:slug>/support", support.support, name="support"),
    path("p/<slug:slug>/support/<uuid:ticket_id>", support.ticket, name="support-ticket"),
    path(
        "p/<slug:slug>/support/<uuid:ticket_id>/close",
        support.ticket_close,
        name="support-close",
    ),
    path(
        "p/<slug:slug>/leaderboard/consent",
        activity.leaderboard_consent,
        name="leaderboard-consent",
    ),
    path("widget", widget.panel, name="widget"),
    path("unsubscribe/<str:token>", unsubscribe, name="unsubscribe"),
    path("case-study/<str:token>", case_study, name="case-study"),
    path("survey/<str:token>", survey, name="survey"),
]
