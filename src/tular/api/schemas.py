"""Request and response shapes of the public contract (api-v1.md)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tular.core.money import is_currency
from tular.participants.models import ParticipantKind
from tular.programs.rules import ProgramConfig, ProgramKind, Strict

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$")]
Host = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=r"^(\*\.)?[A-Za-z0-9.-]+$")
]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]
Text200 = Annotated[str, StringConstraints(max_length=200)]


class ProgramIn(ProgramConfig):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    kind: ProgramKind
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    destination_url: Url
    allowed_hosts: list[Host] = Field(default_factory=list, max_length=50)

    @field_validator("currency")
    @classmethod
    def iso_4217(cls, value: str) -> str:
        if not is_currency(value):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value


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
