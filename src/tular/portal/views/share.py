"""(being written: each view below is replaced by the real one)"""

from django.http import Http404


def program(request, **kwargs):
    raise Http404("not yet")


def qr(request, **kwargs):
    raise Http404("not yet")


def kit(request, **kwargs):
    raise Http404("not yet")


def flyer(request, **kwargs):
    raise Http404("not yet")
