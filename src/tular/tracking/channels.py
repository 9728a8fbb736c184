"""Moved to tular.participants.channels (the portal's invitation e-mail, written by
participants, tags its links too). This re-export goes once every import is updated."""

from tular.participants.channels import (  # noqa: F401
    CHANNELS,
    DIRECT_LABEL,
    channel_label,
    channel_of,
    tagged,
)
