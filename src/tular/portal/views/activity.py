"""(being written: each view below is replaced by the real one)"""

from django.http import Http404


def activity(request, **kwargs):
    raise Http404("not yet")


def rules(request, **kwargs):
    raise Http404("not yet")


def leaderboard(request, **kwargs):
    raise Http404("not yet")
