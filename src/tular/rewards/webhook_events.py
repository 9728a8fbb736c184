"""The rewards app's webhook events (docs/webhooks.md): what a reward and a payout look like in
`reward.created`, `reward.status_changed` and `payout.paid`. Each is emitted inside the
transaction of the change it tells of."""

from tular.webhooks import events
from tular.webhooks.services import webhook_emit


def reward_data(reward, *, previous_status: str | None = None) -> dict:
    return {
        "id": reward.pk,
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
        "reversed_amount": reward.reversed_amount,
        "status": reward.status,
        "previous_status": previous_status,
        "status_reason": reward.status_reason,
        "created_at": reward.created_at,
    }


def reward_created(reward) -> None:
    webhook_emit(
        workspace=reward.workspace_id, type=events.REWARD_CREATED, data=reward_data(reward)
    )


def reward_status_changed(reward, *, previous_status: str) -> None:
    if reward.status == previous_status:
        return
    webhook_emit(
        workspace=reward.workspace_id,
        type=events.REWARD_STATUS_CHANGED,
        data=reward_data(reward, previous_status=previous_status),
    )


def payout_paid(payout, *, total: int, items: list[dict]) -> None:
    webhook_emit(
        workspace=payout.workspace_id,
        type=events.PAYOUT_PAID,
        data={
            "id": payout.pk,
            "program": payout.program.slug,
            "currency": payout.currency,
            "total": total,
            "items": items,
            "paid_at": payout.paid_at,
        },
    )
