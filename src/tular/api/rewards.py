"""/api/v1/rewards and /api/v1/payouts"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpResponse
from ninja import Body, Query, Router, Schema, Status
from pydantic import BaseModel, Field, StringConstraints

from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.programs.services import program_named_in_body
from tular.rewards import payouts as payout_services
from tular.rewards import selectors
from tular.rewards.models import Payout, Reward
from tular.rewards.services import reward_approve, reward_reject

router = Router(tags=["rewards"])

StatusName = Literal["pending", "approved", "needs_review", "rejected", "reversed", "paid"]


class RewardOut(BaseModel):
    id: UUID
    participant_id: UUID
    program: str
    referral_id: UUID
    conversion_id: UUID | None
    recipient: str
    trigger: str
    kind: str
    amount: int | None
    currency: str | None
    perk: str | None
    status: StatusName
    status_reason: str
    reversed_amount: int
    hold_until: datetime
    created_at: datetime
    approved_at: datetime | None
    paid_at: datetime | None
    payout_id: UUID | None


class RewardList(BaseModel):
    items: list[RewardOut]
    next: str | None = Field(
        None, description="Pass as `after` for the next page; null on the last page."
    )


class RewardFilters(Schema):
    participant: UUID | None = None
    status: StatusName | None = None
    program: str | None = None
    after: UUID | None = None
    limit: int = Field(100, ge=1, le=1000)


class RejectIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=300)] = ""


class PayoutIn(Strict):
    program: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class PayoutItemOut(BaseModel):
    participant_id: UUID
    amount: int
    netted: int = Field(
        description="Debt from rewards reversed after payment that this item paid off (≤ 0)."
    )


class PayoutOut(BaseModel):
    id: UUID
    program: str
    total: int
    currency: str
    status: Literal["open", "paid"]
    created_at: datetime
    paid_at: datetime | None
    items: list[PayoutItemOut]


def _reward_out(reward: Reward) -> dict:
    return {
        "id": reward.id,
        "participant_id": reward.participant_id,
        "program": reward.program.slug,
        "referral_id": reward.referral_id,
        "conversion_id": reward.conversion_id,
        "recipient": reward.recipient,
        "trigger": reward.trigger,
        "kind": reward.kind,
        "amount": reward.amount,
        "currency": reward.currency or None,
        "perk": reward.perk or None,
        "status": reward.status,
        "status_reason": reward.status_reason,
        "reversed_amount": reward.reversed_amount,
        "hold_until": reward.hold_until,
        "created_at": reward.created_at,
        "approved_at": reward.approved_at,
        "paid_at": reward.paid_at,
        "payout_id": reward.payout_id,
    }


def _payout_out(payout: Payout) -> dict:
    items = payout_services.payout_items(payout)
    return {
        "id": payout.id,
        "program": payout.program.slug,
        "total": sum(item["amount"] for item in items),
        "currency": payout.currency,
        "status": payout.status,
        "created_at": payout.created_at,
        "paid_at": payout.paid_at,
        "items": items,
    }


def _reward(request, reward_id: str) -> Reward:
    reward = selectors.reward_get(workspace=request.workspace, reward_id=reward_id)
    if reward is None:
        raise NotFound("No reward with this id in this workspace.")
    return reward


def _payout(request, payout_id: str) -> Payout:
    payout = selectors.payout_get(workspace=request.workspace, payout_id=payout_id)
    if payout is None:
        raise NotFound("No payout with this id in this workspace.")
    return payout


@router.get("/rewards", response={200: RewardList})
def list_rewards(request, filters: Query[RewardFilters]):
    rewards = selectors.rewards_list(
        workspace=request.workspace,
        participant_id=filters.participant,
        status=filters.status,
        program_slug=filters.program,
        after=filters.after,
        limit=filters.limit,
    )
    full_page = len(rewards) == filters.limit
    return {
        "items": [_reward_out(reward) for reward in rewards],
        "next": str(rewards[-1].pk) if full_page else None,
    }


@router.get("/rewards/{reward_id}", response={200: RewardOut})
def get_reward(request, reward_id: str):
    return _reward_out(_reward(request, reward_id))


@router.post("/rewards/{reward_id}/approve", response={200: RewardOut})
def approve_reward(request, reward_id: str):
    reward = reward_approve(reward=_reward(request, reward_id))
    return _reward_out(_reward(request, reward.pk))


@router.post("/rewards/{reward_id}/reject", response={200: RewardOut})
def reject_reward(request, reward_id: str, payload: Body[RejectIn | None] = None):
    reason = payload.reason if payload is not None else ""
    reward = reward_reject(reward=_reward(request, reward_id), reason=reason)
    return _reward_out(_reward(request, reward.pk))


@router.post("/payouts", response={201: PayoutOut})
def create_payout(request, payload: PayoutIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    payout = payout_services.payout_create(
        workspace=request.workspace, program=program, currency=payload.currency
    )
    return Status(201, _payout_out(_payout(request, payout.pk)))


@router.get("/payouts/{payout_id}", response={200: PayoutOut})
def get_payout(request, payout_id: str):
    return _payout_out(_payout(request, payout_id))


@router.get(
    "/payouts/{payout_id}/export.csv",
    response={200: None},
    openapi_extra={
        "responses": {
            "200": {
                "description": "One row per participant, for the bank.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_payout(request, payout_id: str):
    payout = _payout(request, payout_id)
    response = HttpResponse(
        payout_services.payout_export_csv(payout), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="payout-{payout.pk}.csv"'
    return response


@router.post("/payouts/{payout_id}/mark-paid", response={200: PayoutOut})
def mark_payout_paid(request, payout_id: str):
    payout = payout_services.payout_mark_paid(_payout(request, payout_id))
    return _payout_out(_payout(request, payout.pk))
