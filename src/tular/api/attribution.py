"""/api/v1/touchpoints and /api/v1/attribution/compare (R14, docs/attribution.md): record the
touches of a customer's journey, and compare what each attribution model would have credited."""

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from tular.analytics.attribution import Credited, attribution_compare
from tular.api.metrics import CurrencyAmount, Day, query_period
from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.programs.services import program_get, program_named_in_body
from tular.tracking.credit import MODELS, Model
from tular.tracking.models import Touchpoint, TouchpointKind
from tular.tracking.touchpoints import touchpoint_record

router = Router(tags=["attribution"])

KindName = Literal[tuple(TouchpointKind.values)]
ModelName = Literal[tuple(Model)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TouchpointIn(Strict):
    program: Annotated[str, StringConstraints(min_length=1, max_length=50)] = Field(
        description="Program slug."
    )
    customer_external_id: Text200 = Field(
        description="The customer, as in track/signup and track/sale."
    )
    kind: KindName = Field(
        description="click (a click of ours: give click_id), partner (give the participant), "
        "campaign (give campaign; a participant too for a co-marketing activity) or direct."
    )
    click_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="kind click: the click's id (the tular_click cookie or query value)."
    )
    participant_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="The participant the touch credits (or partner_external_id, or code)."
    )
    partner_external_id: Text200 | None = Field(
        None, description="The participant's external_id in the program."
    )
    code: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="The participant's referral code."
    )
    campaign: Text200 | None = Field(None, description="kind campaign: the campaign's label.")
    occurred_at: datetime | None = Field(
        None,
        description="When the touch happened (RFC 3339); default now, never in the future. "
        "A click touch takes the click's time.",
    )


class TouchpointOut(Schema):
    id: UUID
    program: str
    customer_external_id: str
    kind: KindName
    participant_id: UUID | None
    click_id: UUID | None
    campaign: str
    occurred_at: datetime
    created_at: datetime


def _touchpoint_out(point: Touchpoint, slug: str) -> dict:
    return {
        "id": point.id,
        "program": slug,
        "customer_external_id": point.customer_external_id,
        "kind": point.kind,
        "participant_id": point.participant_id,
        "click_id": point.click_id,
        "campaign": point.campaign,
        "occurred_at": point.occurred_at,
        "created_at": point.created_at,
    }


@router.post("/touchpoints", response={201: TouchpointOut, 200: TouchpointOut})
def touchpoint_create(request, payload: TouchpointIn):
    """Record one touch of a customer's journey → 201. Exactly once with an `Idempotency-Key`
    (as every POST); a click reported again for the program → 200 with the first touchpoint.
    Unknown participant or click → 404; a field that does not fit the kind → 422."""
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    recorded = touchpoint_record(
        workspace=request.workspace,
        program=program,
        customer_external_id=payload.customer_external_id,
        kind=payload.kind,
        click_id=payload.click_id,
        participant_id=payload.participant_id,
        partner_external_id=payload.partner_external_id,
        code=payload.code,
        campaign=payload.campaign or "",
        occurred_at=payload.occurred_at,
    )
    return Status(
        201 if recorded.created else 200, _touchpoint_out(recorded.touchpoint, program.slug)
    )


class CompareQuery(Schema):
    program: Annotated[str, StringConstraints(min_length=1, max_length=50)] = Field(
        description="Program slug."
    )
    from_: Day | None = Field(
        None, alias="from", description="First day (UTC), included. Default: 29 days before to."
    )
    to: Day | None = Field(None, description="Last day (UTC), included. Default: today (UTC).")


class CreditedOut(Schema):
    conversions: str = Field(
        description="The share of the period's sales credited, summed (decimal string, 2 "
        "decimals, rounded half to even)."
    )
    revenue: list[CurrencyAmount] = Field(description="Sale amounts credited, per currency.")
    commission: list[CurrencyAmount] = Field(
        description="The referrer commission granted on those sales (net of reversals), split "
        "by the model, per currency."
    )


class CompareRow(Schema):
    kind: Literal["participant", "campaign", "direct", "nobody"] = Field(
        description="nobody: sales with no touch inside the window (credited to no one)."
    )
    participant_id: UUID | None
    name: str = Field(description="The participant's name or e-mail, or the campaign label.")
    models: dict[ModelName, CreditedOut]


class CompareOut(Schema):
    program: str
    from_: str = Field(alias="from")
    to: str
    model: ModelName = Field(description="The program's own model (attribution.model).")
    window_days: int
    half_life_days: int
    sales: int = Field(description="Sales in the period.")
    rows: list[CompareRow]
    totals: dict[ModelName, CreditedOut] = Field(
        description="Per model, the period's totals: the same for every model (a model moves "
        "credit between rows, never in or out)."
    )


def _decimal(value) -> str:
    quantised = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )
    return str(quantised)


def _amounts(found: dict[str, int]) -> list[dict]:
    return [{"currency": currency, "amount": found[currency]} for currency in sorted(found)]


def credited_out(credited: Credited) -> dict:
    return {
        "conversions": _decimal(credited.conversions),
        "revenue": _amounts(credited.revenue),
        "commission": _amounts(credited.commission),
    }


def comparison_out(found) -> dict:
    rows = []
    for row in found.rows:
        person = row.participant
        rows.append(
            {
                "kind": row.kind,
                "participant_id": person.pk if person else None,
                "name": (person.name or person.email) if person else row.campaign,
                "models": {str(m): credited_out(row.by_model[m]) for m in MODELS},
            }
        )
    return {
        "program": found.program.slug,
        "from": found.period.first.isoformat(),
        "to": found.period.last.isoformat(),
        "model": str(found.current_model),
        "window_days": found.window_days,
        "half_life_days": found.half_life_days,
        "sales": found.sales,
        "rows": rows,
        "totals": {str(m): credited_out(found.totals[m]) for m in MODELS},
    }


@router.get("/attribution/compare", response={200: CompareOut}, by_alias=True)
def attribution_compare_view(request, query: Query[CompareQuery]):
    """What each of the five models would have credited for the program's sales in the period
    (whole UTC days, both ends included; default the last 30 days), per participant, campaign
    and direct touch, side by side. Read-only: rewards are granted as before."""
    period = query_period(first=query.from_, last=query.to)
    program = program_get(workspace=request.workspace, slug=query.program)
    if program is None:
        raise NotFound(f"No program with slug {query.program!r} in this workspace.")
    return comparison_out(attribution_compare(program=program, period=period))
