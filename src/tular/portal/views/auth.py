"""(being written: each view below is replaced by the real one)"""

from django.http import Http404


def home(request, **kwargs):
    raise Http404("not yet")


def sign_in(request, **kwargs):
    raise Http404("not yet")


def sent(request, **kwargs):
    raise Http404("not yet")


def follow_link(request, **kwargs):
    raise Http404("not yet")


def sign_out(request, **kwargs):
    raise Http404("not yet")


def language(request, **kwargs):
    raise Http404("not yet")
