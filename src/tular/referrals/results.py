"""What the tracking use cases return: plain frozen values, not JSON.

Each result can be written down (`record()`, JSON-safe, kept with its event so a repeated
`event_id` answers the first result) and read back (`from_record`). `first_time` is False when
the event had been received before and nothing happened this time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from uuid import UUID

from tular.core.ids import parse_uuid
from tular.core.jsonsafe import json_safe


class _Recorded:
    """record() / from_record() for the results below (ids are UUIDs, lists are tuples)."""

    ID_FIELDS: tuple[str, ...] = ()
    NESTED: dict[str, type] = {}

    def record(self) -> dict:
        data = asdict(self)
        data.pop("first_time", None)
        return json_safe(data)

    @classmethod
    def from_record(cls, record: dict, *, first_time: bool = False):
        names = {f.name for f in fields(cls)}
        values = {key: value for key, value in record.items() if key in names}
        for name in cls.ID_FIELDS:
            if name in values:
                values[name] = parse_uuid(values[name])
        for name, item_type in cls.NESTED.items():
            values[name] = tuple(item_type.from_record(item) for item in values.get(name) or ())
        if "first_time" in names:
            values["first_time"] = first_time
        return cls(**values)


@dataclass(frozen=True)
class GrantedReward(_Recorded):
    id: UUID
    participant_id: UUID
    recipient: str
    kind: str
    amount: int | None
    currency: str | None
    status: str
    perk: str | None = None

    ID_FIELDS = ("id", "participant_id")

    @classmethod
    def of(cls, reward) -> GrantedReward:
        return cls(
            id=reward.id,
            participant_id=reward.participant_id,
            recipient=reward.recipient,
            kind=reward.kind,
            amount=reward.amount,
            currency=reward.currency or None,
            status=reward.status,
            perk=reward.perk or None,
        )


@dataclass(frozen=True)
class Reversal(_Recorded):
    reward_id: UUID
    participant_id: UUID
    amount: int
    currency: str
    status: str

    ID_FIELDS = ("reward_id", "participant_id")


@dataclass(frozen=True)
class ClickResult(_Recorded):
    click_id: UUID
    first_time: bool = True

    ID_FIELDS = ("click_id",)


@dataclass(frozen=True)
class SignupResult(_Recorded):
    attributed: bool
    referral_id: UUID | None = None
    participant_id: UUID | None = None
    status: str | None = None
    rewards: tuple[GrantedReward, ...] = field(default=())
    first_time: bool = True

    ID_FIELDS = ("referral_id", "participant_id")
    NESTED = {"rewards": GrantedReward}


@dataclass(frozen=True)
class SaleResult(_Recorded):
    attributed: bool
    conversion_id: UUID | None = None
    referral_id: UUID | None = None
    rewards: tuple[GrantedReward, ...] = field(default=())
    first_time: bool = True

    ID_FIELDS = ("conversion_id", "referral_id")
    NESTED = {"rewards": GrantedReward}


@dataclass(frozen=True)
class ReversalResult(_Recorded):
    """A refund's or a cancellation's result: the conversion recorded and what it took back."""

    conversion_id: UUID
    reversals: tuple[Reversal, ...] = field(default=())
    first_time: bool = True

    ID_FIELDS = ("conversion_id",)
    NESTED = {"reversals": Reversal}
