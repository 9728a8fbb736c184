"""/api/v1/referrals: the list, and the review of flagged ones (clear, reject). (Submitting a
lead and reading one referral come with the pipeline: POST /referrals and GET/PATCH
/referrals/{id} are added to this router then.)"""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Body, Field, Query, Router
from pydantic import BaseModel, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.api.schemas import RewardItem
from tular.core.errors import NotFound
from tular.core.schemas import Strict
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
