"""The strict base of every input schema (API bodies, stored configuration)."""

import re

from pydantic import BaseModel, ConfigDict, field_validator


def refuse_control_characters(value):
    """Text may not carry control characters (tab and line breaks aside): PostgreSQL cannot store
    NUL at all, and the others only ever arrive by mistake or malice."""
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
    elif isinstance(value, list):
        for item in value:
            refuse_control_characters(item)
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Strict(BaseModel):
    """Input configuration: unknown fields refused, text free of control characters."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value):
        return refuse_control_characters(value)
