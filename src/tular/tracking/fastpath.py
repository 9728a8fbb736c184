"""A small WSGI dispatcher in front of Django for the one hot request, `GET /r/{code}`.

Django's full stack (request object, middleware, URL resolver, signals) costs several times
the work of the redirect itself. Here a known code is answered directly with the same
functions the Django view uses (tular.tracking.redirect); everything else, including unknown
codes, HEAD, errors and every other path, goes to Django unchanged.
"""

import logging
from urllib.parse import parse_qs

from django.conf import settings

from tular.tracking import redirect
from tular.tracking.redirect import DATABASE_ERRORS, close_quietly

logger = logging.getLogger(__name__)
_BODY = [b""]


def wrap(django_app):
    secure_public = bool(
        settings.TULAR_PUBLIC_URL and settings.TULAR_PUBLIC_URL.startswith("https")
    )

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/r/") or environ.get("REQUEST_METHOD") != "GET":
            return django_app(environ, start_response)
        code = path[3:]
        if not code or "/" in code:
            return django_app(environ, start_response)
        try:
            target = redirect.lookup(code)
            if target is None:
                return django_app(environ, start_response)  # renders the 404 page
            query = environ.get("QUERY_STRING", "")
            host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
            click_id = redirect.record_click(
                target,
                source="redirect",
                referrer=environ.get("HTTP_REFERER", ""),
                ip=environ.get("REMOTE_ADDR"),
                user_agent=environ.get("HTTP_USER_AGENT", ""),
                landing_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}"
                + (f"?{query}" if query else ""),
            )
        except DATABASE_ERRORS:
            # Let Django retry on a fresh connection and render the error page if it fails too.
            logger.warning("fast redirect path failed; handing /r/%s to Django", code)
            close_quietly()
            return django_app(environ, start_response)
        to = parse_qs(query).get("to", [None])[0] if "to=" in query else None
        secure = secure_public or environ.get("wsgi.url_scheme") == "https"
        start_response(
            "302 Found",
            [
                ("Location", redirect.location_for(target, click_id=click_id, to=to)),
                (
                    "Set-Cookie",
                    redirect.cookie_header(click_id, window_days=target.window_days, secure=secure),
                ),
                ("Cache-Control", "no-store"),
                ("Referrer-Policy", "no-referrer-when-downgrade"),
                ("Content-Length", "0"),
            ],
        )
        return _BODY

    return application
