"""Reads about participants (no writes here)."""

import uuid

from tular.participants.models import Participant


def get_in_workspace(*, workspace, participant_id: str) -> Participant | None:
    try:
        parsed = uuid.UUID(participant_id)
    except ValueError:
        return None  # not an id we could have issued: the same 404 as an unknown one
    return (
        Participant.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()
    )
