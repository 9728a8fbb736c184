"""The console's front page: what needs doing now, this month against last, 90 days."""

from django.shortcuts import render
from django.urls import path

from tular.console.access import console_view


@console_view()
def overview(request):
    return render(request, "console/overview.html", {})


urlpatterns = [
    path("", overview, name="overview"),
]
