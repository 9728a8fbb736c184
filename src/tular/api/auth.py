"""API key authentication and per-key rate limits."""

import contextlib
import functools
import threading
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from tular.config import RATE_PERIODS
from tular.core.errors import Forbidden
from tular.workspaces.services import api_key_authenticate


class ApiKeyAuth(HttpBearer):
    """A secret key, or (with publishable_ok) also a publishable key. Sets request.workspace."""

    def __init__(self, *, publishable_ok: bool = False):
        super().__init__()
        self.publishable_ok = publishable_ok

    def authenticate(self, request, token: str):
        key = api_key_authenticate(token.strip())
        if key is None:
            return None
        if key.publishable and not self.publishable_ok:
            raise Forbidden(
                "A publishable key may only record clicks (POST /api/v1/track/click); "
                "use a secret key for this endpoint."
            )
        request.workspace = key.workspace
        request.api_key = key
        return key


secret_key = ApiKeyAuth()
any_key = ApiKeyAuth(publishable_ok=True)


@functools.cache
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, seconds) of a rate such as "6000/min" (as tular.config checks it)."""
    count, _, period = rate.partition("/")
    return int(count), RATE_PERIODS[period]


class PerKeyThrottle(BaseThrottle):
    """TULAR_API_RATE_LIMIT requests per API key, counted in the shared cache (per process on
    one machine, Redis with TULAR_REDIS_URL).

    A sliding-window counter: one count per key and window of the rate's length, the request
    allowed while `previous window * the part of it still inside the last period + this
    window + 1` stays within the limit (Cloudflare's estimate of a sliding log). It costs two cache
    reads and one increment whatever the traffic; ninja's SimpleRateThrottle kept every
    request's time of the last period in one list that was read and written back whole on
    each request (6,000 times of a full minute: about 0.4 ms per request on a local cache,
    54 kB each way on Redis). The rate is read from the settings on each request, and one
    instance serves every thread: what a refusal needs for `wait()` is kept per thread.
    """

    cache = default_cache
    timer = time.time

    def __init__(self):
        self._state = threading.local()

    def get_cache_key(self, request) -> str:
        key = getattr(request, "auth", None)
        ident = f"key-{key.pk}" if key is not None else f"ip-{self.get_ident(request)}"
        return f"throttle_api-key_{ident}"

    def allow_request(self, request) -> bool:
        limit, period = parse_rate(settings.TULAR_API_RATE_LIMIT)
        now = self.timer()
        window = int(now // period)
        base = self.get_cache_key(request)
        current, previous = f"{base}_{window}", f"{base}_{window - 1}"
        counts = self.cache.get_many([current, previous])
        done, before = counts.get(current, 0), counts.get(previous, 0)
        elapsed = now - window * period
        if before * (1 - elapsed / period) + done + 1 > limit:  # this request must fit
            self._state.refused = (limit, period, elapsed, done, before)
            return False
        self._count(current, period)
        self._state.counted = current
        return True

    def _count(self, cache_key: str, period: int) -> None:
        # incr is atomic on Redis and under LocMemCache's lock; add creates the count once
        if not self.cache.add(cache_key, 1, timeout=2 * period + 1):
            try:
                self.cache.incr(cache_key)
            except ValueError:  # expired between add and incr: start it again
                self.cache.add(cache_key, 1, timeout=2 * period + 1)

    def last_counted(self) -> str:
        """The count this thread's last allowed request went to (for `uncount`)."""
        return self._state.counted

    def uncount(self, counted: str) -> None:
        """Take back one allowed request (the WSGI fast path hands a request to Django, which
        counts it again)."""
        with contextlib.suppress(ValueError):  # the window's count expired: nothing to take back
            self.cache.decr(counted)

    def wait(self) -> float:
        """Seconds until one more request fits if nothing more is asked."""
        limit, period, elapsed, done, before = self._state.refused
        if done + 1 <= limit and before:
            # the previous window's share fades within this one
            fade = period * (1 - (limit - done - 1) / before)
            return max(fade - elapsed, 1.0)
        # this window alone is full: past its end, its own share must fade
        return max(period - elapsed + period * (1 - (limit - 1) / max(done, 1)), 1.0)
