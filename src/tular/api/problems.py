"""RFC 9457 problem details: the one shape of every API error."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from tular.core.errors import DomainError
from tular.core.problems import PROBLEM_CONTENT_TYPE, TITLES, problem, problem_type  # noqa: F401

logger = logging.getLogger(__name__)


def _clean_loc(loc) -> list:
    parts = list(loc)
    # ninja names the body parameter; callers know it only as the body.
    if len(parts) > 1 and parts[0] == "body" and parts[1] == "payload":
        del parts[1]
    return parts


def validation_errors(exc: ValidationError) -> list[dict]:
    return [
        {
            "loc": _clean_loc(error.get("loc", [])),
            # pydantic prefixes the messages of our own validators; the reader needs only ours.
            "msg": str(error.get("msg", "invalid")).removeprefix("Value error, "),
        }
        for error in exc.errors
    ]


def install(api) -> None:
    """Register the handlers on a NinjaAPI so no error leaves in another shape."""

    @api.exception_handler(ValidationError)
    def on_validation(request, exc: ValidationError):
        errors = validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        where = ".".join(str(part) for part in first["loc"][1:] or first["loc"])
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        return problem(422, detail, errors=errors)

    @api.exception_handler(DomainError)
    def on_domain(request, exc: DomainError):
        return problem(exc.status, exc.detail, slug=exc.type_slug, title=exc.title, **exc.extra)

    @api.exception_handler(Throttled)
    def on_throttled(request, exc: Throttled):
        wait = int(exc.wait or 1)
        return problem(
            429, f"Too many requests; retry in {wait} s.", headers={"Retry-After": str(wait)}
        )

    @api.exception_handler(AuthenticationError)
    def on_auth(request, exc):
        return problem(
            401,
            "Send a valid API key: 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": 'Bearer realm="tular"'},
        )

    @api.exception_handler(HttpError)
    def on_http(request, exc: HttpError):
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = "The request body is not valid JSON."
        return problem(exc.status_code, detail)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        return problem(413, "The request body is larger than 2.5 MB.")

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return problem(404, "No such object in this workspace.")

    @api.exception_handler(Exception)
    def on_error(request, exc):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Something went wrong on our side; it has been logged.")
