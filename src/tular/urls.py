"""The URL map.

The JSON API and the Stripe webhook are loaded on first use: together they import most of the
project's code and Stripe's SDK (about a second on a small machine), and a server should answer
`/healthz`, `/` and `/r/` without waiting for that. A serving process loads them right after it
starts, in the background (`load_everything`, called by `tular.wsgi.serving_application`);
a request that comes first simply loads them itself (so does `reverse()`, for the API).
"""

import threading

from django.contrib import admin
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern
from django.views.decorators.csrf import csrf_exempt

from tular.core.health import healthz
from tular.core.home import home
from tular.tracking.views import follow_link

# What tular.api.v1's NinjaAPI(urls_namespace=...) gives its URLs (tests/core/test_urls.py
# checks that the two agree).
API_APP_NAME = "ninja"
API_NAMESPACE = "api-v1"


class LazyUrlconf:
    """An included URL conf whose `urlpatterns` are built on first access, once."""

    def __init__(self, load):
        self._load = load
        self._patterns = None
        self._lock = threading.Lock()

    @property
    def urlpatterns(self):
        if self._patterns is None:
            with self._lock:
                if self._patterns is None:
                    self._patterns = self._load()
        return self._patterns


def _api_patterns():
    from tular.api.v1 import api

    return api.urls[0]


API_URLS = LazyUrlconf(_api_patterns)


@csrf_exempt  # Stripe signs its deliveries; it sends no CSRF token (the view says the same)
def stripe_webhook(request, token: str):
    from tular.integrations.views import stripe_webhook as view

    return view(request, token)


def load_everything() -> None:
    """Load what the URL map leaves for later: the API and the Stripe webhook's code."""
    from tular.integrations import views  # noqa: F401
    from tular.integrations.stripe import load_sdk

    load_sdk()

    API_URLS.urlpatterns  # noqa: B018 - builds the API's URL patterns


urlpatterns = [
    path("", home, name="home"),
    path("r/<str:code>", follow_link, name="follow-link"),
    URLResolver(RoutePattern("api/v1/"), API_URLS, app_name=API_APP_NAME, namespace=API_NAMESPACE),
    path("healthz", healthz, name="healthz"),
    path("integrations/stripe/<str:token>/webhook", stripe_webhook, name="stripe-webhook"),
    path("console/", include("tular.console.urls")),
    path("portal/", include("tular.portal.urls")),
    path("join/", include("tular.portal.join_urls")),
    path("refer/", include("tular.portal.refer_urls")),
    path("admin/", admin.site.urls),
]
