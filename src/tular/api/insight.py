"""/api/v1/costs, /api/v1/month-figures, /api/v1/goals, /api/v1/insight-settings: what a
manager enters for the insight measures (docs/metrics.md, "Entering costs, outside figures,
bands and goals"). The same services as the console's insight pages (tular.analytics.entries,
.goals, .bands)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, StringConstraints

from tular.analytics import bands, entries, goals
from tular.analytics.models import (
    CostEntry,
    CostKind,
    GoalMetric,
    InsightSettings,
    MonthFigure,
    MonthFigureKey,
)
from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core import clock
from tular.core.errors import Invalid
from tular.core.schemas import Strict
from tular.programs.services import program_get, program_named_in_body
from tular.workspaces.audit import Actor

router = Router(tags=["insight"])

MONTH_DESCRIPTION = "The month as `YYYY-MM` (a full date is taken as its month)."
PROGRAM_IN_DESCRIPTION = (
    "The program's slug; null (or left out) for the workspace's own entry, shared by all "
    "programs and counted only in the workspace's totals."
)
ProgramSlug = Annotated[str, StringConstraints(min_length=1, max_length=50)]
MonthText = Annotated[str, StringConstraints(min_length=7, max_length=10, strip_whitespace=True)]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3)]


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


def _program_in_body(request, slug: str | None):
    if slug is None:
        return None
    return program_named_in_body(workspace=request.workspace, slug=slug)


def _program_in_query(request, slug: str | None):
    """The query's program (by slug), or None when no filter; an unknown one is a 422."""
    if slug is None:
        return None
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Invalid(["program"], f"no program {slug!r} in this workspace")
    return program


def _months(request_from: str | None, request_to: str | None):
    if request_from is None and request_to is None:
        return None
    first = entries.month_of(request_from, field="from") if request_from else date(2000, 1, 1)
    last = entries.month_of(request_to, field="to") if request_to else date(9999, 12, 1)
    if last < first:
        raise Invalid(["to"], "`to` is before `from`")
    return first, last


def _query_loc(error: Invalid) -> Invalid:
    """A query parameter's refusal located in the query, not the body."""
    for item in error.extra.get("errors", []):
        if item["loc"] and item["loc"][0] == "body":
            item["loc"][0] = "query"
    return error


class ListQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Only this program's entries (slug)."
    )
    workspace_only: bool = Field(
        False, description="Only the workspace's own entries (those with no program)."
    )
    from_: MonthText | None = Field(None, alias="from", description="First month (YYYY-MM).")
    to: MonthText | None = Field(None, description="Last month (YYYY-MM), included.")
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


def _filters(request, query: ListQuery) -> dict:
    try:
        return {
            "program": _program_in_query(request, query.program),
            "workspace_only": query.workspace_only,
            "months": _months(query.from_, query.to),
        }
    except Invalid as error:
        raise _query_loc(error) from None


# ---------------------------------------------------------------- costs


class CostIn(Strict):
    program: ProgramSlug | None = Field(None, description=PROGRAM_IN_DESCRIPTION)
    month: MonthText = Field(description=MONTH_DESCRIPTION, examples=["2026-11"])
    kind: Literal[tuple(CostKind.values)] = Field(
        description="`technology`, `marketing`, `management` (people's time) or `other`. "
        "Rewards are never entered: they come from the ledger."
    )
    amount: int = Field(ge=0, le=entries.MAX_VALUE, description="Minor units of `currency`.")
    currency: Currency = Field(description="ISO 4217 code.")
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class CostOut(BaseModel):
    id: UUID
    program: str | None = Field(description="The program's slug; null for the workspace's own.")
    month: date = Field(description="The first day of the month.")
    kind: str
    amount: int = Field(description="Minor units of `currency`.")
    currency: str
    note: str
    created_by: str
    created_at: datetime


def _cost_out(cost: CostEntry) -> dict:
    return {
        "id": cost.id,
        "program": cost.program.slug if cost.program_id else None,
        "month": cost.month,
        "kind": cost.kind,
        "amount": cost.amount,
        "currency": cost.currency,
        "note": cost.note,
        "created_by": cost.created_by,
        "created_at": cost.created_at,
    }


@router.get("/costs", response={200: page_of(CostOut)})
def list_costs(request, query: Query[ListQuery]):
    """The entered costs (technology, marketing, management time, other) in the order they
    were entered, a page at a time; `program`, `workspace_only`, `from` and `to` narrow."""
    return paginate(
        entries.costs_filter(workspace=request.workspace, **_filters(request, query)),
        after=query.after,
        limit=query.limit,
        shape=_cost_out,
    )


@router.post("/costs", response={201: CostOut})
def create_cost(request, payload: CostIn):
    """Enter one cost of a month. Several entries of one month and kind add up; a mistake is
    deleted and entered again. The program's cost per period is these plus the rewards of the
    ledger (never two currencies added together)."""
    cost = entries.cost_enter(
        workspace=request.workspace,
        program=_program_in_body(request, payload.program),
        month=payload.month,
        kind=payload.kind,
        amount=payload.amount,
        currency=payload.currency,
        note=payload.note,
        actor=_actor(request),
    )
    return Status(201, _cost_out(cost))


@router.delete("/costs/{cost_id}", response={204: None})
def delete_cost(request, cost_id: str):
    """Delete an entered cost (the audit log keeps what it was)."""
    entries.cost_delete(
        cost=entries.cost_get(workspace=request.workspace, cost_id=cost_id), actor=_actor(request)
    )
    return Status(204, None)


# ---------------------------------------------------------------- outside figures

FIGURE_DESCRIPTION = (
    "`all_new_revenue` (new revenue from every channel, money: minor units with a currency), "
    "`all_new_customers`, `other_leads`, `other_opportunities`, `other_won` (counts from the "
    "channels other than referrals, no currency)."
)


class MonthFigureIn(Strict):
    program: ProgramSlug | None = Field(None, description=PROGRAM_IN_DESCRIPTION)
    month: MonthText = Field(description=MONTH_DESCRIPTION, examples=["2026-11"])
    key: Literal[tuple(MonthFigureKey.values)] = Field(description=FIGURE_DESCRIPTION)
    value: int | None = Field(
        ge=0,
        le=entries.MAX_VALUE,
        description="The figure (minor units for money). It replaces the month's value; null "
        "removes it (answered with 204): a month with no figure is not a month with 0.",
    )
    currency: Annotated[str, StringConstraints(max_length=3)] = Field(
        "", description="ISO 4217 code for `all_new_revenue`; empty for the counts."
    )


class MonthFigureOut(BaseModel):
    id: UUID
    program: str | None = Field(description="The program's slug; null for the workspace's own.")
    month: date = Field(description="The first day of the month.")
    key: str = Field(description=FIGURE_DESCRIPTION)
    value: int
    currency: str
    updated_by: str
    updated_at: datetime


def _figure_out(row: MonthFigure) -> dict:
    return {
        "id": row.id,
        "program": row.program.slug if row.program_id else None,
        "month": row.month,
        "key": row.key,
        "value": row.value,
        "currency": row.currency,
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


@router.get("/month-figures", response={200: page_of(MonthFigureOut)})
def list_month_figures(request, query: Query[ListQuery]):
    """The entered outside figures, a page at a time (filters as for costs)."""
    return paginate(
        entries.month_figures_filter(workspace=request.workspace, **_filters(request, query)),
        after=query.after,
        limit=query.limit,
        shape=_figure_out,
    )


@router.put("/month-figures", response={200: MonthFigureOut, 204: None})
def put_month_figure(request, payload: MonthFigureIn):
    """Set one outside figure of a month (program or workspace, month, key, currency name it):
    the value replaces what was there. Sending the same value again changes nothing."""
    row = entries.month_figure_set(
        workspace=request.workspace,
        program=_program_in_body(request, payload.program),
        month=payload.month,
        key=payload.key,
        value=payload.value,
        currency=payload.currency,
        actor=_actor(request),
    )
    if row is None:
        return Status(204, None)
    return _figure_out(row)


# ---------------------------------------------------------------- goals

GOAL_METRICS = Literal[tuple(GoalMetric.values)]
METRIC_DESCRIPTION = (
    "`referrals` (referrals created, count), `qualified_referrals` (moves to qualified in the "
    "pipeline, count), `revenue` (revenue from referrals, minor units of `currency`), "
    "`conversion_rate` (% of the period's referrals that became customers or were won), "
    "`revenue_share` (% of all new revenue in `currency`, entered per month, that came from "
    "referrals)."
)


class GoalIn(Strict):
    program: ProgramSlug = Field(description="The program's slug.")
    metric: GOAL_METRICS = Field(description=METRIC_DESCRIPTION)
    from_: date = Field(alias="from", description="The first day of the period (YYYY-MM-DD).")
    to: date = Field(description="The last day of the period, included (at most 3 years).")
    target: Annotated[str, StringConstraints(min_length=1, max_length=40)] | int = Field(
        description="Above 0: a whole count, minor units for `revenue`, a percentage (up to 100, "
        'at most 2 decimals, as a string such as "25" or "12.5") for the rates.'
    )
    currency: Annotated[str, StringConstraints(max_length=3)] = Field(
        "", description="ISO 4217 code for `revenue` and `revenue_share`; empty otherwise."
    )
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class GoalOut(BaseModel):
    id: UUID
    program: str
    metric: str
    from_: date = Field(alias="from")
    to: date
    target: str = Field(description="A decimal string (minor units for revenue).")
    currency: str | None
    note: str
    actual: str | None = Field(description="So far (from the first day to today or the last).")
    forecast: str | None = Field(
        description="At the period's end on a straight line (a rate: where it stands now)."
    )
    progress: str | None = Field(description="actual / target, %.")
    elapsed_days: int
    total_days: int
    on_track: bool | None = Field(description="forecast ≥ target; null before the start.")
    why: str = Field(description="Why there is no actual yet, when there is none.")


class GoalQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Only this program's goals (slug)."
    )
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


def _goal_out(goal) -> dict:
    return goals.goal_progress(goal=goal, today=clock.now().date()).as_dict()


@router.get("/goals", response={200: page_of(GoalOut)}, by_alias=True)
def list_goals(request, query: Query[GoalQuery]):
    """The workspace's goals in the order they were set, each with its actual so far, the
    straight-line forecast and whether it is on track."""
    try:
        program = _program_in_query(request, query.program)
    except Invalid as error:
        raise _query_loc(error) from None
    return paginate(
        goals.goals_filter(workspace=request.workspace, program=program),
        after=query.after,
        limit=query.limit,
        shape=_goal_out,
    )


@router.post("/goals", response={201: GoalOut}, by_alias=True)
def create_goal(request, payload: GoalIn):
    """Set a SMART goal: a measure of one program over a period, with a target above 0."""
    goal = goals.goal_create(
        workspace=request.workspace,
        program=_program_in_body(request, payload.program),
        metric=payload.metric,
        starts_on=payload.from_,
        ends_on=payload.to,
        target=payload.target,
        currency=payload.currency,
        note=payload.note,
        actor=_actor(request),
    )
    return Status(201, _goal_out(goal))


@router.delete("/goals/{goal_id}", response={204: None})
def delete_goal(request, goal_id: str):
    """Delete a goal (the audit log keeps what it was)."""
    goals.goal_delete(
        goal=goals.goal_get(workspace=request.workspace, goal_id=goal_id), actor=_actor(request)
    )
    return Status(204, None)


# ---------------------------------------------------------------- bands (insight settings)


BandKey = Literal[bands.KEYS]


class SettingsBandIn(Strict):
    low: Decimal | None = Field(None, ge=0, description="Lower end; null for none.")
    high: Decimal | None = Field(None, ge=0, description="Upper end; null for none.")


class SettingsBandOut(BaseModel):
    low: str | None
    high: str | None
    unit: str = Field(description="`%`, `x` (a multiple), `months` or `hours`.")
    better: str = Field(description="`higher` or `lower`: which side of the band is good.")
    warn_below: str | None = Field(description="Under it, a warning (the ROI multiple's 2).")
    changed: bool = Field(description="The workspace's own band, not the sector's default.")
    default_low: str | None
    default_high: str | None


class SettingsQuery(Schema):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="A program's settings (slug); absent: the workspace's."
    )


class SettingsIn(Strict):
    program: ProgramSlug | None = Field(
        None,
        description="The program's slug; null: the workspace's (used by programs without "
        "their own).",
    )
    sector: Literal[tuple(InsightSettings.Sector.values)] = Field(
        description="`b2b_saas`, `ecommerce` or `services`: its bands are the defaults."
    )
    bands: dict[BandKey, SettingsBandIn] = Field(
        default_factory=dict,
        description="Your own bands over the sector's, by measure: "
        + ", ".join(f"`{key}`" for key in bands.KEYS)
        + ". A measure left out (or equal to the default) uses the default. Replaces what was "
        "stored.",
    )
    paid_ads_cost_per_customer: int | None = Field(
        None, ge=0, le=entries.MAX_VALUE, description="Minor units; null: not compared."
    )
    paid_ads_currency: Annotated[str, StringConstraints(max_length=3)] = ""


class SettingsOut(BaseModel):
    program: str | None
    inherited: bool = Field(
        description="true: the program has no settings of its own and uses the workspace's."
    )
    sector: str
    bands: dict[str, SettingsBandOut]
    paid_ads_cost_per_customer: int | None
    paid_ads_currency: str | None


def _settings_out(workspace, program) -> dict:
    stored = bands.settings_for(workspace=workspace, program=program)
    own = stored.pk is not None and stored.program_id == (program.pk if program else None)
    current = bands.bands_for(workspace=workspace, program=program)
    defaults = bands.default_bands(stored.sector)
    return {
        "program": program.slug if program else None,
        "inherited": program is not None and not own,
        "sector": stored.sector,
        "bands": {
            key: {
                **band.as_dict(),
                "default_low": defaults[key].as_dict()["low"],
                "default_high": defaults[key].as_dict()["high"],
            }
            for key, band in current.items()
        },
        "paid_ads_cost_per_customer": stored.paid_ads_cost_per_customer,
        "paid_ads_currency": stored.paid_ads_currency or None,
    }


@router.get("/insight-settings", response={200: SettingsOut})
def get_insight_settings(request, query: Query[SettingsQuery]):
    """The sector, every band in use (the sector's default or your own) and the paid ads' cost
    per customer, of a program or of the workspace."""
    try:
        program = _program_in_query(request, query.program)
    except Invalid as error:
        raise _query_loc(error) from None
    return _settings_out(request.workspace, program)


@router.put("/insight-settings", response={200: SettingsOut})
def put_insight_settings(request, payload: SettingsIn):
    """Store the sector, your bands and the paid ads' cost per customer (all replaced)."""
    program = _program_in_body(request, payload.program)
    bands.bands_update(
        workspace=request.workspace,
        program=program,
        sector=payload.sector,
        bands={key: {"low": band.low, "high": band.high} for key, band in payload.bands.items()},
        paid_ads_cost_per_customer=payload.paid_ads_cost_per_customer,
        paid_ads_currency=payload.paid_ads_currency.strip().upper(),
    )
    return _settings_out(request.workspace, program)
