"""Reads about participants (no writes here)."""

import uuid

from tular.participants.models import Participant
from tular.tracking.models import Click


def get_in_workspace(*, workspace, participant_id: str) -> Participant | None:
    try:
        parsed = uuid.UUID(participant_id)
    except ValueError:
        return None  # not an id we could have issued: the same 404 as an unknown one
    return (
        Participant.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()
    )


def stats(*, participant: Participant) -> dict:
    # Sign-ups and conversions are recorded by the referrals and rewards contexts, which land
    # with the conversion tracking (issue 4); until then none can exist, so zero is the truth.
    return {
        "clicks": Click.objects.filter(participant=participant).count(),
        "signups": 0,
        "conversions": 0,
    }


def balances(*, participant: Participant) -> list[dict]:
    # Balances are sums over the double-entry ledger (rewards context, issue 4): no entries yet.
    return []
