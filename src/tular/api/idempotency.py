"""`Idempotency-Key` on API POSTs: a unique row per (workspace, key) claims the request, the
first response is stored and replayed with 200; the same key with another body is a 422, and
a repeat while the first is still running is a 409 (zulip's idempotent_request, in shape).
Only successful (2xx) responses are kept: a refused or failed request did nothing to remember."""

import hashlib
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse

from tular.api.models import IdempotencyRecord
from tular.api.problems import problem
from tular.core import clock
from tular.workspaces.services import api_key_authenticate

KEEP_FOR = timedelta(hours=24)
# A "running" record older than this belongs to a request that died; a retry may take it over.
STALE_AFTER = timedelta(minutes=2)
HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _claim(workspace, key: str, fingerprint: str):
    """Returns (record, None) when this request owns the key, else (None, response)."""
    now = clock.now()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                workspace=workspace,
                key=key,
                fingerprint=fingerprint,
                created_at=now,
                updated_at=now,
            )
        return record, None
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.filter(workspace=workspace, key=key).first()
    if existing is None:  # removed between our insert and our read: try once more
        return _claim(workspace, key, fingerprint)
    if existing.created_at < now - KEEP_FOR:
        existing.delete()
        return _claim(workspace, key, fingerprint)
    if existing.fingerprint != fingerprint:
        message = f"This {HEADER} was already used with a different request; use a new key."
        return None, problem(
            422,
            message,
            slug="idempotency-key-reused",
            errors=[{"loc": ["header", HEADER], "msg": message}],
        )
    if existing.state == IdempotencyRecord.State.running:
        # Conditional update: of two retries of a dead request, exactly one takes it over.
        taken = IdempotencyRecord.objects.filter(
            pk=existing.pk, state="running", updated_at__lt=now - STALE_AFTER
        ).update(updated_at=now)
        if taken == 1:
            return existing, None
        return None, problem(
            409,
            f"A request with this {HEADER} is still being processed; retry shortly.",
            slug="idempotency-in-progress",
            headers={"Retry-After": "1"},
        )
    replay = HttpResponse(
        existing.response_body, status=200, content_type=existing.response_content_type
    )
    replay["Idempotent-Replayed"] = "true"
    return None, replay


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        # Who asks comes first: without a valid key the answer is the API's 401, whatever the
        # Idempotency-Key looks like.
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        api_key = api_key_authenticate(token) if token else None
        if api_key is None:
            return self.get_response(request)
        if not key.strip() or len(key) > 255 or not key.isprintable():
            return problem(
                422,
                f"{HEADER} must be 1-255 printable characters.",
                errors=[{"loc": ["header", HEADER], "msg": "invalid"}],
            )
        try:
            fingerprint = _fingerprint(request)
        except RequestDataTooBig:
            return problem(413, "The request body is larger than 2.5 MB.")
        record, early = _claim(api_key.workspace, key, fingerprint)
        if early is not None:
            return early
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if not 200 <= response.status_code < 300 or response.streaming:
            # Only a success is kept and replayed (with 200, as the contract says): a refusal
            # (4xx) or a failure (5xx) did nothing, so a retry with this key is judged afresh.
            record.delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            state=IdempotencyRecord.State.done,
            response_status=response.status_code,
            response_content_type=response.get("Content-Type", "application/json"),
            response_body=response.content.decode(),
            updated_at=clock.now(),
        )
        return response


def prune_expired() -> int:
    """Delete records past their 24 hours; run by the worker's schedule."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=clock.now() - KEEP_FOR).delete()
    return deleted
