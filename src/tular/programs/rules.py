"""The program's configuration schema: reward rules and attribution, validated once on the way in.

These pydantic models are the single definition used by the API (request and response schema,
OpenAPI), by the services that write a program (`program_create`, `program_update`) and by the
admin's form, so the stored JSON is always valid.
"""

import json
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

from tular.core.money import is_currency
from tular.core.schemas import Strict

MAX_AMOUNT = 10**15  # far above any real reward, far below a 64-bit overflow


class ProgramKind(StrEnum):
    customer = "customer"
    affiliate = "affiliate"
    reseller = "reseller"
    technology_partner = "technology_partner"
    service_partner = "service_partner"
    employee = "employee"
    network = "network"


class AttributionModel(StrEnum):
    first_touch = "first_touch"
    last_touch = "last_touch"
    linear = "linear"
    time_decay = "time_decay"
    position_based = "position_based"


class Trigger(StrEnum):
    signup = "signup"
    qualified = "qualified"
    won = "won"
    sale = "sale"


class Recipient(StrEnum):
    referrer = "referrer"
    friend = "friend"


class RewardKind(StrEnum):
    fixed = "fixed"
    percent = "percent"
    perk = "perk"


class CapPeriod(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"
    lifetime = "lifetime"


PositiveAmount = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT)]


PERCENT_PATTERN = r"^\d{1,3}(\.\d{1,4})?$"
_PERCENT = re.compile(PERCENT_PATTERN)


def _percent_from_string(value: object) -> object:
    # The contract writes percentages as decimal strings ("12.5"): a float would carry binary
    # rounding into money, so numbers are refused rather than guessed at, and so are the other
    # spellings Decimal would take ("1e1", " 20 ", "NaN") but the documented pattern does not.
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not _PERCENT.fullmatch(value):
        raise ValueError('a percentage is a decimal string, e.g. "20" or "12.5"')
    return value


def _percent_to_string(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


Percent = Annotated[
    Decimal,
    BeforeValidator(_percent_from_string),
    Field(gt=0, le=100, max_digits=7, decimal_places=4),
    PlainSerializer(_percent_to_string, return_type=str),
    WithJsonSchema({"type": "string", "pattern": PERCENT_PATTERN, "example": "12.5"}),
]


class Compact(Strict):
    """Leaves out unset optional fields when shown: a fixed rule has no `percent: null`."""

    @model_serializer(mode="wrap")
    def drop_nones(self, handler):
        return {key: value for key, value in handler(self).items() if value is not None}


ATTRIBUTION_MODEL_NOTE = (
    "How a sale's commission is split at grant time over the participants who touched the "
    "customer inside `window_days` (the referral and `POST /touchpoints`): each percent-of-sale "
    "referrer reward becomes one reward per credited participant, the parts summing exactly to "
    "it. last_touch (the default) gives it whole to the referral's referrer (the click the "
    "customer arrived with, inside `window_days`, or else the code given). "
    "GET /api/v1/attribution/compare shows what each model would credit (docs/attribution.md)."
)


class Attribution(Compact):
    model: AttributionModel = Field(
        default=AttributionModel.last_touch, description=ATTRIBUTION_MODEL_NOTE
    )
    window_days: int = Field(default=30, strict=True, ge=1, le=365)
    half_life_days: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=365,
        description="time_decay's half-life in days: a touch this much older weighs half "
        "(left out: 7, as Google Analytics).",
    )


class Tier(Compact):
    min_conversions: int = Field(strict=True, ge=1, le=1_000_000)
    percent: Percent | None = None
    amount: PositiveAmount | None = None

    @model_validator(mode="after")
    def one_rate(self) -> Self:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("a tier gives exactly one of percent or amount")
        return self


class Cap(Strict):
    amount: PositiveAmount
    period: CapPeriod


class Rule(Compact):
    trigger: Trigger
    recipient: Recipient
    kind: RewardKind
    amount: PositiveAmount | None = None
    percent: Percent | None = None
    perk: str | None = Field(default=None, min_length=1, max_length=200)
    duration_months: int = Field(default=0, strict=True, ge=0, le=120)
    tiers: list[Tier] = Field(default_factory=list, max_length=20)
    cap: Cap | None = None

    @model_validator(mode="after")
    def fields_match_kind(self) -> Self:
        needed = {
            RewardKind.fixed: "amount",
            RewardKind.percent: "percent",
            RewardKind.perk: "perk",
        }
        for kind, field in needed.items():
            present = getattr(self, field) is not None
            if self.kind == kind and not present:
                raise ValueError(f"a {kind} rule needs {field!r}")
            if self.kind != kind and present:
                raise ValueError(f"{field!r} belongs to a {kind} rule, not a {self.kind} rule")
        if self.kind == RewardKind.percent and self.trigger != Trigger.sale:
            raise ValueError("a percent rule needs a sale to take a percentage of: trigger 'sale'")
        if self.kind == RewardKind.perk and (self.tiers or self.cap):
            raise ValueError("a perk rule has no tiers and no cap")
        rate_field = "percent" if self.kind == RewardKind.percent else "amount"
        for tier in self.tiers:
            if getattr(tier, rate_field) is None:
                raise ValueError(f"the tiers of a {self.kind} rule give {rate_field!r}")
        thresholds = [tier.min_conversions for tier in self.tiers]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("two tiers have the same min_conversions")
        return self

    @property
    def is_monetary(self) -> bool:
        return self.kind in (RewardKind.fixed, RewardKind.percent)


class ProgramConfig(Strict):
    """The reward-relevant part of a program, validated as a whole."""

    currency: str
    attribution: Attribution = Field(default_factory=Attribution)
    hold_days: int = Field(default=14, strict=True, ge=0, le=365)
    auto_approve_below: int | None = Field(default=None, strict=True, ge=0, le=MAX_AMOUNT)
    clawback_days: int = Field(default=60, strict=True, ge=0, le=3650)
    monetary_rewards_allowed: bool = Field(default=True, strict=True)
    rules: list[Rule] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def monetary_rules_allowed(self) -> Self:
        if not self.monetary_rewards_allowed:
            for index, rule in enumerate(self.rules):
                if rule.is_monetary:
                    raise ValueError(
                        f"rules[{index}] is a {rule.kind} reward, but this program allows only "
                        "non-monetary rewards (monetary_rewards_allowed is false)"
                    )
        return self


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$")]
Host = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=r"^(\*\.)?[A-Za-z0-9.-]+$")
]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]


def _iso_4217(value: str) -> str:
    if not is_currency(value):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]


class ProgramSettings(ProgramConfig):
    """Everything a program is configured with: the API's `ProgramIn`, the admin's form and
    `program_update` all validate with this one schema."""

    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    kind: ProgramKind
    currency: Currency
    destination_url: Url
    allowed_hosts: list[Host] = Field(default_factory=list, max_length=50)
    leaderboard: bool = Field(
        default=False,
        strict=True,
        description="The referrers' portal shows a leaderboard of this program (R40); a "
        "participant's name appears on it only with their consent.",
    )

    # The pipeline of submitted leads (R15, R18, R19, R61).
    sla_acknowledge_hours: int = Field(
        default=24,
        strict=True,
        ge=1,
        le=8760,
        description="Service level: a submitted lead is acknowledged within this many hours.",
    )
    sla_contact_hours: int = Field(
        default=48,
        strict=True,
        ge=1,
        le=8760,
        description="Service level: the first contact with a lead within this many hours of "
        "its submission.",
    )
    sla_meeting_hours: int = Field(
        default=168,
        strict=True,
        ge=1,
        le=8760,
        description="Service level: the first meeting within this many hours of the "
        "submission (168 = 7 days).",
    )
    quiet_days: int = Field(
        default=14,
        strict=True,
        ge=1,
        le=365,
        description="A lead that sits this many days in one status sends its referrer a "
        "progress note.",
    )
    dark_recontact_days: int = Field(
        default=90,
        strict=True,
        ge=1,
        le=3650,
        description="A lead that went dark is due another try after this many days.",
    )
    lead_score_boost: int = Field(
        default=20,
        strict=True,
        ge=0,
        le=1000,
        description="The lead score a referred lead starts with (for a CRM's scoring).",
    )
    pipeline_mail_despite_unsubscribe: bool = Field(
        default=True,
        strict=True,
        description="Pipeline news about their own leads still reaches a referrer who "
        "unsubscribed from asks and announcements.",
    )
    ask_case_study: bool = Field(
        default=True,
        strict=True,
        description="On a won deal, ask the referrer whether the story may become a case study.",
    )

    @model_validator(mode="after")
    def service_levels_in_order(self) -> Self:
        if not self.sla_acknowledge_hours <= self.sla_contact_hours <= self.sla_meeting_hours:
            raise ValueError(
                "the service levels must come in order: acknowledge ≤ first contact ≤ "
                "first meeting (sla_acknowledge_hours ≤ sla_contact_hours ≤ sla_meeting_hours)"
            )
        return self

    @field_validator("destination_url")
    @classmethod
    def destination_has_a_host(cls, value: str) -> str:
        if not urlsplit(value).hostname:
            raise ValueError("must be an absolute http(s) URL with a host")
        return value


# The fields of ProgramSettings, in the order the schema declares them.
PROGRAM_SETTINGS_FIELDS = tuple(ProgramSettings.model_fields)


_PARSED_LIMIT = 1000
_parsed: dict[str, tuple[Rule, ...]] = {}


def parsed_rules(stored: list) -> tuple[Rule, ...]:
    """A program's stored rules (`Program.rules`, JSON) as `Rule`s, parsed once per process
    for each distinct stored value: keyed by the JSON itself, so a changed rule is parsed
    afresh at once (no TTL, nothing to invalidate). The rules are frozen pydantic models
    shared between callers: read them, never change them."""
    key = json.dumps(stored, sort_keys=True, separators=(",", ":"))
    found = _parsed.get(key)
    if found is None:
        found = tuple(Rule.model_validate(rule) for rule in stored)
        if len(_parsed) >= _PARSED_LIMIT:
            _parsed.clear()
        _parsed[key] = found
    return found
