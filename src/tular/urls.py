from django.contrib import admin
from django.urls import path

from tular.api.v1 import api
from tular.core.health import healthz
from tular.integrations.views import stripe_webhook
from tular.tracking.views import follow_link

urlpatterns = [
    path("r/<str:code>", follow_link, name="follow-link"),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("integrations/stripe/<str:token>/webhook", stripe_webhook, name="stripe-webhook"),
    path("admin/", admin.site.urls),
]
