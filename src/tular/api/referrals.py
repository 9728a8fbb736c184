"""/api/v1/referrals: the list, the review of flagged ones (clear, reject), and the pipeline of
submitted leads (POST /referrals, GET and PATCH /referrals/{id}, notes)."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.db import transaction
from ninja import Body, Field, Query, Router, Status
from pydantic import BaseModel, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.api.schemas import RewardItem
from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.programs.services import program_named_in_body
from tular.referrals import pipeline
from tular.referrals.models import Referral, ReferralStatus
from tular.referrals.results import GrantedReward
from tular.referrals.selectors import referral_get, referrals_filter
from tular.referrals.services import referral_clear, referral_reject
from tular.workspaces.audit import Actor

router = Router(tags=["referrals"])

StatusName = Literal[tuple(ReferralStatus.values)]


class ReferralQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Program slug."
    )
    participant: UUID | None = Field(None, description="The referrer's participant id.")
    status: StatusName | None = None
    customer_external_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


class ReferralItem(BaseModel):
    id: UUID
    program: str
    participant_id: UUID = Field(description="The referrer.")
    status: StatusName = Field(
        description="active or flagged for tracked sign-ups (flagged: a self-referral that "
        "earns nothing until cleared; rejected: a flagged one a manager refused, it never "
        "earns); submitted … dark for leads in the pipeline."
    )
    customer_external_id: str | None
    email: str
    name: str
    company: str
    created_at: datetime
    first_sale_at: datetime | None
    cancelled_at: datetime | None


def _referral_out(referral: Referral) -> dict:
    return {
        "id": referral.id,
        "program": referral.program.slug,
        "participant_id": referral.participant_id,
        "status": referral.status,
        "customer_external_id": referral.customer_external_id,
        "email": referral.email,
        "name": referral.name,
        "company": referral.company,
        "created_at": referral.created_at,
        "first_sale_at": referral.first_sale_at,
        "cancelled_at": referral.cancelled_at,
    }


@router.get("", response={200: page_of(ReferralItem)})
def list_referrals(request, query: Query[ReferralQuery]):
    """The workspace's referrals in the order they were recorded, a page at a time; every filter
    narrows."""
    referrals = referrals_filter(
        workspace=request.workspace,
        program_slug=query.program,
        participant_id=query.participant,
        status=query.status,
        customer_external_id=query.customer_external_id,
    )
    return paginate(referrals, after=query.after, limit=query.limit, shape=_referral_out)


class ClearIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=300)] = ""


class RejectIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="Why the referral is refused (kept on it and in the audit log)."
    )


class ReviewedReferral(ReferralItem):
    flag_reason: str = Field(description="Why it was flagged (empty once it is cleared).")
    review_reason: str = Field(description="The manager's reason when they cleared or rejected it.")


def _reviewed_out(referral: Referral) -> dict:
    return {
        **_referral_out(referral),
        "flag_reason": referral.flag_reason,
        "review_reason": referral.review_reason,
    }


class ClearedOut(ReviewedReferral):
    rewards: list[RewardItem] = Field(
        description="The rewards granted now: what it would have earned so far."
    )


def _referral(request, referral_id: str) -> Referral:
    referral = referral_get(workspace=request.workspace, referral_id=referral_id)
    if referral is None:
        raise NotFound("No referral with this id in this workspace.")
    return referral


@router.post(
    "/{referral_id}/clear",
    response={200: ClearedOut},
    description="Clear a flagged referral (a self-referral that is fine after all): it becomes "
    "`active`, the friend is enrolled, and the rewards it would have earned so far are granted "
    "now. 409 when it is not flagged.",
)
def clear_referral(request, referral_id: str, payload: Body[ClearIn | None] = None):
    rewards = referral_clear(
        referral=_referral(request, referral_id),
        reason=payload.reason if payload is not None else "",
        actor=Actor.for_api_key(request.api_key),
    )
    return {
        **_reviewed_out(_referral(request, referral_id)),
        "rewards": [asdict(GrantedReward.of(reward)) for reward in rewards],
    }


@router.post(
    "/{referral_id}/reject",
    response={200: ReviewedReferral},
    description="Reject a flagged referral: it becomes `rejected` and earns nothing, now or "
    "from later sales. The reason is required (422). 409 when it is not flagged.",
)
def reject_referral(request, referral_id: str, payload: RejectIn):
    referral = referral_reject(
        referral=_referral(request, referral_id),
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _reviewed_out(_referral(request, referral.pk))


# ---------------------------------------------------------------- the pipeline (R12, R17)


class LeadIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    email: Annotated[str, StringConstraints(max_length=254)]
    company: Annotated[str, StringConstraints(max_length=200)] = ""
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    notes: Annotated[str, StringConstraints(max_length=4000)] = ""


class SubmitIn(Strict):
    program: Annotated[str, StringConstraints(max_length=50)] = Field(description="Program slug.")
    referrer_external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The referrer's external_id in the program."
    )
    lead: LeadIn
    heard_from: Annotated[str, StringConstraints(max_length=200)] = Field(
        "", description="How the lead heard of you (free text)."
    )
    consent: bool = Field(
        False, description="The referrer confirms the lead agreed to share their details."
    )


class HistoryItem(BaseModel):
    status: StatusName
    at: datetime
    from_status: StatusName | None = Field(description="None for the submission.")
    by: str = Field(description="Who moved it: a team member, an API key, the referrer.")
    reason: str
    reopened: bool


class NoteOut(BaseModel):
    id: UUID
    author: str
    body: str
    created_at: datetime


class ReferrerOut(BaseModel):
    id: UUID
    external_id: str | None
    name: str
    email: str


class LeadReferral(ReferralItem):
    referrer: ReferrerOut
    referral_type: str = Field(
        description="The referrer's kind (customer, affiliate, reseller, …, employee, network): "
        "the referral type of a CRM (R16)."
    )
    phone: str
    notes: str = Field(description="What the referrer wrote about the lead.")
    heard_from: str
    consent_at: datetime | None
    intake: str = Field(description="api, form, portal, csv or console ('' for sign-ups).")
    duplicate_of: UUID | None = Field(
        description="A lead of the program's pipeline with the same e-mail or company domain: "
        "a possible duplicate, for a person to check."
    )
    owner: str | None = Field(description="The owning team member's e-mail.")
    deal_value: int | None
    currency: str | None = Field(description="The deal value's currency.")
    lead_score: int = Field(description="The program's boost for referred leads (R15).")
    status_changed_at: datetime | None
    due: Literal["acknowledge", "contact", "meeting"] | None = Field(
        description="The next service level to meet, counted from the submission."
    )
    due_at: datetime | None
    overdue: bool
    referrer_notified_at: datetime | None
    recontact_at: datetime | None = Field(description="A dark lead's next try (R61).")
    case_study: Literal["asked", "agreed", "declined"] | None
    history: list[HistoryItem]
    notes_by_team: list[NoteOut]


class CreatedReferral(LeadReferral):
    pass


def _lead_out(referral: Referral) -> dict:
    referrer = referral.participant
    owner = referral.owner
    return {
        **_referral_out(referral),
        "referrer": {
            "id": referrer.pk,
            "external_id": referrer.external_id,
            "name": referrer.name,
            "email": referrer.email,
        },
        "referral_type": referrer.kind,
        "phone": referral.phone,
        "notes": referral.lead_notes,
        "heard_from": referral.heard_from,
        "consent_at": referral.consent_at,
        "intake": referral.intake,
        "duplicate_of": referral.duplicate_of_id,
        "owner": owner.email if owner is not None else None,
        "deal_value": referral.deal_value,
        "currency": referral.deal_currency or None,
        "lead_score": referral.lead_score,
        "status_changed_at": referral.status_changed_at,
        "due": referral.due_kind or None,
        "due_at": referral.due_at,
        "overdue": pipeline.is_overdue(referral),
        "referrer_notified_at": referral.referrer_notified_at,
        "recontact_at": referral.recontact_at,
        "case_study": referral.case_study or None,
        "history": [
            {
                "status": change.to_status,
                "at": change.at,
                "from_status": change.from_status or None,
                "by": change.actor,
                "reason": change.reason,
                "reopened": change.reopened,
            }
            for change in referral.changes.all()
        ],
        "notes_by_team": [
            {"id": n.pk, "author": n.author, "body": n.body, "created_at": n.created_at}
            for n in referral.notes.all()
        ],
    }


@router.post(
    "",
    response={201: CreatedReferral},
    description="Submit a referred lead to the program's pipeline (R12): it starts `submitted`, "
    "the first service level is due, the referrer is thanked by e-mail and `referral.created` "
    "goes out. A lead whose e-mail or company domain is already in the program's pipeline is "
    "accepted and marked `duplicate_of` (a person decides). Unknown program or referrer, a bad "
    "e-mail, the referrer's own address → 422, nothing written.",
)
def submit_referral(request, payload: SubmitIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    referrer = pipeline.referrer_for(program=program, external_id=payload.referrer_external_id)
    referral = pipeline.referral_submit(
        referrer=referrer,
        name=payload.lead.name,
        email=payload.lead.email,
        company=payload.lead.company,
        phone=payload.lead.phone,
        notes=payload.lead.notes,
        heard_from=payload.heard_from,
        consent=payload.consent,
        intake="api",
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(201, _lead_out(_referral(request, referral.pk)))


@router.get("/{referral_id}", response={200: LeadReferral})
def get_referral(request, referral_id: str):
    """One referral with its status, its referrer and its history (each move: status, time,
    who, why). Tracked sign-ups have a history of one entry, their creation."""
    referral = _referral(request, referral_id)
    out = _lead_out(referral)
    if not out["history"]:  # a tracked sign-up: its one step is its creation
        out["history"] = [
            {
                "status": referral.status,
                "at": referral.created_at,
                "from_status": None,
                "by": "",
                "reason": "",
                "reopened": False,
            }
        ]
    return out


class MoveIn(Strict):
    status: StatusName | None = Field(
        None,
        description="acknowledged, contacted, qualified, proposal, won, lost or dark. Moves "
        "the pipeline does not allow → 409; the same status again changes nothing.",
    )
    deal_value: int | None = Field(None, description="Minor units of `currency`.")
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] | None = Field(
        None, description="ISO 4217; the program's currency when omitted."
    )
    reason: Annotated[str, StringConstraints(max_length=1000)] = Field(
        "", description="Why (required for lost: the referrer is told)."
    )
    reopen: bool = Field(False, description="Bring a lost or dark lead back to an open status.")
    owner: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="A team member's e-mail to own the lead; '' for nobody."
    )


@router.patch("/{referral_id}", response={200: LeadReferral})
def move_referral(request, referral_id: str, payload: MoveIn):
    """Move a lead through the pipeline, set its deal value or its owner. `qualified` and `won`
    fire those rules' rewards (once per referral); each move notifies the referrer."""
    referral = _referral(request, referral_id)
    actor = Actor.for_api_key(request.api_key)
    fields = payload.model_fields_set
    with transaction.atomic():
        if "owner" in fields:
            owner = (
                pipeline.owner_for(workspace=request.workspace, email=payload.owner)
                if payload.owner
                else None
            )
            pipeline.referral_assign(referral=referral, owner=owner, actor=actor)
        if payload.status is not None:
            pipeline.referral_move(
                referral=referral,
                status=payload.status,
                reason=payload.reason,
                deal_value=payload.deal_value,
                currency=payload.currency,
                reopen=payload.reopen,
                actor=actor,
            )
        elif "deal_value" in fields or "currency" in fields:
            pipeline.referral_set_deal(
                referral=referral,
                deal_value=payload.deal_value,
                currency=payload.currency,
                actor=actor,
            )
    return _lead_out(_referral(request, referral_id))


class NoteIn(Strict):
    body: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


@router.post("/{referral_id}/notes", response={201: NoteOut})
def add_note(request, referral_id: str, payload: NoteIn):
    """A team note on a lead (shown on its console page, never to the referrer)."""
    note = pipeline.referral_note_add(
        referral=_referral(request, referral_id),
        body=payload.body,
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(
        201,
        {"id": note.pk, "author": note.author, "body": note.body, "created_at": note.created_at},
    )
