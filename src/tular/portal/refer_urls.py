"""The public referral forms, /refer/{program_slug} (R12)."""

from django.urls import path

from tular.portal.views import refer

app_name = "refer"
urlpatterns = [
    path("<slug:slug>", refer.page, name="page"),
    path("<slug:slug>/thanks", refer.thanks, name="thanks"),
]
