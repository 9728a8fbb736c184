"""/api/v1/api-keys: list, create and revoke the workspace's API keys (a secret key only)."""

from datetime import datetime
from typing import Annotated

from ninja import Body, Field, Query, Router, Status
from pydantic import BaseModel, StringConstraints

from tular.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.errors import DomainError, Invalid
from tular.core.schemas import Strict
from tular.workspaces.audit import Actor
from tular.workspaces.models import ApiKey
from tular.workspaces.services import api_key_create, api_key_revoke, api_keys_filter

router = Router(tags=["api keys"])


class ApiKeyQuery(PageQuery):
    after: int | None = Field(None, ge=0, le=2**63 - 1, description=AFTER_DESCRIPTION)


class ApiKeyIn(Strict):
    name: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)] = Field(
        "", description="What the key is for, for people reading the list."
    )
    publishable: bool = Field(
        False,
        strict=True,
        description="A publishable key may only call POST /api/v1/track/click (safe in a page).",
    )


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it; not a secret.")
    publishable: bool
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself, shown this once: only its hash is kept.")


class IdempotencyRefused(DomainError):
    status = Invalid.status
    type_slug = Invalid.type_slug
    title = Invalid.title

    def __init__(self):
        message = (
            f"{IDEMPOTENCY_HEADER} is not accepted here: the new key is shown once and never "
            "stored, so this response cannot be replayed. Retry without the header and revoke "
            "any key you did not receive."
        )
        super().__init__(message, errors=[{"loc": ["header", IDEMPOTENCY_HEADER], "msg": message}])


def _key_out(key: ApiKey) -> dict:
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.prefix,
        "publishable": key.publishable,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


@router.get("", response={200: page_of(ApiKeyOut)})
def list_api_keys(request, query: Query[ApiKeyQuery]):
    """The workspace's keys in the order they were created, revoked ones too (with
    `revoked_at`); never the keys themselves."""
    return paginate(
        api_keys_filter(workspace=request.workspace),
        after=query.after,
        limit=query.limit,
        shape=_key_out,
    )


NO_IDEMPOTENCY_KEY = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Refused here (422): a replay would need the new key stored, and only its "
    "hash ever is. Retry without it; revoke a key you created but did not receive.",
    "schema": {"type": "string", "maxLength": 0},
}


@router.post("", response={201: ApiKeyCreated}, openapi_extra={"parameters": [NO_IDEMPOTENCY_KEY]})
def create_api_key(request, payload: Body[ApiKeyIn | None] = None):
    """A new key for this workspace; the response carries the key itself, this once.

    `Idempotency-Key` is refused here (422): replaying the response would mean storing the key."""
    if IDEMPOTENCY_HEADER in request.headers:
        raise IdempotencyRefused()
    payload = payload or ApiKeyIn()
    key, raw = api_key_create(
        workspace=request.workspace,
        name=payload.name,
        publishable=payload.publishable,
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(201, {**_key_out(key), "key": raw})


@router.post("/{key_id}/revoke", response={200: ApiKeyOut})
def revoke_api_key(request, key_id: str):
    """Revoke a key (by its id, or its prefix): it is refused (401) from the next request on.

    404 for a key this workspace does not have, 409 for one already revoked. A key may revoke
    itself: this response is the last it gets."""
    key = api_key_revoke(
        workspace=request.workspace,
        key_id_or_prefix=key_id,
        actor=Actor.for_api_key(request.api_key),
    )
    return _key_out(key)
