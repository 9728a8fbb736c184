"""Request and response shapes of the public contract (api-v1.md)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from tular.api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_REF
from tular.core.schemas import Strict
from tular.participants.models import ParticipantKind
from tular.programs.rules import (  # noqa: F401 - Host, Url, Slug are re-exported
    MAX_AMOUNT,
    Currency,
    Host,
    ProgramSettings,
    Slug,
    Url,
)

Text200 = Annotated[str, StringConstraints(max_length=200)]

# A positive amount in minor units: an integer (5.5 or "5" are refused), far below overflow.
Amount = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT)]


class ProgramIn(ProgramSettings):
    """A program to create."""


PROGRAM_STATUS_DESCRIPTION = (
    "`active`: everything runs. `paused`: referral links keep redirecting (a shared link never "
    "breaks) and clicks, sign-ups, sales, refunds and cancellations are still recorded, but no "
    "reward is granted for what happens while paused (nor later: resuming does not re-run the "
    "rules). `archived`: as paused, hidden from the console's lists by default, and its other "
    "settings are read-only (409) until it is set back to `active` or `paused`."
)
ProgramStatusName = Literal["active", "paused", "archived"]


class ProgramOut(ProgramIn):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    created_at: datetime
    status: ProgramStatusName = Field(description=PROGRAM_STATUS_DESCRIPTION)
    monetary_rewards_changed_by: str = Field(
        description="Who last turned `monetary_rewards_allowed` on or off (R6's compliance "
        "record: for a program without cash rewards, who approved that); empty if never changed."
    )
    monetary_rewards_changed_at: datetime | None = Field(
        description="When `monetary_rewards_allowed` last changed; null if never."
    )


def _no_default(schema: dict) -> None:
    schema.pop("default", None)  # absent means "unchanged", not null


def _partial(model: type[BaseModel], name: str, doc: str) -> type[BaseModel]:
    """`model` with every field optional and no defaults: a PATCH body. Each field keeps its
    type (a null is refused where the full schema refuses it); what was sent is
    `model_dump(exclude_unset=True)`, and the service validates the merged whole again."""
    fields = {}
    for field_name, field in model.model_fields.items():
        annotation = field.annotation
        if field.metadata:
            annotation = Annotated[(annotation, *field.metadata)]
        fields[field_name] = (
            annotation,
            Field(None, description=field.description, json_schema_extra=_no_default),
        )
    return create_model(name, __base__=Strict, __doc__=doc, **fields)


class _ProgramSettingsAndStatus(ProgramSettings):
    status: ProgramStatusName = Field(description=PROGRAM_STATUS_DESCRIPTION)


ProgramPatch = _partial(
    _ProgramSettingsAndStatus,
    "ProgramPatch",
    "Any of a program's settings, and its `status`; those left out keep their value. The "
    "program that results is validated as a whole, like a new one.",
)


class ParticipantIn(Strict):
    program: Slug
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    name: Text200 = ""
    kind: ParticipantKind | None = None
    locale: Literal["id", "en"] = "id"
    code: Annotated[str, StringConstraints(min_length=3, max_length=32)] | None = None


def _unchanged_when_absent(**kwargs):
    return Field(None, json_schema_extra=_no_default, **kwargs)


class ParticipantPatch(Strict):
    """Any of these; those left out keep their value."""

    name: Text200 = _unchanged_when_absent()
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)] = _unchanged_when_absent(
        description="Validated and normalised as on enrolment."
    )
    locale: Literal["id", "en"] = _unchanged_when_absent()
    kind: ParticipantKind = _unchanged_when_absent()
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = (
        _unchanged_when_absent(
            description="Unique in the program (409 when taken); null clears it."
        )
    )
    code: Annotated[str, StringConstraints(min_length=3, max_length=32)] = _unchanged_when_absent(
        description=(
            "A chosen code (3-32 letters, digits, '-' or '_'; stored upper-case), unique (409 "
            "when taken). The old code stops working within seconds: links and printed codes "
            "with it answer 404."
        )
    )


class ParticipantOut(BaseModel):
    id: UUID
    program: str
    external_id: str | None
    email: str
    name: str
    kind: str
    locale: str
    code: str
    referral_url: str
    created_at: datetime


class Stats(BaseModel):
    clicks: int
    signups: int
    conversions: int


class Balance(BaseModel):
    currency: str
    pending: int
    approved: int
    paid: int


class ParticipantDetail(ParticipantOut):
    stats: Stats
    balances: list[Balance]


EventId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ClickIn(Strict):
    # Optional here (a page's snippet has none to give); when sent, a repeat is answered with
    # the first click and 200, as for every track/* call.
    event_id: EventId | None = None
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    landing_url: Annotated[str, StringConstraints(max_length=2000)] = ""
    referrer: Annotated[str, StringConstraints(max_length=2000)] = ""


class ClickOut(BaseModel):
    click_id: UUID


ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CustomerIn(Strict):
    external_id: ExternalId
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    name: Text200 = ""
    company: Text200 = ""


class SignupIn(Strict):
    event_id: EventId
    click_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    code: Annotated[str, StringConstraints(max_length=32)] | None = None
    customer: CustomerIn
    ip: Annotated[str, StringConstraints(max_length=45)] | None = None
    user_agent: Annotated[str, StringConstraints(max_length=500)] | None = None
    occurred_at: datetime | None = None


class RewardItem(BaseModel):
    id: UUID
    participant_id: UUID
    recipient: str
    kind: str
    amount: int | None
    currency: str | None
    status: str
    perk: str | None = None


class SignupOut(BaseModel):
    attributed: bool
    referral_id: UUID | None = None
    participant_id: UUID | None = None
    status: str | None = None
    rewards: list[RewardItem] = []


class SaleIn(Strict):
    event_id: EventId
    customer_external_id: ExternalId
    amount: Amount
    currency: Currency
    invoice_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    occurred_at: datetime | None = None
    # A code typed at checkout (a promo code, R8) or the click id, for a customer not yet known.
    code: Annotated[str, StringConstraints(max_length=32)] | None = None
    click_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class SaleOut(BaseModel):
    attributed: bool
    conversion_id: UUID | None = None
    referral_id: UUID | None = None
    rewards: list[RewardItem] = []


class RefundIn(Strict):
    event_id: EventId
    customer_external_id: ExternalId
    invoice_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    amount: Amount
    currency: Currency
    occurred_at: datetime | None = None


class ReversalItem(BaseModel):
    reward_id: UUID
    participant_id: UUID
    amount: int
    currency: str
    status: str


class RefundOut(BaseModel):
    conversion_id: UUID
    reversals: list[ReversalItem]


class CancelIn(Strict):
    event_id: EventId
    customer_external_id: ExternalId
    occurred_at: datetime | None = None


class CancelOut(RefundOut):
    pass


def conflict_documented(when: str) -> dict:
    """`openapi_extra` documenting a 409 problem on an operation that is not a POST (the
    document lists 409 for POSTs on its own)."""
    return {
        "responses": {
            409: {
                "description": when,
                "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}},
            }
        }
    }
