"""API key authentication and per-key rate limits."""

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


class PerKeyThrottle(SimpleRateThrottle):
    """TULAR_API_RATE_LIMIT requests per API key (per process cache on one machine)."""

    scope = "api-key"

    def __init__(self):
        super().__init__(rate=settings.TULAR_API_RATE_LIMIT)

    def get_cache_key(self, request):
        key = getattr(request, "auth", None)
        ident = f"key-{key.pk}" if key is not None else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
