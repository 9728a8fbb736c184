"""The portal's front door and the workspace's brand stylesheet."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from tular.portal.branding import brand_css as css_for
from tular.portal.branding import readable
from tular.workspaces.models import Workspace


@require_safe
@cache_control(max_age=300, public=True)
def brand_css(request, slug: str):
    workspace = Workspace.objects.filter(slug=slug).only("brand_color").first()
    if workspace is None:
        raise Http404("no such workspace")
    return HttpResponse(css_for(readable(workspace.brand_color)), content_type="text/css")
