"""The workspace's logo, public (the portal, landing pages and e-mails show it too)."""

from django.http import Http404, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from tular.workspaces.models import Workspace


@require_safe
def brand_logo(request, slug: str):
    workspace = Workspace.objects.filter(slug=slug).only("logo", "logo_type").first()
    if workspace is None or not workspace.logo or not workspace.logo_type:
        raise Http404
    response = HttpResponse(bytes(workspace.logo), content_type=workspace.logo_type)
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


urlpatterns = [path("brand/<slug:slug>/logo", brand_logo, name="brand-logo")]
