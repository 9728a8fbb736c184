"""/api/v1/rewards and /api/v1/payouts"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpResponse
from ninja import Body, Query, Router, Schema, Status
from pydantic import BaseModel, Field, StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.programs.services import program_named_in_body
from tular.rewards import payouts as payout_services
from tular.rewards import selectors
from tular.rewards.models import Payout, Reward
from tular.rewards.services import reward_approve, reward_reject, rewards_review_many
from tular.rewards.webhook_events import reward_data
from tular.workspaces.audit import Actor

router = Router(tags=["rewards"])

StatusName = Literal["pending", "approved", "needs_review", "rejected", "reversed", "paid"]
PayoutStatusName = Literal["draft", "sent", "paid", "failed"]

PAYOUT_LIFECYCLE = (
    "A payout is `draft` when made: until it is sent, a reversal (track/refund, track/cancel) of "
    "one of its rewards lowers that participant's item, or drops it (the reward leaves the "
    "payout) when nothing is left, and its export is a preview "
    "(`payout-<id>-draft-preview.csv`). `POST /payouts/{id}/send` freezes it (`sent`: exported "
    "to the bank or handed to a provider); from then on a reversal is a debt, shown on the item "
    "as `reversed_after_send` and netted by the participant's next payout. `mark-paid` moves the "
    "money (`paid`; a draft is sent and paid in one step, frozen at that moment); `mark-failed` "
    "(from `sent`) records that nothing was paid: the rewards are approved and unclaimed again."
)


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
    attribution_share: str | None = Field(
        None,
        description="This participant's share of the sale's commission, a decimal string "
        "with 6 places (e.g. `0.250000`), when the program's attribution model split a "
        "percent-of-sale referrer reward over several participants; null for a reward that "
        "was not split (docs/attribution.md).",
        examples=["0.250000"],
    )


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


class BulkApproveIn(Strict):
    ids: list[UUID] = Field(min_length=1, max_length=500, description="Reward ids.")


class BulkRejectIn(BulkApproveIn):
    reason: Annotated[str, StringConstraints(max_length=300)] = ""


class BulkOutcomeOut(BaseModel):
    id: str
    done: bool = Field(description="True when this reward was approved (or rejected) now.")
    status: StatusName | None = Field(
        description="The reward's status after the call; null when no such reward is in the "
        "workspace."
    )
    detail: str = Field(description="Why it was skipped (empty when done).")


class BulkOut(BaseModel):
    done: int
    skipped: int
    results: list[BulkOutcomeOut]


BULK_DESCRIPTION = (
    "Each reward goes through the same step as its own `/approve` or `/reject`, in its own "
    "transaction: one that cannot be (already approved or rejected, unknown) is skipped with "
    "the reason and does not stop the others. Always 200, with one result per distinct id."
)


class PayoutIn(Strict):
    program: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class PayoutItemOut(BaseModel):
    participant_id: UUID
    amount: int = Field(description="What this item pays, in minor units (> 0).")
    netted: int = Field(
        description="Debt from rewards reversed after they were sent or paid that this item "
        "paid off (≤ 0)."
    )
    reversed_after_send: int = Field(
        description="How much of this item's rewards was reversed after the payout was sent "
        "(≥ 0). The item still pays its amount; this is a debt the participant's next payout "
        "nets first. Always 0 on a draft (a draft's item follows reversals instead)."
    )


class PayoutOut(BaseModel):
    id: UUID
    program: str
    total: int
    currency: str
    status: PayoutStatusName = Field(description=PAYOUT_LIFECYCLE)
    created_at: datetime
    sent_at: datetime | None
    paid_at: datetime | None
    failed_at: datetime | None
    failure_reason: str
    reversed_after_send: int = Field(description="The items' `reversed_after_send`, summed.")
    items: list[PayoutItemOut]


class PayoutFilters(PageQuery):
    program: str | None = None
    status: PayoutStatusName | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


class MarkFailedIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="Why the bank or provider could not pay it."
    )


def _reward_out(reward: Reward) -> dict:
    """The reward as webhooks carry it, with its hold and payout dates (the response schema
    keeps only its own fields)."""
    return {
        **reward_data(reward),
        "hold_until": reward.hold_until,
        "approved_at": reward.approved_at,
        "paid_at": reward.paid_at,
        "payout_id": reward.payout_id,
        "attribution_share": (
            None if reward.attribution_share is None else str(reward.attribution_share)
        ),
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
        "sent_at": payout.sent_at,
        "paid_at": payout.paid_at,
        "failed_at": payout.failed_at,
        "failure_reason": payout.failure_reason,
        "reversed_after_send": sum(item["reversed_after_send"] for item in items),
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


# Before /rewards/{reward_id}: Django tries the paths in order.
def _bulk(request, ids, action: str, reason: str = "") -> dict:
    outcomes = rewards_review_many(
        workspace=request.workspace,
        reward_ids=ids,
        action=action,
        reason=reason,
        actor=Actor.for_api_key(request.api_key),
    )
    done = sum(outcome.done for outcome in outcomes)
    return {
        "done": done,
        "skipped": len(outcomes) - done,
        "results": [
            {
                "id": outcome.reward_id,
                "done": outcome.done,
                "status": outcome.status,
                "detail": outcome.detail,
            }
            for outcome in outcomes
        ],
    }


@router.post("/rewards/bulk-approve", response={200: BulkOut}, description=BULK_DESCRIPTION)
def bulk_approve_rewards(request, payload: BulkApproveIn):
    return _bulk(request, payload.ids, "approve")


@router.post("/rewards/bulk-reject", response={200: BulkOut}, description=BULK_DESCRIPTION)
def bulk_reject_rewards(request, payload: BulkRejectIn):
    return _bulk(request, payload.ids, "reject", payload.reason)


@router.get("/rewards/{reward_id}", response={200: RewardOut})
def get_reward(request, reward_id: str):
    return _reward_out(_reward(request, reward_id))


@router.post("/rewards/{reward_id}/approve", response={200: RewardOut})
def approve_reward(request, reward_id: str):
    reward = reward_approve(
        reward=_reward(request, reward_id), actor=Actor.for_api_key(request.api_key)
    )
    return _reward_out(_reward(request, reward.pk))


@router.post("/rewards/{reward_id}/reject", response={200: RewardOut})
def reject_reward(request, reward_id: str, payload: Body[RejectIn | None] = None):
    reason = payload.reason if payload is not None else ""
    reward = reward_reject(
        reward=_reward(request, reward_id),
        reason=reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _reward_out(_reward(request, reward.pk))


@router.get("/payouts", response={200: page_of(PayoutOut)}, description=PAYOUT_LIFECYCLE)
def list_payouts(request, filters: Query[PayoutFilters]):
    return paginate(
        selectors.payouts_filter(
            workspace=request.workspace, program_slug=filters.program, status=filters.status
        ),
        after=filters.after,
        limit=filters.limit,
        shape=_payout_out,
    )


@router.post(
    "/payouts",
    response={201: PayoutOut},
    description="Gathers every approved monetary reward of the program in the currency that is "
    "in no payout, into a `draft`. Nothing to pay (no approved rewards, or all offset by debts) "
    "→ 422, and no payout is made. " + PAYOUT_LIFECYCLE,
)
def create_payout(request, payload: PayoutIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    payout = payout_services.payout_create(
        workspace=request.workspace,
        program=program,
        currency=payload.currency,
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(201, _payout_out(_payout(request, payout.pk)))


@router.get("/payouts/{payout_id}", response={200: PayoutOut})
def get_payout(request, payout_id: str):
    return _payout_out(_payout(request, payout_id))


@router.get(
    "/payouts/{payout_id}/export.csv",
    description="One row per participant, for the bank. The export of a `draft` is a preview "
    "(file name `payout-<id>-draft-preview.csv`) that may still change; `send` freezes it.",
    # The int key 200 (not "200"): ninja's own response is keyed 200, and the two must merge
    # into one, or the JSON document has "200" twice (Swagger UI refuses it).
    openapi_extra={
        "responses": {
            200: {
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
    filename = payout_services.payout_export_filename(payout)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/payouts/{payout_id}/send",
    response={200: PayoutOut},
    description="`draft` → `sent`: the payout was exported to the bank or handed to a "
    "provider, and is frozen. 409 unless it is a draft with something left to pay.",
)
def send_payout(request, payout_id: str):
    payout = payout_services.payout_send(
        payout=_payout(request, payout_id), actor=Actor.for_api_key(request.api_key)
    )
    return _payout_out(_payout(request, payout.pk))


@router.post(
    "/payouts/{payout_id}/mark-paid",
    response={200: PayoutOut},
    description="The payout was paid: its rewards become `paid`, each item's amount moves to "
    "the participant's paid balance. A `draft` is sent first and paid in the same step (frozen "
    "as it is at that moment). 409 when it is paid or failed already, or a draft with nothing "
    "left to pay.",
)
def mark_payout_paid(request, payout_id: str):
    payout = payout_services.payout_mark_paid(
        payout=_payout(request, payout_id), actor=Actor.for_api_key(request.api_key)
    )
    return _payout_out(_payout(request, payout.pk))


@router.post(
    "/payouts/{payout_id}/mark-failed",
    response={200: PayoutOut},
    description="`sent` → `failed`: the bank or provider could not pay it. No money moves; its "
    "rewards are approved and in no payout again, for a later payout. 409 unless it is sent.",
)
def mark_payout_failed(request, payout_id: str, payload: MarkFailedIn):
    payout = payout_services.payout_mark_failed(
        payout=_payout(request, payout_id),
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
    )
    return _payout_out(_payout(request, payout.pk))
