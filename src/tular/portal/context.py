"""What every portal and landing page's template knows: the brand, the menu, the person."""

from tular.portal.branding import brand_of
from tular.portal.nav import portal_nav


def portal(request):
    workspace = getattr(request, "portal_workspace", None) or getattr(request, "workspace", None)
    if not request.path.startswith(("/portal/", "/join/", "/refer/")) or workspace is None:
        return {}
    return {
        "brand": brand_of(workspace),
        "portal_nav": portal_nav(request),
        "portal_participants": getattr(request, "participants", []),
        "portal_participant": getattr(request, "participant", None),
        "portal_email": getattr(request, "portal_email", ""),
        # a partner's member looking at the partner's portal (their own name is shown)
        "portal_member": getattr(request, "portal_member", None),
    }
