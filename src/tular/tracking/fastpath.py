"""A small WSGI dispatcher in front of Django for the one hot request, `GET /r/{code}`.

Django's full stack (request object, middleware, URL resolver, signals) costs several times
the work of the redirect itself. Here a known code is answered directly with the same
functions the Django view uses (tular.tracking.redirect, `redirect_headers` for the answer);
everything else, including unknown codes, errors and every other path or method, goes to
Django unchanged. HEAD is answered here too: the same Location, no click recorded.
"""

import logging
from urllib.parse import parse_qs

from tular.tracking import redirect
from tular.tracking.redirect import DATABASE_ERRORS, close_quietly

logger = logging.getLogger(__name__)
_BODY = [b""]
_ANSWERED = {"GET", "HEAD"}


def wrap(django_app):
    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if not path.startswith("/r/") or method not in _ANSWERED:
            return django_app(environ, start_response)
        code = path[3:]
        if not code or "/" in code:
            return django_app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        params = parse_qs(query) if query else {}
        try:
            target = redirect.lookup(code)
            if target is None:
                return django_app(environ, start_response)  # renders the 404 page
            click_id = None
            if method == "GET":
                host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
                click_id = redirect.record_click(
                    target,
                    source="redirect",
                    referrer=environ.get("HTTP_REFERER", ""),
                    ip=environ.get("REMOTE_ADDR"),
                    user_agent=environ.get("HTTP_USER_AGENT", ""),
                    channel=params.get("ch", [""])[0],
                    landing_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}"
                    + (f"?{query}" if query else ""),
                )
        except DATABASE_ERRORS:
            # Let Django retry on a fresh connection and render the error page if it fails too.
            logger.warning("fast redirect path failed; handing /r/%s to Django", code)
            close_quietly()
            return django_app(environ, start_response)
        to = params.get("to", [None])[0]
        headers = redirect.redirect_headers(
            target,
            click_id=click_id,
            to=to,
            secure=redirect.secure_cookie(environ.get("wsgi.url_scheme") == "https"),
        )
        start_response("302 Found", [*headers, ("Content-Length", "0")])
        return _BODY

    return application
