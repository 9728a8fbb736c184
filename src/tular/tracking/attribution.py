"""Attribution: which participant a referral is credited to.

A referral belongs to the participant of the click the customer arrived with (inside its
program's attribution window), or else of the code they typed: last-touch over our own links.
How a sale's commission is then split under the program's `attribution.model` is
`tracking.journeys` (the five models: `tracking.credit`; docs/attribution.md).
"""

from datetime import timedelta

from tular.core.ids import parse_uuid
from tular.participants.codes import normalise_code
from tular.participants.models import Participant
from tular.tracking.models import Click


def participant_for(*, workspace, click_id: str | None, code: str | None, at):
    """(participant, click) by click inside its program's window, else (participant, None) by
    code, else (None, None)."""
    click_uuid = parse_uuid(click_id) if click_id else None
    if click_uuid is not None:
        click = next(
            iter(
                Click.objects.select_related("participant__program").filter(
                    pk=click_uuid, workspace=workspace
                )[:1]
            ),
            None,
        )
        if click is not None:
            window = timedelta(days=click.participant.program.window_days)
            if click.created_at <= at and at - click.created_at <= window:
                return click.participant, click
    if code:
        # [:1], not first(): the code is unique and first()'s ORDER BY costs more than the query.
        participant = next(
            iter(
                Participant.objects.select_related("program").filter(
                    workspace=workspace, code=normalise_code(code)
                )[:1]
            ),
            None,
        )
        if participant is not None:
            return participant, None
    return None, None
