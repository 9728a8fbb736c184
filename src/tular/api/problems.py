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
    """Register the handlers on a NinjaAPI so no error leaves in another shape, and document
    those errors in its OpenAPI document."""
    install_openapi(api)

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


# ---------------------------------------------------------------- errors in the OpenAPI document

PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details, the shape of every error. Some problems add "
    "fields of their own (e.g. a deal conflict's `deal_id` and `protected_until`).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`urn:tular:problem:<slug>`."},
        "title": {"type": "string", "description": "Short, the same for every problem of a type."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong with this request."},
        "errors": {
            "type": "array",
            "description": "422 only: every invalid input, where it is and what is wrong.",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        "description": 'Where: ["body", "rules", 0, "percent"], '
                        '["query", "from"], ["header", "Idempotency-Key"], ...',
                    },
                    "msg": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

WHEN = {
    400: "The request body is not JSON.",
    401: "No API key, or not a valid one.",
    403: "A publishable key on an endpoint that needs a secret key.",
    404: "No such object in this workspace (a key never sees another workspace's objects).",
    409: "The request conflicts with the current state, or a request with the same "
    "Idempotency-Key is still running (retry after `Retry-After`).",
    413: "The request body is larger than 2.5 MB.",
    422: "The request is not valid; `errors` says where and why.",
    429: "Too many requests for this API key; retry after `Retry-After` seconds.",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    429: {
        "Retry-After": {
            "schema": {"type": "string"},
            "required": True,
            "description": "Seconds to wait.",
        }
    },
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes this POST safe to retry: the same key again (within 24 hours) has no "
    "second effect and answers the first response with 200; with another body, 422; while the "
    "first request with it is still running, 409. Only successful responses are kept.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_BODY_METHODS = {"post", "put", "patch"}


def _publishable_operation_ids(api) -> set[str]:
    """The operations a publishable key may call (they never answer 403 for the key)."""
    ids: set[str] = set()
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                callbacks = operation.auth_callbacks or []
                if callbacks and all(getattr(a, "publishable_ok", False) for a in callbacks):
                    ids.add(operation.operation_id or api.get_openapi_operation_id(operation))
    return ids


def _merge(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _one_key_per_status(responses: dict) -> dict:
    """ninja keys its own responses by int and an `openapi_extra` by str: in JSON that is the
    same key twice, which Swagger UI refuses. One str key per status, the two merged."""
    merged: dict[str, dict] = {}
    for status in sorted(responses, key=lambda s: isinstance(s, str)):
        _merge(merged.setdefault(str(status), {}), responses[status])
    return merged


def _problem_response(status: int) -> dict:
    response = {
        "description": WHEN[status],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _error_statuses(method: str, operation: dict, publishable: bool) -> list[int]:
    statuses = [404]
    if operation.get("security"):
        statuses += [401, 429] + ([] if publishable else [403])
    if operation.get("parameters") or operation.get("requestBody") or method in _BODY_METHODS:
        statuses.append(422)
    if method in _BODY_METHODS:
        statuses += [400, 413]
    if method in _BODY_METHODS or method == "delete":
        statuses.append(409)
    return sorted(statuses)


def document_problems(schema: dict, *, publishable_ids: set[str]) -> dict:
    """Complete an OpenAPI document with what the handlers above answer: the Problem schema,
    every operation's error statuses, and Idempotency-Key on the POSTs that honour it (their
    replay answers 200 with the first response)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = _one_key_per_status(operation["responses"])
            publishable = operation.get("operationId") in publishable_ids
            for status in _error_statuses(method, operation, publishable):
                responses.setdefault(str(status), _problem_response(status))
            # track/* calls carry event_id instead (api-v1, Idempotency).
            if method == "post" and "/track/" not in path:
                _document_idempotency_key(operation, responses)
            operation["responses"] = dict(sorted(responses.items()))
    return schema


def _document_idempotency_key(operation: dict, responses: dict) -> None:
    parameters = operation.setdefault("parameters", [])
    if any(p.get("name") == IDEMPOTENCY_KEY["name"] for p in parameters):
        return  # the operation documents the header itself (e.g. refuses it): its own words
    parameters.append(IDEMPOTENCY_KEY)
    # A replay answers 200 with the first success (201 created, 202 accepted) as its body.
    created = responses.get("201") or responses.get("202")
    if created is not None and "200" not in responses:
        responses["200"] = {
            **created,
            "description": "A replay of the first response (same Idempotency-Key).",
        }


def install_openapi(api) -> None:
    """Serve the completed document: every call of api.get_openapi_schema goes through
    document_problems (the served /openapi.json, the docs page and the committed copy)."""
    generate = api.get_openapi_schema

    def get_openapi_schema(*, path_prefix=None, path_params=None):
        schema = generate(path_prefix=path_prefix, path_params=path_params)
        return document_problems(schema, publishable_ids=_publishable_operation_ids(api))

    api.get_openapi_schema = get_openapi_schema
