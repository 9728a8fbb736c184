"""Identifiers: time-ordered UUIDv7 for rows that are appended in time order (clicks, events)."""

import uuid

import uuid6


def new_uuid7() -> uuid.UUID:
    # uuid6.uuid7 returns its own UUID subclass; databases want the standard type.
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
