"""What every console page's template knows: the navigation, the workspace, the role."""

from tular.console.access import can_change
from tular.console.nav import nav_for


def console(request):
    if not request.path.startswith("/console/") or not hasattr(request, "workspace"):
        return {}
    return {
        "nav": nav_for(request),
        "workspace": request.workspace,
        "role": request.role,
        "membership": request.membership,
        "can_change": can_change(request),
        "is_owner": request.role == "owner",
        "workspaces": sorted(
            (membership.workspace for membership in request.memberships),
            key=lambda workspace: workspace.name,
        ),
    }
