"""RFC 9457 problem details: the one shape of every error the API (and the Stripe webhook)
answers. Built here so every layer above `core` shares one builder."""

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: ("bad-request", _("Bad request")),
    401: ("unauthorized", _("Authentication required")),
    403: ("forbidden", _("Forbidden")),
    404: ("not-found", _("Not found")),
    405: ("method-not-allowed", _("Method not allowed")),
    409: ("conflict", _("Conflict")),
    413: ("payload-too-large", _("Request body too large")),
    415: ("unsupported-media-type", _("Unsupported media type")),
    422: ("validation-error", _("Your request is not valid")),
    429: ("rate-limited", _("Too many requests")),
    500: ("internal-error", _("Internal server error")),
    503: ("unavailable", _("Service unavailable")),
}


def problem_type(slug: str) -> str:
    return f"urn:tular:problem:{slug}"


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict | None = None,
    **extra,
) -> JsonResponse:
    default_slug, default_title = TITLES.get(status, ("error", "Error"))
    body = {
        "type": problem_type(slug or default_slug),
        "title": str(title or default_title),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
