"""`GET /r/{code}` through Django: the reference path, used by the test client, for unknown
codes (the 404 page) and whenever the fast WSGI path (tular.tracking.fastpath) steps aside.
It answers with the same `redirect.redirect_headers` as the fast path."""

import logging

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from tular.tracking import redirect
from tular.tracking.redirect import DATABASE_ERRORS, close_quietly

logger = logging.getLogger(__name__)


class ReferralRedirect(HttpResponseRedirect):
    # The destination is a program's own https/http URL, checked when the program was saved.
    allowed_schemes = ["http", "https"]


# No form is ever posted here: a POST must meet require_safe's 405, not CSRF's 403.
@csrf_exempt
@require_safe
def follow_link(request, code: str):
    try:
        target = redirect.lookup(code)
    except DATABASE_ERRORS:
        logger.exception("database unavailable for /r/%s", code)
        close_quietly()
        return unavailable(request)
    if target is None:
        return render(request, "tracking/unknown_code.html", {"code": code[:32]}, status=404)
    click_id = None
    if request.method == "GET":  # HEAD (link checkers, unfurlers) shows the way, counts nothing
        try:
            click_id = redirect.record_click(
                target,
                source="redirect",
                referrer=request.headers.get("Referer", ""),
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
                channel=request.GET.get("ch", ""),
                landing_url=request.build_absolute_uri()[:2000],
            )
        except DATABASE_ERRORS:
            logger.exception("could not record a click for /r/%s", code)
            close_quietly()
            return unavailable(request)
    (_, location), *headers = redirect.redirect_headers(
        target,
        click_id=click_id,
        to=request.GET.get("to"),
        secure=redirect.secure_cookie(request.is_secure()),
    )
    response = ReferralRedirect(location)
    for name, value in headers:
        response[name] = value
    return response


def unavailable(request) -> HttpResponse:
    response = render(request, "tracking/unavailable.html", status=503)
    response["Retry-After"] = "5"
    return response
