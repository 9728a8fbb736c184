"""/api/v1/deals: deal registration (api-v1.md, "Deal registration"; docs/deals.md).

POST /deals registers a partner's opportunity: 201 pending or approved, or a 409 `deal-conflict`
problem with the new registration's `deal_id` (kept as `conflict`) and `protected_until`, never
the holder. GET /deals, GET /deals/{id}, POST /deals/{id}/approve|reject|extend|activity|close,
and the program's settings at /deals/settings/{program}.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from ninja import Body, Field, Query, Router, Status
from pydantic import BaseModel, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.api.problems import problem
from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.deals import services
from tular.deals.models import PROTECTION_PRESETS, Deal, DealStatus
from tular.partners.commission import commission_lines, commission_lines_of
from tular.programs.services import program_named_in_body
from tular.referrals.deals import deal_close
from tular.workspaces.audit import Actor

router = Router(tags=["deals"])

StatusName = Literal[tuple(DealStatus.values)]


class DealContactIn(Strict):
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    email: Annotated[str, StringConstraints(max_length=254)] = ""


class DealIn(Strict):
    program: Annotated[str, StringConstraints(max_length=50)] = Field(description="Program slug.")
    partner_external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The partner's external_id in the program (a participant of kind partner "
        "or reseller); unknown → 404."
    )
    company: Annotated[str, StringConstraints(max_length=200)] = ""
    domain: Annotated[str, StringConstraints(max_length=300)] = Field(
        "",
        description="The company's web domain in any spelling (scheme, www., case, port, path "
        "and subdomains are ignored: a.example.co.id is example.co.id). An IP address, a public "
        "e-mail provider or no domain → 422.",
    )
    contact: DealContactIn
    estimated_value: int = Field(description="Minor units of `currency`.")
    currency: Annotated[str, StringConstraints(max_length=3)]
    qualification: dict[str, bool] = Field(
        default_factory=dict,
        description="The checklist: meeting_scheduled, discovery_call, budget_confirmed, "
        "authority_identified, need_confirmed, timeline_confirmed (or the program's own items).",
    )
    country: Annotated[str, StringConstraints(max_length=2)] = Field(
        "", description="ISO 3166-1 alpha-2; part of the duplicate key when given."
    )
    division: Annotated[str, StringConstraints(max_length=100)] = Field(
        "", description="A division of the company; part of the duplicate key when given."
    )


class DealCreated(BaseModel):
    id: UUID
    status: Literal["pending", "approved"]
    registered_at: datetime
    expires_at: datetime = Field(description="The end of protection.")
    review_due_at: datetime | None = Field(description="A pending deal is decided by then.")


class DealHistoryItem(BaseModel):
    kind: str = Field(description="status, extension or activity.")
    from_status: str | None
    to_status: str
    at: datetime
    by: str
    reason: str
    expires_before: datetime | None
    expires_after: datetime | None


class DealDisputeOut(BaseModel):
    status: Literal["open", "upheld", "dismissed"]
    reason: str = Field(description="Why the partner contests the hold.")
    opened_at: datetime
    decision: str = Field(description="The decider's reason.")
    decided_by: str
    decided_at: datetime | None


class DealCommissionOut(BaseModel):
    reward_id: UUID
    participant_id: UUID
    recipient: str = Field(description="referrer (the partner) or friend.")
    kind: str = Field(description="fixed, percent or perk.")
    amount: int | None = Field(description="Minor units; null for a perk.")
    currency: str | None
    percent: str | None = Field(description="The rate applied (the partner tier's, if any).")
    base_amount: int | None = Field(description="What the percent was taken of.")
    tier: str | None = Field(description="The partner's tier when the reward was granted.")
    status: str
    hold_until: datetime | None


class DealOut(BaseModel):
    id: UUID
    program: str
    partner_id: UUID
    partner_external_id: str | None
    company: str
    domain: str = Field(description="As given.")
    domain_normalised: str
    country: str | None
    division: str | None
    contact: dict
    estimated_value: int
    currency: str
    qualification: dict[str, bool]
    missing_checks: list[str] = Field(description="Required checklist items not answered true.")
    status: StatusName
    registered_at: datetime
    review_due_at: datetime | None
    review_overdue: bool
    decided_at: datetime | None
    decided_by: str
    decision_reason: str
    expires_at: datetime | None
    last_activity_at: datetime | None
    dispute: DealDisputeOut | None = Field(description="A conflict's escalation, once opened.")
    won_value: int | None = Field(description="A won deal's value, minor units.")
    won_currency: str | None
    lead_id: UUID | None = Field(
        description="The won deal's lead in the pipeline (GET /referrals/{id}), which carries "
        "its rewards."
    )
    commission: list[DealCommissionOut] = Field(
        description="What the won deal earned under the program's `won` rules."
    )
    history: list[DealHistoryItem]


def _out(deal: Deal, *, history: bool = True, commission: list | None = None, rules=None) -> dict:
    rules = rules or services.settings_for(deal.program)
    return {
        "id": deal.pk,
        "program": deal.program.slug,
        "partner_id": deal.partner_id,
        "partner_external_id": deal.partner.external_id,
        "company": deal.company,
        "domain": deal.domain,
        "domain_normalised": deal.domain_normalised,
        "country": deal.country or None,
        "division": deal.division or None,
        "contact": {"name": deal.contact_name, "email": deal.contact_email},
        "estimated_value": deal.estimated_value,
        "currency": deal.currency,
        "qualification": deal.qualification,
        "missing_checks": services.missing_checks(settings=rules, qualification=deal.qualification),
        "status": deal.status,
        "registered_at": deal.registered_at,
        "review_due_at": deal.review_due_at,
        "review_overdue": deal.review_overdue,
        "decided_at": deal.decided_at,
        "decided_by": deal.decided_by,
        "decision_reason": deal.decision_reason,
        "expires_at": deal.expires_at,
        "last_activity_at": deal.last_activity_at,
        "dispute": {
            "status": deal.dispute_status,
            "reason": deal.dispute_reason,
            "opened_at": deal.dispute_opened_at,
            "decision": deal.dispute_decision,
            "decided_by": deal.dispute_decided_by,
            "decided_at": deal.dispute_decided_at,
        }
        if deal.dispute_status
        else None,
        "won_value": deal.won_value,
        "won_currency": deal.won_currency or None,
        "lead_id": deal.referral_id,
        "commission": _commission(commission_lines(deal) if commission is None else commission),
        "history": [
            {
                "kind": event.kind,
                "from_status": event.from_status or None,
                "to_status": event.to_status,
                "at": event.at,
                "by": event.actor,
                "reason": event.reason,
                "expires_before": event.expires_before,
                "expires_after": event.expires_after,
            }
            for event in (deal.events.all() if history else [])
        ],
    }


def _commission(lines) -> list[dict]:
    return [
        {
            "reward_id": line.reward.pk,
            "participant_id": line.reward.participant_id,
            "recipient": line.reward.recipient,
            "kind": line.reward.kind,
            "amount": line.reward.amount,
            "currency": line.reward.currency or None,
            "percent": line.rate,
            "base_amount": line.reward.base_amount,
            "tier": line.tier or None,
            "status": line.reward.status,
            "hold_until": line.reward.hold_until,
        }
        for line in lines
    ]


def _deal(request, deal_id: str) -> Deal:
    deal = services.deal_get(workspace=request.workspace, deal_id=deal_id)
    if deal is None:
        raise NotFound("No deal with this id in this workspace.")
    return deal


@router.post(
    "",
    response={201: DealCreated},
    description="Register a partner's deal. Approved at once when the program approves "
    "automatically and every required checklist item is true, else pending for review (decide "
    "by `review_due_at`). When another registration holds the company's account: 409 problem "
    "`deal-conflict` with `deal_id` (this registration, kept as `conflict` for review) and "
    "`protected_until`; nothing tells who holds it. Unknown partner → 404; no domain, an IP "
    "address or a public e-mail provider as domain → 422.",
)
def register_deal(request, payload: DealIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    partner = services.partner_for(program=program, external_id=payload.partner_external_id)
    result = services.deal_register(
        program=program,
        partner=partner,
        company=payload.company,
        domain=payload.domain,
        contact_name=payload.contact.name,
        contact_email=payload.contact.email,
        estimated_value=payload.estimated_value,
        currency=payload.currency,
        qualification=payload.qualification,
        country=payload.country,
        division=payload.division,
        actor=Actor.for_api_key(request.api_key),
    )
    deal = result.deal
    if result.conflict:
        until = DjangoJSONEncoder().default(result.protected_until)  # as every API time
        return problem(
            409,
            f"Another partner's registration protects this company's account until {until}; "
            "this registration is kept as a conflict for review.",
            slug="deal-conflict",
            title="Deal conflict",
            deal_id=str(deal.pk),
            protected_until=until,
        )
    return Status(
        201,
        {
            "id": deal.pk,
            "status": deal.status,
            "registered_at": deal.registered_at,
            "expires_at": deal.expires_at,
            "review_due_at": deal.review_due_at,
        },
    )


class DealQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Program slug."
    )
    status: StatusName | None = None
    overdue: bool | None = Field(
        None, description="true: pending deals past their review time; false: the others."
    )
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


@router.get("", response={200: page_of(DealOut)})
def list_deals(request, query: Query[DealQuery]):
    """The workspace's deal registrations in the order they were made; filters narrow."""
    deals = services.deals_filter(
        workspace=request.workspace,
        status=query.status,
        program_slug=query.program,
        overdue=query.overdue,
    ).prefetch_related("events")
    page = paginate(deals, after=query.after, limit=query.limit)
    # the won deals' commission for the whole page at once (not two queries per won deal)
    # and each program's deal settings once (a page is mostly one program's)
    commission = commission_lines_of(page["items"])
    rules = {}
    for deal in page["items"]:
        if deal.program_id not in rules:
            rules[deal.program_id] = services.settings_for(deal.program)
    page["items"] = [
        _out(deal, commission=commission.get(deal.pk, []), rules=rules[deal.program_id])
        for deal in page["items"]
    ]
    return page


@router.get("/{deal_id}", response={200: DealOut})
def get_deal(request, deal_id: str):
    """One registration with its checklist, review timer, protection and history."""
    return _out(_deal(request, deal_id))


class DealDecisionIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=1000)] = ""


class DealRejectIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)] = Field(
        description="Why (required; kept on the deal, in its history and the audit log)."
    )


class DealExtendIn(Strict):
    days: int | None = Field(
        None, description="1 to 365; the program's protection window when omitted."
    )
    reason: Annotated[str, StringConstraints(max_length=1000)] = ""


class DealActivityIn(Strict):
    note: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class DealCloseIn(Strict):
    status: Literal["won", "lost"]
    reason: Annotated[str, StringConstraints(max_length=1000)] = ""
    value: int | None = Field(
        None,
        description="Won: what the customer signed for, in minor units (the partner's "
        "commission is taken of it); the registration's estimated value when omitted.",
    )
    currency: str | None = Field(
        None, description="Won: the value's ISO 4217 code; the registration's when omitted."
    )
    customer_external_id: str | None = Field(
        None,
        description="Won: the customer's id in your system, so its later sales (Stripe, "
        "/track/sale) earn the partner the program's sale rules too; `deal:<id>` when omitted.",
    )


@router.post(
    "/{deal_id}/approve",
    response={200: DealOut},
    description="Approve a pending deal (or a conflict whose account is free again): protected "
    "for the program's window from now. 409 from another status or while another registration "
    "holds the account.",
)
def approve_deal(request, deal_id: str, payload: Body[DealDecisionIn | None] = None):
    services.deal_approve(
        deal=_deal(request, deal_id),
        reason=payload.reason if payload is not None else "",
        actor=Actor.for_api_key(request.api_key),
    )
    return _out(_deal(request, deal_id))


@router.post(
    "/{deal_id}/reject",
    response={200: DealOut},
    description="Reject a pending, approved or conflicting deal with a reason: the account is "
    "free again. 409 from another status.",
)
def reject_deal(request, deal_id: str, payload: DealRejectIn):
    services.deal_reject(
        deal=_deal(request, deal_id),
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _out(_deal(request, deal_id))


@router.post(
    "/{deal_id}/extend",
    response={200: DealOut},
    description="Extend a pending or approved deal's protection by `days` (the program's "
    "window when omitted), from its current end. An expired, lost, rejected, won or conflicting "
    "deal → 409.",
)
def extend_deal(request, deal_id: str, payload: Body[DealExtendIn | None] = None):
    services.deal_extend(
        deal=_deal(request, deal_id),
        days=payload.days if payload is not None else None,
        reason=payload.reason if payload is not None else "",
        actor=Actor.for_api_key(request.api_key),
    )
    return _out(_deal(request, deal_id))


@router.post(
    "/{deal_id}/activity",
    response={200: DealOut},
    description="Record progress on an active deal (a meeting, a demo): protection is renewed "
    "to a full window from now while it has not run out. 409 for a closed deal.",
)
def deal_activity(request, deal_id: str, payload: DealActivityIn):
    services.deal_progress(
        deal=_deal(request, deal_id), note=payload.note, actor=Actor.for_api_key(request.api_key)
    )
    return _out(_deal(request, deal_id))


@router.post(
    "/{deal_id}/close",
    response={200: DealOut},
    description="Close an approved deal as won or lost (`deal.status_changed`). Won, the "
    "customer becomes the partner's referred customer (a won lead, intake `deal`) and `value` "
    "its sale: the program's sale rules pay the partner (its tier's rate replaces a percent "
    "rule's) and its `won` rules a bonus, listed in `commission`. 409 for a deal that is not "
    "approved or a customer id of another referrer's customer; 422 for a bad value.",
)
def close_deal(request, deal_id: str, payload: DealCloseIn):
    deal_close(
        deal=_deal(request, deal_id),
        status=payload.status,
        value=payload.value,
        currency=payload.currency,
        customer_external_id=payload.customer_external_id,
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _out(_deal(request, deal_id))


class DealDisputeIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class DealDecideIn(Strict):
    uphold: bool = Field(
        description="true: the disputing registration takes the account (the holder's is "
        "rejected); false: it stays a conflict."
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


@router.post(
    "/{deal_id}/dispute",
    response={200: DealOut},
    description="Contest the hold on behalf of a conflicting registration's partner (once). "
    "409 unless the deal is a conflict.",
)
def dispute_deal(request, deal_id: str, payload: DealDisputeIn):
    services.deal_dispute(
        deal=_deal(request, deal_id),
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _out(_deal(request, deal_id))


@router.post(
    "/{deal_id}/dispute/decide",
    response={200: DealOut},
    description="Decide an open dispute with a reason; the decision, the decider and the time "
    "are kept on both registrations. 409 without an open dispute.",
)
def decide_dispute(request, deal_id: str, payload: DealDecideIn):
    services.deal_dispute_decide(
        deal=_deal(request, deal_id),
        uphold=payload.uphold,
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _out(_deal(request, deal_id))


# ---------------------------------------------------------------- the program's settings


class DealSettingsOut(BaseModel):
    program: str
    protection_days: int = Field(description=f"One of {', '.join(map(str, PROTECTION_PRESETS))}.")
    required_checks: list[str]
    review_working_days: int
    auto_approve: bool


class DealSettingsIn(Strict):
    protection_days: int | None = None
    required_checks: list[Annotated[str, StringConstraints(max_length=50)]] | None = None
    review_working_days: int | None = None
    auto_approve: bool | None = None


def _settings_out(program, rules) -> dict:
    return {
        "program": program.slug,
        "protection_days": rules.protection_days,
        "required_checks": rules.required_checks,
        "review_working_days": rules.review_working_days,
        "auto_approve": rules.auto_approve,
    }


def _program(request, slug: str):
    from tular.programs.services import program_get

    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise NotFound("No program with this slug in this workspace.")
    return program


@router.get("/settings/{program}", response={200: DealSettingsOut})
def get_settings(request, program: str):
    """A program's deal registration settings (the defaults until changed)."""
    found = _program(request, program)
    return _settings_out(found, services.settings_for(found))


@router.patch("/settings/{program}", response={200: DealSettingsOut})
def update_settings(request, program: str, payload: DealSettingsIn):
    """Change the protection window (30, 60, 90 or 120 days), the required checklist items, the
    days to decide (working days) and automatic approval."""
    found = _program(request, program)
    saved = services.deal_settings_save(
        program=found,
        actor=Actor.for_api_key(request.api_key),
        **payload.model_dump(exclude_none=True),
    )
    return _settings_out(found, saved)
