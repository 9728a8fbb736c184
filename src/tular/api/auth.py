"""API key authentication and per-key rate limits."""

import threading

from django.conf import settings
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

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


def _per_thread(name: str) -> property:
    return property(
        lambda self: getattr(self._state, name),
        lambda self, value: setattr(self._state, name, value),
    )


class PerKeyThrottle(SimpleRateThrottle):
    """TULAR_API_RATE_LIMIT requests per API key (per process cache on one machine).

    One instance serves every request of the API, in every thread: the rate is read from the
    settings on each request (not frozen at import), and the per-request state that ninja's
    SimpleRateThrottle keeps on `self` (key, history, now) lives in a thread-local instead.
    """

    scope = "api-key"
    rate = _per_thread("rate")
    num_requests = _per_thread("num_requests")
    duration = _per_thread("duration")
    key = _per_thread("key")
    history = _per_thread("history")
    now = _per_thread("now")

    def __init__(self):
        self._state = threading.local()
        super().__init__(rate=settings.TULAR_API_RATE_LIMIT)

    def allow_request(self, request) -> bool:
        self.rate = settings.TULAR_API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        key = getattr(request, "auth", None)
        ident = f"key-{key.pk}" if key is not None else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
