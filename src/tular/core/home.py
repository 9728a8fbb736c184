"""`GET /`: where to go from here, in the visitor's language (Accept-Language, id or en)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request):
    return render(request, "core/home.html")
