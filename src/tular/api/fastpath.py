"""A WSGI fast path for the two hot API calls, `POST /api/v1/track/sale` and `/track/signup`.

Django's request machinery, its middleware and ninja's operation (about 1.5 ms of CPU per
request here, measured with bench/track_micro.py) cost as much as a sale's own work. This
dispatcher answers well-formed requests of a valid secret key directly: the same schemas
(`SaleIn`, `SignupIn`, `SaleOut`, `SignupOut`), the same use cases (`referrals.services`, called
exactly as `api/tracking.py` calls them), the same per-key rate limit (`PerKeyThrottle`, its
history in the same cache) and the same JSON, so the answer is the one Django would give.

Anything unusual goes to Django unchanged, which then answers exactly as before: another path
or method, a query string, an `Origin` (CORS) or `Idempotency-Key` header, an
`Accept-Language` or a cookie (Django chooses the answer's language from them), a body that is not
JSON or fails the schema (422), no or an unknown key (401), a publishable key (403), a key at
its rate limit (429), and any error of the use case (its problem answer: the use case ran in
one transaction that rolled back, so Django runs it again from the start).

The key is looked up on every request (one indexed SELECT), as Django's auth does: a revoked
key is refused from its next request (README, `tular apikey revoke`), in every process. Nothing
is buffered: the use case has committed before the answer leaves.
"""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

logger = logging.getLogger(__name__)

_PATHS = {"/api/v1/track/sale": "sale", "/api/v1/track/signup": "signup"}
_JSON_TYPES = {"application/json", "application/json; charset=utf-8"}
_MAX_BODY = 64 * 1024  # larger bodies (none valid) go to Django, which knows the limits
_STATUS = {201: "201 Created", 200: "200 OK"}
# What Django's middleware adds to a JSON answer of the API (SecurityMiddleware,
# LocaleMiddleware, XFrameOptionsMiddleware); tests/api/test_track_fastpath.py compares them.
_HEADERS = [
    ("Content-Type", "application/json; charset=utf-8"),
    ("X-Frame-Options", "DENY"),
    ("Vary", "Accept-Language"),
    ("Content-Language", "en"),  # api/middleware.py: English without Accept-Language
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]


class _Handover(Exception):
    """Django answers this request."""


def wrap(django_app):
    def application(environ, start_response):
        kind = _PATHS.get(environ.get("PATH_INFO", ""))
        if kind is None or not _plain(environ):
            return django_app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return django_app(environ, start_response)
        if not 0 < length <= _MAX_BODY:
            return django_app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        try:
            status, payload = _handle(kind, environ, body)
        except _Handover:
            environ["wsgi.input"] = io.BytesIO(body)
            return django_app(environ, start_response)
        start_response(_STATUS[status], [*_HEADERS, ("Content-Length", str(len(payload)))])
        return [payload]

    return application


def _plain(environ) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and not environ.get("QUERY_STRING")
        and environ.get("CONTENT_TYPE", "").lower() in _JSON_TYPES
        and "HTTP_ORIGIN" not in environ
        and "HTTP_IDEMPOTENCY_KEY" not in environ
        and "HTTP_TRANSFER_ENCODING" not in environ
        and "HTTP_ACCEPT_LANGUAGE" not in environ  # Django's LocaleMiddleware answers those
        and "HTTP_COOKIE" not in environ
        and environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
    )


def _handle(kind: str, environ, body: bytes) -> tuple[int, bytes]:
    """(status, body) of the answer, or _Handover: Django answers (also after any error here:
    a database that failed, a cache that did not answer)."""
    try:
        return _answer(kind, environ, body)
    except _Handover:
        raise
    except Exception as error:
        from tular.tracking.redirect import DATABASE_ERRORS, close_quietly

        if isinstance(error, DATABASE_ERRORS):
            logger.warning("fast track/%s path failed; handing it to Django", kind)
            close_quietly()
        raise _Handover from None


def _answer(kind: str, environ, body: bytes) -> tuple[int, bytes]:
    from django.utils import translation

    from tular.api import tracking

    translation.activate("en")  # as api/middleware.py does for a request without a language
    key = _secret_key(environ["HTTP_AUTHORIZATION"][7:].strip())
    try:
        data = json.loads(body)
    except ValueError:
        raise _Handover from None
    if not isinstance(data, dict):
        raise _Handover
    try:
        payload = (tracking.SaleIn if kind == "sale" else tracking.SignupIn).model_validate(data)
    except ValueError:  # pydantic's ValidationError: Django answers the 422
        raise _Handover from None
    request = SimpleNamespace(auth=key, META=environ)
    throttle = _throttle()
    if not throttle.allow_request(request):
        raise _Handover  # Django answers the 429 (a refusal is not counted)
    counted = throttle.last_counted()
    try:
        result = tracking.use_case(kind, workspace=key.workspace, payload=payload)
        status, answer = tracking.answer_body(kind, result)
        return status, tracking.render(answer)
    except Exception:
        throttle.uncount(counted)  # Django counts it when it answers
        raise


_throttle_instance = None


def _throttle():
    global _throttle_instance
    if _throttle_instance is None:
        from tular.api.auth import PerKeyThrottle

        _throttle_instance = PerKeyThrottle()
    return _throttle_instance


def _secret_key(token: str):
    """The unrevoked secret ApiKey (with its workspace) of `token`; anything else goes to
    Django (401 or 403)."""
    from tular.workspaces.services import api_key_authenticate

    key = api_key_authenticate(token) if token else None
    if key is None or key.publishable:
        raise _Handover
    return key
