"""The event catalogue: every type a webhook endpoint may subscribe to (docs/webhooks.md).

A new event is one more constant and one more `EventType` in `CATALOGUE`; the API's schema,
the console's checkboxes and the validation of subscriptions all read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

REFERRAL_CREATED = "referral.created"
REFERRAL_STATUS_CHANGED = "referral.status_changed"
REWARD_CREATED = "reward.created"
REWARD_STATUS_CHANGED = "reward.status_changed"
PAYOUT_PAID = "payout.paid"
DEAL_REGISTERED = "deal.registered"
DEAL_CONFLICT = "deal.conflict"
DEAL_STATUS_CHANGED = "deal.status_changed"

# Sent only on request, to the one endpoint asked ("send a test event"), whatever it subscribes.
TEST = "webhook.test"
# In an endpoint's `events`: every type, also those added later.
ALL = "*"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str


CATALOGUE = [
    EventType(REFERRAL_CREATED, _("A referral was recorded (a sign-up or a submitted lead).")),
    EventType(REFERRAL_STATUS_CHANGED, _("A referral moved to another status.")),
    EventType(REWARD_CREATED, _("A reward was granted.")),
    EventType(
        REWARD_STATUS_CHANGED,
        _("A reward was approved, rejected, released from its hold, reversed or paid."),
    ),
    EventType(PAYOUT_PAID, _("A payout was marked paid.")),
    EventType(DEAL_REGISTERED, _("A partner registered a deal that now holds its account.")),
    EventType(
        DEAL_CONFLICT,
        _("A partner registered a deal for an account another registration holds."),
    ),
    EventType(
        DEAL_STATUS_CHANGED,
        _("A deal was approved, rejected, won, lost or expired."),
    ),
]
EVENT_TYPES = tuple(event.name for event in CATALOGUE)


def subscribed(events: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to `events` receives `event_type`."""
    return ALL in events or event_type in events
