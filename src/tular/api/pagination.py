"""Cursor pages, one shape for every list of the API (as GET /api/v1/rewards):

    GET …?after=<last id of the previous page>&limit=1..1000 (default 100)
    → {"items": [...], "next": "<id to pass as after>" | null}

Items come in id order (ids are time-ordered to the millisecond, so in the order the rows were
recorded); `next` is null on the last page, so walking `next` until null sees every row once,
without gaps or duplicates; rows recorded meanwhile come on a later page.
"""

from collections.abc import Callable
from functools import cache

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BaseModel, create_model, field_validator

from tular.core.schemas import refuse_control_characters

MAX_LIMIT = 1000
NEXT_DESCRIPTION = "Pass as `after` for the next page; null on the last page."
AFTER_DESCRIPTION = "The `next` of the previous page (the last id it listed); absent: the start."


class PageQuery(Schema):
    """`limit` of every list; each list's query adds `after` typed as its ids, and its filters
    (text free of control characters, like every input)."""

    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="Items per page, 1 to 1000.")

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value):
        return refuse_control_characters(value)


@cache
def page_of(item: type[BaseModel]) -> type[BaseModel]:
    """The response schema of a list of `item`: {"items": [item], "next": id | null}."""
    return create_model(
        f"{item.__name__}Page",
        items=(list[item], ...),
        next=(str | None, Field(None, description=NEXT_DESCRIPTION)),
    )


def paginate(
    rows: QuerySet, *, after, limit: int, shape: Callable[[object], dict] | None = None
) -> dict:
    """One page of `rows` after the id `after`, in id order; shaped by `shape` for the response."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows = rows.order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    page = list(rows[: limit + 1])  # one more than asked tells whether another page exists
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [shape(row) if shape else row for row in page],
        "next": str(page[-1].pk) if more else None,
    }
