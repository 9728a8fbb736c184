"""/api/v1/track/*"""

from ninja import Router, Status

from tular.api.auth import any_key
from tular.api.idempotency import event_once
from tular.api.schemas import ClickIn, ClickOut
from tular.core.errors import NotFound
from tular.tracking import redirect

router = Router(tags=["tracking"])


@router.post("/click", response={201: ClickOut, 200: ClickOut}, auth=any_key)
def track_click(request, payload: ClickIn):
    target = redirect.lookup(payload.code)
    if target is None or target.workspace_id != request.workspace.pk:
        raise NotFound(f"No participant with code {payload.code!r} in this workspace.")

    def record() -> dict:
        click_id = redirect.record_click(
            target,
            source="api",
            landing_url=payload.landing_url,
            referrer=payload.referrer,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return {"click_id": click_id}

    if payload.event_id is None:
        return Status(201, record())
    result, first = event_once(
        workspace=request.workspace, scope="track/click", event_id=payload.event_id, run=record
    )
    return Status(201 if first else 200, result)
