"""The programs' landing pages, /join/{program_slug} (R10)."""

from django.urls import path

from tular.portal.views import landing, partner_apply

app_name = "join"
urlpatterns = [
    path("<slug:slug>", landing.page, name="page"),
    path("<slug:slug>/thanks", landing.thanks, name="thanks"),
    path("<slug:slug>/partner", partner_apply.page, name="partner-apply"),
    path("<slug:slug>/partner/thanks", partner_apply.thanks, name="partner-thanks"),
]
