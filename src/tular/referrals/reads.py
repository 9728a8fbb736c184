"""The hot reads of track/sale and track/signup as hand-written statements, with the ORM's own
converters.

`referral_of_customer` is `Referral.objects.select_related("program", "participant",
"friend").filter(workspace=..., customer_external_id=...)[:1]`: the same join, the same model
instances (built with `Model.from_db`, the related objects cached on the referral as
select_related caches them), the same values (each column passes through the converters the
ORM would apply: UUIDs, times, JSON). Compiling that queryset took about a quarter of a sale's
CPU (bench/track_micro.py --profile); the statement and the converters are built once per
database vendor here. `participant_of_code` is the same for
`Participant.objects.select_related("program").filter(workspace=..., code=...)[:1]`.
"""

from __future__ import annotations

from tular.core.reads import JoinedRead
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Referral

_referral = JoinedRead(
    (
        ("r", Referral, None),
        ("p", Program, Referral._meta.get_field("program")),
        ("a", Participant, Referral._meta.get_field("participant")),
        ("f", Participant, Referral._meta.get_field("friend")),
    ),
    where=("workspace", "customer_external_id"),
    inner=("program", "participant"),
)
_referral_alone = JoinedRead((("r", Referral, None),), where=("workspace", "customer_external_id"))
_participant = JoinedRead(
    (("a", Participant, None), ("p", Program, Participant._meta.get_field("program"))),
    where=("workspace", "code"),
    inner=("program",),
)


def referral_of_customer(*, workspace_id: int, customer_external_id: str) -> Referral | None:
    """The customer's referral with its program, referrer and friend, or None."""
    return _referral(workspace_id, customer_external_id)


def referral_alone(*, workspace_id: int, customer_external_id: str) -> Referral | None:
    """The customer's referral (nothing joined), or None."""
    return _referral_alone(workspace_id, customer_external_id)


def participant_of_code(*, workspace_id: int, code: str) -> Participant | None:
    """The participant of a (normalised) code with its program, or None."""
    return _participant(workspace_id, code)
