"""/api/v1/track/*: parse, call the use case in `referrals.services`, shape its result."""

import json

from ninja import Router, Status
from ninja.responses import NinjaJSONEncoder

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
from tular.referrals import services as use_cases

router = Router(tags=["tracking"])


def _answer(result) -> Status:
    """201 on first receipt, 200 for a repeated event_id (with the first result)."""
    body = result.record()  # JSON-safe, without first_time
    return Status(201 if result.first_time else 200, body)


# What the WSGI fast path (api/fastpath.py) shares with the handlers below: the call of the
# use case, and the answer as ninja shapes and renders it.
_OUT = {"sale": SaleOut, "signup": SignupOut}


def use_case(kind: str, *, workspace, payload):
    if kind == "sale":
        return use_cases.track_sale(workspace=workspace, **payload.model_dump())
    customer = payload.customer
    return use_cases.track_signup(
        workspace=workspace,
        event_id=payload.event_id,
        customer_external_id=customer.external_id,
        email=customer.email,
        name=customer.name,
        company=customer.company,
        click_id=payload.click_id,
        code=payload.code,
        ip=payload.ip,
        user_agent=payload.user_agent or "",
        occurred_at=payload.occurred_at,
    )


def answer_body(kind: str, result) -> tuple[int, dict]:
    """(status, body) as the handler's response schema gives them."""
    answer = _answer(result)
    return answer.status_code, _OUT[kind].model_validate(answer.value).model_dump()


def render(body: dict) -> bytes:
    """The bytes ninja's JSONRenderer writes."""
    return json.dumps(body, cls=NinjaJSONEncoder).encode()


@router.post("/click", response={201: ClickOut, 200: ClickOut}, auth=any_key)
def track_click(request, payload: ClickIn):
    return _answer(
        use_cases.track_click(
            workspace=request.workspace,
            code=payload.code,
            event_id=payload.event_id,
            landing_url=payload.landing_url,
            referrer=payload.referrer,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    )


@router.post("/signup", response={201: SignupOut, 200: SignupOut})
def track_signup(request, payload: SignupIn):
    return _answer(use_case("signup", workspace=request.workspace, payload=payload))


@router.post("/sale", response={201: SaleOut, 200: SaleOut})
def track_sale(request, payload: SaleIn):
    return _answer(use_case("sale", workspace=request.workspace, payload=payload))


@router.post("/refund", response={201: RefundOut, 200: RefundOut})
def track_refund(request, payload: RefundIn):
    return _answer(use_cases.track_refund(workspace=request.workspace, **payload.model_dump()))


@router.post("/cancel", response={201: CancelOut, 200: CancelOut})
def track_cancel(request, payload: CancelIn):
    return _answer(use_cases.track_cancel(workspace=request.workspace, **payload.model_dump()))
