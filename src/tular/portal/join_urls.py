"""The programs' landing pages, /join/{program_slug} (R10)."""

from django.urls import path

from tular.portal.views import landing

app_name = "join"
urlpatterns = [
    path("<slug:slug>", landing.page, name="page"),
    path("<slug:slug>/thanks", landing.thanks, name="thanks"),
]
