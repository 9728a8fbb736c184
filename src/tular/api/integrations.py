"""/api/v1/integrations/*: connecting Tular to other systems (api-v1, "Stripe in")."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.conf import settings
from ninja import Router, Status
from pydantic import AfterValidator, BaseModel

from tular.api.schemas import Slug
from tular.core.schemas import Strict
from tular.integrations import stripe as stripe_in
from tular.integrations.models import StripeIntegration
from tular.workspaces.audit import Actor

router = Router(tags=["integrations"])


def _signing_secret(value: str) -> str:
    if not stripe_in.SIGNING_SECRET.match(value):
        raise ValueError(stripe_in.NOT_A_SIGNING_KEY)
    return value


class StripeIntegrationIn(Strict):
    signing_secret: Annotated[str, AfterValidator(_signing_secret)]
    program: Slug


class StripeIntegrationOut(BaseModel):
    webhook_url: str
    id: UUID
    program: str
    created_at: datetime
    updated_at: datetime


def _base_url(request) -> str:
    return settings.TULAR_PUBLIC_URL or request.build_absolute_uri("/")[:-1]


def _out(request, integration: StripeIntegration) -> dict:
    return {
        "webhook_url": stripe_in.webhook_url(integration, _base_url(request)),
        "id": integration.id,
        "program": integration.program.slug,
        "created_at": integration.created_at,
        "updated_at": integration.updated_at,
    }


@router.post("/stripe", response={201: StripeIntegrationOut, 200: StripeIntegrationOut})
def register_stripe(request, payload: StripeIntegrationIn):
    """Connect a Stripe webhook endpoint to a program: 201 with the URL to give Stripe.
    Again for the same program: the signing secret is replaced, the URL stays (200)."""
    integration, created = stripe_in.integration_register(
        workspace=request.workspace,
        program_slug=payload.program,
        signing_secret=payload.signing_secret,
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(201 if created else 200, _out(request, integration))


@router.get("/stripe", response={200: dict})
def list_stripe(request):
    """The workspace's Stripe integrations (their secrets are never shown again)."""
    integrations = stripe_in.integrations_filter(workspace=request.workspace)
    return {
        "items": [
            StripeIntegrationOut.model_validate(_out(request, i)).model_dump(mode="json")
            for i in integrations
        ]
    }
