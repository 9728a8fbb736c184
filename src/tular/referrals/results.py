"""What the tracking use cases return: plain frozen values, not JSON.

Each result can be written down (`record()`, JSON-safe, kept with its event so a repeated
`event_id` answers the first result) and read back (`from_record`). `first_time` is False when
the event had been received before and nothing happened this time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from uuid import UUID

from tular.core.ids import parse_uuid
from tular.core.jsonsafe import json_safe


class _Recorded:
    """record() / from_record() for the results below (ids are UUIDs, lists are tuples)."""

    ID_FIELDS: tuple[str, ...] = ()
    NESTED: dict[str, type] = {}

    def record(self) -> dict:
        """The result as JSON gives it back (ids as strings, lists for tuples), without
        `first_time`. Written by hand: `asdict` deep-copies every UUID, and this runs twice on
        every tracked event (the answer and the copy kept for repeats)."""
        return {name: _plain(getattr(self, name)) for name in self._names() if name != "first_time"}

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        names = cls.__dict__.get("_field_names")
        if names is None:
            names = tuple(f.name for f in fields(cls))
            cls._field_names = names
        return names

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


def _plain(value):
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, _Recorded):
        return value.record()
    if isinstance(value, str):  # a str enum (a status): its value, as JSON writes it
        return str.__str__(value)
    return json_safe(value)


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
