"""Touchpoints: the touches of a customer's journey that are not the referral itself (R14).

`touchpoint_record` is the one way in (`POST /api/v1/touchpoints`); `journeys_of` reads the
touchpoints of many customers at once for the attribution comparison
(tular.analytics.attribution). docs/attribution.md says how a journey is built.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from django.db import IntegrityError, transaction

from tular.core import clock
from tular.core.errors import Invalid, NotFound
from tular.core.ids import parse_uuid
from tular.participants.codes import normalise_code
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.tracking.models import Click, Touchpoint, TouchpointKind


@dataclass(frozen=True)
class Recorded:
    touchpoint: Touchpoint
    created: bool


def _participant(
    *,
    program: Program,
    participant_id: str | None,
    partner_external_id: str | None,
    code: str | None,
) -> Participant | None:
    given = [
        name
        for name, value in (
            ("participant_id", participant_id),
            ("partner_external_id", partner_external_id),
            ("code", code),
        )
        if value
    ]
    if not given:
        return None
    if len(given) > 1:
        raise Invalid(
            [given[1]],
            f"give one of participant_id, partner_external_id or code, not {' and '.join(given)}",
        )
    found = Participant.objects.filter(program=program)
    if participant_id:
        uuid = parse_uuid(participant_id)
        found = found.filter(pk=uuid) if uuid is not None else found.none()
        what = f"participant {participant_id!r}"
    elif partner_external_id:
        found = found.filter(external_id=partner_external_id)
        what = f"partner with external id {partner_external_id!r}"
    else:
        found = found.filter(code=normalise_code(code))
        what = f"participant with code {code!r}"
    participant = found.first()
    if participant is None:
        raise NotFound(f"No {what} in program {program.slug!r}.")
    return participant


def touchpoint_record(
    *,
    workspace,
    program: Program,
    customer_external_id: str,
    kind: str,
    participant_id: str | None = None,
    partner_external_id: str | None = None,
    code: str | None = None,
    click_id: str | None = None,
    campaign: str = "",
    occurred_at: datetime | None = None,
) -> Recorded:
    """Record one touch of `customer_external_id`'s journey in `program`.

    - ``click``: `click_id` names a click of ours (on a link of this program); the touch takes the
      click's participant and time. Reporting the same click again returns the first touchpoint
      (`created` False).
    - ``partner``: one of `participant_id`, `partner_external_id` or `code` names the program's
      participant (a partner, or any referrer) the touch credits.
    - ``campaign``: `campaign` names it; a participant may be given too (a co-marketing activity
      then credits that partner).
    - ``direct``: the company's own team; neither participant nor campaign.

    `occurred_at` defaults to now and must not be in the future. Unknown participant or click →
    NotFound (404); a field that does not fit the kind → Invalid (422)."""
    if program.workspace_id != workspace.id:
        raise NotFound("No such program in this workspace.")
    kind = TouchpointKind(kind)
    customer_external_id = customer_external_id.strip()
    if not customer_external_id:
        raise Invalid(["customer_external_id"], "must not be blank")
    campaign = (campaign or "").strip()
    now = clock.now()
    participant = _participant(
        program=program,
        participant_id=participant_id,
        partner_external_id=partner_external_id,
        code=code,
    )
    click = None
    if kind == TouchpointKind.click:
        if not click_id:
            raise Invalid(["click_id"], "a click touch names the click (the tular_click id)")
        if participant is not None:
            raise Invalid(["participant_id"], "a click touch takes its participant from the click")
        if occurred_at is not None:
            raise Invalid(["occurred_at"], "a click touch takes its time from the click")
        uuid = parse_uuid(click_id)
        click = (
            Click.objects.filter(pk=uuid, workspace=workspace, program=program).first()
            if uuid is not None
            else None
        )
        if click is None:
            raise NotFound(f"No click {click_id!r} in program {program.slug!r}.")
        participant_pk, when = click.participant_id, click.created_at
    else:
        if click_id:
            raise Invalid(["click_id"], f"only a click touch names a click, not a {kind} touch")
        when = clock.check_occurred_at(occurred_at, current=now)
        participant_pk = participant.pk if participant is not None else None
        if kind == TouchpointKind.partner and participant is None:
            raise Invalid(
                ["partner_external_id"],
                "a partner touch names the partner: participant_id, partner_external_id or code",
            )
        if kind == TouchpointKind.campaign and not campaign:
            raise Invalid(["campaign"], "a campaign touch names its campaign")
        if kind == TouchpointKind.direct and (participant is not None or campaign):
            raise Invalid(["kind"], "a direct touch has neither a participant nor a campaign")
    if kind != TouchpointKind.campaign and campaign:
        raise Invalid(["campaign"], f"only a campaign touch has a campaign, not a {kind} touch")
    fields = {
        "workspace": workspace,
        "program": program,
        "customer_external_id": customer_external_id,
        "kind": kind,
        "participant_id": participant_pk,
        "click": click,
        "campaign": campaign,
        "occurred_at": when,
        "created_at": now,
    }
    if click is None:
        return Recorded(Touchpoint.objects.create(**fields), True)
    try:
        with transaction.atomic():
            return Recorded(Touchpoint.objects.create(**fields), True)
    except IntegrityError:
        return Recorded(Touchpoint.objects.get(program=program, click=click), False)


class JourneyTouch(NamedTuple):
    """A touchpoint as a journey needs it (a tuple: thousands are read at once)."""

    occurred_at: datetime
    participant_id: UUID | None
    campaign: str
    click_id: UUID | None


def journeys_of(
    *, program: Program, customer_external_ids, since: datetime, until: datetime
) -> dict[str, list[JourneyTouch]]:
    """The touchpoints of these customers in `program` from `since` (included) to `until`
    (excluded), per customer in time order; one query per 500 customers (on the journey index)."""
    ids = sorted(set(customer_external_ids))
    found: dict[str, list[JourneyTouch]] = {}
    for start in range(0, len(ids), 500):
        rows = (
            Touchpoint.objects.filter(
                program=program,
                customer_external_id__in=ids[start : start + 500],
                occurred_at__gte=since,
                occurred_at__lt=until,
            )
            .order_by("customer_external_id", "occurred_at", "id")
            .values_list(
                "customer_external_id", "occurred_at", "participant_id", "campaign", "click_id"
            )
        )
        for customer, *touch in rows:
            found.setdefault(customer, []).append(JourneyTouch(*touch))
    return found
