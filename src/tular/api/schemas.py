"""Request and response shapes of the public contract (api-v1.md)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tular.core.money import is_currency
from tular.core.schemas import Strict
from tular.participants.models import ParticipantKind
from tular.programs.rules import MAX_AMOUNT, ProgramConfig, ProgramKind

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$")]
Host = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=r"^(\*\.)?[A-Za-z0-9.-]+$")
]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]
Text200 = Annotated[str, StringConstraints(max_length=200)]


def _iso_4217(value: str) -> str:
    if not is_currency(value):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]
# A positive amount in minor units: an integer (5.5 or "5" are refused), far below overflow.
Amount = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT)]


class ProgramIn(ProgramConfig):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    kind: ProgramKind
    currency: Currency
    destination_url: Url
    allowed_hosts: list[Host] = Field(default_factory=list, max_length=50)


class ProgramOut(ProgramIn):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    created_at: datetime


class ParticipantIn(Strict):
    program: Slug
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    name: Text200 = ""
    kind: ParticipantKind | None = None
    locale: Literal["id", "en"] = "id"
    code: Annotated[str, StringConstraints(min_length=3, max_length=32)] | None = None


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
