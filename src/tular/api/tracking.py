"""/api/v1/track/*"""

from ninja import Router, Status

from tular.api.auth import any_key
from tular.api.schemas import (
    CancelIn,
    CancelOut,
    ClickIn,
    ClickOut,
    RefundIn,
    RefundOut,
    SaleIn,
    SaleOut,
    SignupIn,
    SignupOut,
)
from tular.core.errors import Invalid, NotFound
from tular.referrals import services as referral_services
from tular.referrals.events import once
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
    result, first = once(
        workspace=request.workspace,
        event_id=payload.event_id,
        kind="click",
        run=lambda event: record(),
    )
    return Status(201 if first else 200, result)


def _once(request, payload, kind: str, track) -> Status:
    data = payload.model_dump()
    response, first = once(
        workspace=request.workspace,
        event_id=payload.event_id,
        kind=kind,
        run=lambda event: track(workspace=request.workspace, event=event, data=data),
    )
    return Status(201 if first else 200, response)


@router.post("/signup", response={201: SignupOut, 200: SignupOut})
def track_signup(request, payload: SignupIn):
    if payload.ip is not None and redirect.clean_ip(payload.ip) is None:
        raise Invalid(["ip"], "not an IP address")
    return _once(request, payload, "signup", referral_services.track_signup)


@router.post("/sale", response={201: SaleOut, 200: SaleOut})
def track_sale(request, payload: SaleIn):
    return _once(request, payload, "sale", referral_services.track_sale)


@router.post("/refund", response={201: RefundOut, 200: RefundOut})
def track_refund(request, payload: RefundIn):
    return _once(request, payload, "refund", referral_services.track_refund)


@router.post("/cancel", response={201: CancelOut, 200: CancelOut})
def track_cancel(request, payload: CancelIn):
    return _once(request, payload, "cancel", referral_services.track_cancel)
