"""Posting deliveries: claim, check the target, sign, post, record. Called by the task and the
periodic job.

The claim is one conditional UPDATE (the delivery must still be pending, due, not leased and
short of its round's last attempt; exactly one row changes), as messaging's outbox does: two
workers running the task for one delivery post it once. The claim leases the delivery for
LEASE, so an attempt whose worker dies is taken over afterwards. At least once: a worker that
dies after the receiver's 2xx and before recording it posts again, with the same `webhook-id`
(receivers fold duplicates by it).

Schedule (the Standard Webhooks / Svix one, about 75 hours over 10 attempts): at once, then
5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each failure. A 2xx is success;
410 Gone turns the endpoint off (this and its other pending deliveries fail); anything else,
a timeout or a refused target is retried until the last attempt, which fails the delivery.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

import httpx
from django.db import transaction
from django.db.models import F, Q
from django.utils import translation

from tular.core import clock
from tular.core.ids import parse_uuid
from tular.webhooks import guard, signing
from tular.webhooks.models import Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)

# After the n-th failed attempt of a round the next one is BACKOFF[n - 1] later.
BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = httpx.Timeout(10.0)  # connect, read, write and pool, each
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
# Longer than the slowest attempt can take (four requests of 10 s each, plus the checks).
LEASE = timedelta(minutes=5)
# Reading the start of the answer stops after this, however slowly the bytes come.
READ_DEADLINE = 10.0
# A first attempt not made this long after it was due: its task was lost; the job posts it.
LOST_AFTER = timedelta(minutes=1)
EXCERPT_BYTES = 2048
TEXT_LENGTH = 500
USER_AGENT = "Tular-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status code (and the start of the body), or an error."""

    url: str
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def _short(text: str) -> str:
    return " ".join(text.split())[:TEXT_LENGTH]


def _pinned_request(client: httpx.Client, target: guard.Target, *, body: bytes, headers: dict):
    """POST to the checked address while speaking to the host by name: the Host header and the
    TLS server name (SNI, certificate check) are the URL's host, the TCP connection goes to
    `target.address` (no second DNS lookup)."""
    url = httpx.URL(target.url)
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != guard.DEFAULT_PORTS[target.scheme]:
        host_header += f":{target.port}"
    extensions = {}
    if target.scheme == "https" and target.host != target.address:
        extensions["sni_hostname"] = target.host
    request = client.build_request(
        "POST",
        url.copy_with(host=target.address),
        content=body,
        headers={**headers, "Host": host_header},
        extensions=extensions,
    )
    return client.send(request, stream=True)


def _excerpt(response: httpx.Response) -> str:
    data = b""
    deadline = time.monotonic() + READ_DEADLINE
    try:
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= EXCERPT_BYTES or time.monotonic() > deadline:
                break
    except httpx.HTTPError:
        pass  # the status code is what counts; keep what came
    return _short(data[:EXCERPT_BYTES].decode(response.encoding or "utf-8", "replace"))


def post(url: str, *, body: bytes, headers: dict) -> Outcome:
    """POST `body` to `url`, following up to three redirects by hand (each hop checked like
    the first; the same signed body is posted again, whatever the redirect's code)."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                with translation.override("en"):  # the log speaks as the other errors do
                    target = guard.check(url)
            except guard.Refused as refused:
                return Outcome(url=url, error=_short(str(refused.reason)))
            try:
                response = _pinned_request(client, target, body=body, headers=headers)
                try:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECTS and location:
                        url = urljoin(url, location)
                        continue
                    return Outcome(
                        url=url, status_code=response.status_code, excerpt=_excerpt(response)
                    )
                finally:
                    response.close()
            except httpx.TimeoutException:
                return Outcome(url=url, error=f"timed out after {TIMEOUT.read:g} s")
            except httpx.HTTPError as exc:
                return Outcome(url=url, error=_short(f"{type(exc).__name__}: {exc}"))
    return Outcome(url=url, error=f"more than {MAX_REDIRECTS} redirects")


def _secrets_in_use(endpoint: Endpoint, now) -> list[str]:
    in_use = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and (endpoint.previous_secret_until > now)
    ):
        in_use.append(endpoint.previous_secret)
    return in_use


def _claimable():
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        attempts__lt=F("round_start") + MAX_ATTEMPTS,
    ).filter(Q(leased_until__isnull=True) | Q(leased_until__lte=clock.now()))


def delivery_attempt(delivery_id) -> str:
    """Make the next attempt of a delivery if it is pending and due. Returns "succeeded",
    "retry", "failed", "disabled" (410: the endpoint is off now) or "skipped" (unknown, done,
    not due, or being attempted by another worker)."""
    pk = parse_uuid(delivery_id)
    if pk is None:
        return "skipped"
    now = clock.now()
    claimed = (
        _claimable()
        .filter(pk=pk, next_attempt_at__lte=now)
        .update(attempts=F("attempts") + 1, leased_until=now + LEASE)
    )
    if claimed != 1:
        return "skipped"
    delivery = Delivery.objects.select_related("endpoint", "message").get(pk=pk)
    endpoint, message = delivery.endpoint, delivery.message
    # Only this attempt may record its outcome (after our lease another one owns the row).
    mine = Delivery.objects.filter(
        pk=pk,
        status=Delivery.Status.PENDING,
        attempts=delivery.attempts,
        round_start=delivery.round_start,
    )
    if not endpoint.enabled:
        mine.update(
            status=Delivery.Status.FAILED,
            leased_until=None,
            last_error="the endpoint is turned off",
        )
        return "failed"
    started = time.monotonic()
    at = clock.now()
    outcome = post(
        endpoint.url,
        body=message.body.encode(),
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signing.headers(
                _secrets_in_use(endpoint, at), msg_id=message.webhook_id, at=at, body=message.body
            ),
        },
    )
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, mine, outcome, at=at, duration_ms=duration_ms)


def _record(delivery: Delivery, mine, outcome: Outcome, *, at, duration_ms: int) -> str:
    error = outcome.error or (
        "" if outcome.succeeded else f"the receiver answered {outcome.status_code}"
    )
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=at,
            url=outcome.url[:2000],
            status_code=outcome.status_code,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
            duration_ms=duration_ms,
        )
        common = {"leased_until": None, "last_status_code": outcome.status_code}
        if outcome.succeeded:
            mine.update(
                status=Delivery.Status.SUCCEEDED, delivered_at=clock.now(), last_error="", **common
            )
            return "succeeded"
        if outcome.gone:
            mine.update(status=Delivery.Status.FAILED, last_error=error, **common)
            endpoint_disable_gone(delivery.endpoint_id)
            logger.info("webhook endpoint %s answered 410 Gone: turned off", delivery.endpoint_id)
            return "disabled"
        made = delivery.attempts - delivery.round_start
        if made >= MAX_ATTEMPTS:
            mine.update(status=Delivery.Status.FAILED, last_error=error, **common)
            logger.warning(
                "webhook delivery %s failed after %d attempts: %s", delivery.pk, made, error
            )
            return "failed"
        mine.update(next_attempt_at=clock.now() + BACKOFF[made - 1], last_error=error, **common)
    return "retry"


def endpoint_disable_gone(endpoint_id) -> None:
    """The receiver said 410 Gone: the endpoint is turned off and its pending deliveries fail
    (a person turns it on again; nothing is sent meanwhile)."""
    now = clock.now()
    Endpoint.objects.filter(pk=endpoint_id, enabled=True).update(
        enabled=False,
        disabled_reason=Endpoint.DisabledReason.GONE,
        disabled_at=now,
        updated_at=now,
    )
    Delivery.objects.filter(endpoint_id=endpoint_id, status=Delivery.Status.PENDING).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    ).update(status=Delivery.Status.FAILED, last_error="the endpoint answered 410 Gone and is off")


def deliveries_due(*, limit: int = 200) -> list:
    """Ids of pending deliveries to attempt now: retries whose time has come, attempts whose
    worker died (lease over), and first attempts whose task was lost (LOST_AFTER late)."""
    now = clock.now()
    return list(
        _claimable()
        .filter(
            Q(attempts__gt=F("round_start"), next_attempt_at__lte=now)
            | Q(attempts=F("round_start"), next_attempt_at__lte=now - LOST_AFTER)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_fail_abandoned() -> int:
    """The round's last attempt's worker died and its lease is over: nothing more will try, so
    the delivery fails rather than staying pending forever."""
    now = clock.now()
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        attempts__gte=F("round_start") + MAX_ATTEMPTS,
        leased_until__lte=now,
    ).update(
        status=Delivery.Status.FAILED,
        leased_until=None,
        last_error="the last attempt did not finish (the worker stopped while posting)",
    )
