"""The referrals app's webhook events (docs/webhooks.md): a referral as `referral.created` and
`referral.status_changed` carry it. Emitted inside the transaction of the change they tell of
(a tracked sign-up, a code at checkout, a submitted lead, a pipeline move, a review)."""

from tular.webhooks import events
from tular.webhooks.services import webhook_emit


def referral_data(referral, **extra) -> dict:
    return {
        "id": referral.pk,
        "program": referral.program.slug,
        "status": referral.status,
        "referrer": {
            "id": referral.participant_id,
            "external_id": referral.participant.external_id,
        },
        "referral_type": referral.participant.kind,
        "customer_external_id": referral.customer_external_id,
        "lead": {
            "name": referral.name,
            "email": referral.email,
            "company": referral.company,
            "phone": referral.phone,
        },
        "intake": referral.intake or None,
        "deal_value": referral.deal_value,
        "currency": referral.deal_currency or None,
        "lead_score": referral.lead_score,
        "due_at": referral.due_at,
        "duplicate_of": referral.duplicate_of_id,
        "created_at": referral.created_at,
        **extra,
    }


def referral_created(referral) -> None:
    webhook_emit(
        workspace=referral.workspace_id, type=events.REFERRAL_CREATED, data=referral_data(referral)
    )


def referral_status_changed(referral, *, previous_status: str, reason: str = "") -> None:
    if referral.status == previous_status:
        return
    webhook_emit(
        workspace=referral.workspace_id,
        type=events.REFERRAL_STATUS_CHANGED,
        data=referral_data(referral, previous_status=previous_status, reason=reason),
    )
