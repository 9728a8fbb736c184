"""/api/v1/webhook-endpoints and /api/v1/webhook-deliveries: webhooks out (api-v1, "Webhooks
out"; docs/webhooks.md)."""

import json
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Status
from pydantic import BaseModel, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.schemas import Strict
from tular.webhooks import events, services
from tular.webhooks.models import Delivery, Endpoint
from tular.workspaces.audit import Actor

router = Router(tags=["webhooks"])

EventName = Literal[(*events.EVENT_TYPES, events.ALL)]
EVENTS_DESCRIPTION = (
    "The events sent to this endpoint: any of "
    + ", ".join(f"`{name}`" for name in events.EVENT_TYPES)
    + '; `"*"` alone means all of them, also those added later. At least one; an unknown name '
    "is a 422."
)
URL_DESCRIPTION = (
    "Where the events are POSTed (http or https; https is recommended). Its host must resolve "
    "to public addresses only: loopback, private, link-local, shared and cloud metadata "
    "addresses are refused (422) unless the server runs with TULAR_WEBHOOKS_ALLOW_PRIVATE=true."
)
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Description = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]


class EndpointIn(Strict):
    url: Url = Field(description=URL_DESCRIPTION)
    events: list[EventName] = Field(min_length=1, max_length=50, description=EVENTS_DESCRIPTION)
    description: Description = Field("", description="What the endpoint is for, for people.")


class EndpointPatch(Strict):
    """Any of these; those left out keep their value."""

    url: Url = Field(None, description=URL_DESCRIPTION)
    events: list[EventName] = Field(
        None, min_length=1, max_length=50, description=EVENTS_DESCRIPTION
    )
    enabled: bool = Field(
        None,
        strict=True,
        description="false turns the endpoint off (its pending deliveries fail); true turns it "
        "on again, also after a 410 Gone turned it off.",
    )
    description: Description = Field(None)


class EndpointOut(BaseModel):
    id: UUID
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: Literal["manual", "gone"] | None = Field(
        description="Why it is off: `manual` (turned off by a person or the API), `gone` (the "
        "receiver answered 410 Gone); null while enabled."
    )
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(
        description="The signing secret (`whsec_…`), shown on creation and rotation only. "
        "Verify deliveries with it (Standard Webhooks)."
    )


class AttemptOut(BaseModel):
    number: int
    at: datetime
    url: str = Field(description="The URL finally posted to (after redirects).")
    status_code: int | None = Field(description="The receiver's answer; null if none came.")
    response_excerpt: str = Field(description="The start of the receiver's answer.")
    error: str = Field(description="Why no answer came (timeout, refused address…); or empty.")
    duration_ms: int


class DeliveryOut(BaseModel):
    id: UUID
    endpoint_id: UUID
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None = Field(description="While pending: the next attempt.")
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    payload: dict = Field(description='The body sent: {"type", "timestamp", "data"}.')
    attempt_log: list[AttemptOut]


class DeliveryQuery(PageQuery):
    status: Literal["pending", "succeeded", "failed"] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


class EndpointQuery(PageQuery):
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


def _endpoint_out(endpoint: Endpoint) -> dict:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason or None,
        "disabled_at": endpoint.disabled_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def _with_secret(endpoint: Endpoint) -> dict:
    return {**_endpoint_out(endpoint), "secret": endpoint.secret}


def _attempt_out(attempt) -> dict:
    return {
        "number": attempt.number,
        "at": attempt.at,
        "url": attempt.url,
        "status_code": attempt.status_code,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
    }


def _delivery_out(delivery: Delivery, attempts: list) -> dict:
    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "message_id": delivery.message.webhook_id,
        "type": delivery.message.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": (
            delivery.next_attempt_at if delivery.status == Delivery.Status.PENDING else None
        ),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "payload": json.loads(delivery.message.body),
        "attempt_log": [_attempt_out(attempt) for attempt in attempts],
    }


def _one_delivery(delivery: Delivery) -> dict:
    return _delivery_out(delivery, services.attempts_of([delivery])[delivery.pk])


@router.post("/webhook-endpoints", response={201: EndpointWithSecret})
def create_webhook_endpoint(request, payload: EndpointIn):
    """A new endpoint: from now on the events it subscribes to are POSTed to it, signed as the
    Standard Webhooks spec says with the `secret` of this response (shown again only when
    rotated). A URL whose host resolves to a non-public address is a 422."""
    endpoint = services.endpoint_create(
        workspace=request.workspace,
        url=payload.url,
        events=list(payload.events),
        description=payload.description,
        actor=_actor(request),
    )
    return Status(201, _with_secret(endpoint))


@router.get("/webhook-endpoints", response={200: page_of(EndpointOut)})
def list_webhook_endpoints(request, query: Query[EndpointQuery]):
    """The workspace's endpoints in the order they were created (never their secrets)."""
    return paginate(
        services.endpoints_filter(workspace=request.workspace),
        after=query.after,
        limit=query.limit,
        shape=_endpoint_out,
    )


@router.get("/webhook-endpoints/{endpoint_id}", response={200: EndpointOut})
def get_webhook_endpoint(request, endpoint_id: str):
    return _endpoint_out(
        services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)
    )


@router.patch("/webhook-endpoints/{endpoint_id}", response={200: EndpointOut})
def update_webhook_endpoint(request, endpoint_id: str, payload: EndpointPatch):
    """Change the URL (checked as on creation), the events, the description, or turn the
    endpoint off and on."""
    endpoint = services.endpoint_update(
        endpoint=services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id),
        changes=payload.model_dump(exclude_unset=True),
        actor=_actor(request),
    )
    return _endpoint_out(endpoint)


@router.delete("/webhook-endpoints/{endpoint_id}", response={204: None})
def delete_webhook_endpoint(request, endpoint_id: str):
    """The endpoint goes with its delivery log; nothing more is sent to it."""
    services.endpoint_delete(
        endpoint=services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id),
        actor=_actor(request),
    )
    return Status(204, None)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response={200: EndpointWithSecret})
def rotate_webhook_secret(request, endpoint_id: str):
    """A new signing secret, shown this once. For 24 hours each delivery carries two
    signatures (`webhook-signature: v1,<new> v1,<old>`), so the receiver may switch at leisure."""
    endpoint = services.endpoint_rotate_secret(
        endpoint=services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id),
        actor=_actor(request),
    )
    return _with_secret(endpoint)


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    response={202: DeliveryOut},
    openapi_extra={"responses": {409: {"description": "The endpoint is turned off."}}},
)
def send_test_webhook(request, endpoint_id: str):
    """Send a `webhook.test` event to this endpoint (whatever it subscribes to), delivered and
    retried like the others: 202, then watch its delivery."""
    delivery = services.endpoint_send_test(
        endpoint=services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)
    )
    return Status(202, _delivery_out(delivery, []))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response={200: page_of(DeliveryOut)})
def list_webhook_deliveries(request, endpoint_id: str, query: Query[DeliveryQuery]):
    """The endpoint's delivery log, oldest first, a page at a time: each delivery with its
    attempts (when, the status code, the start of the answer or the error, how long)."""
    endpoint = services.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)
    page = paginate(
        services.deliveries_filter(endpoint=endpoint, status=query.status),
        after=query.after,
        limit=query.limit,
    )
    log = services.attempts_of(page["items"])
    page["items"] = [_delivery_out(delivery, log[delivery.pk]) for delivery in page["items"]]
    return page


@router.get("/webhook-deliveries/{delivery_id}", response={200: DeliveryOut})
def get_webhook_delivery(request, delivery_id: str):
    return _one_delivery(
        services.delivery_get(workspace=request.workspace, delivery_id=delivery_id)
    )


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut},
    openapi_extra={
        "responses": {
            409: {"description": "The endpoint is off, or an attempt is running right now."}
        }
    },
)
def redeliver_webhook(request, delivery_id: str):
    """Send the delivery again now, with a new round of up to 10 attempts on the usual
    schedule. The `webhook-id` stays the same, so a receiver that already had it can tell."""
    delivery = services.delivery_redeliver(
        delivery=services.delivery_get(workspace=request.workspace, delivery_id=delivery_id),
        actor=_actor(request),
    )
    return Status(202, _one_delivery(delivery))
