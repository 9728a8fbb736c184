"""Webhooks out: endpoints (the API and the console call these), `webhook_emit` (the other apps
call it when something happens), redelivery.

    from tular.webhooks import events
    from tular.webhooks.services import webhook_emit

    webhook_emit(workspace=workspace, type=events.REWARD_CREATED, data={"id": ..., ...})

`webhook_emit` writes the message and one delivery per subscribed endpoint in the caller's
transaction (an outbox: a rollback sends nothing); the worker's task is enqueued when that
transaction commits, and the periodic job (webhooks/jobs.py) finds a task that was lost.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import Conflict, Invalid, NotFound
from tular.core.ids import parse_uuid
from tular.core.jsonsafe import json_safe
from tular.webhooks import events, guard, signing
from tular.webhooks.models import Attempt, Delivery, Endpoint, Message
from tular.webhooks.tasks import deliver_webhook
from tular.workspaces.audit import Actor, audit_record

logger = logging.getLogger(__name__)

MAX_ENDPOINTS = 20  # per workspace
# After a rotation the old secret still signs (as a second signature) this long.
ROTATION_OVERLAP = timedelta(hours=24)
# Messages older than this are deleted with their deliveries and attempts.
RETENTION = timedelta(days=30)
UPDATABLE = ("url", "events", "enabled", "description")


# ------------------------------------------------------------------------------ endpoints


def _url(url: str) -> str:
    url = (url or "").strip()
    try:
        guard.check(url)
    except guard.Refused as refused:
        raise Invalid(["url"], refused.reason) from None
    return url


def _events(names) -> list[str]:
    """The subscription as stored: known names in catalogue order, or ["*"]."""
    if not isinstance(names, list | tuple) or not names:
        raise Invalid(["events"], _('Choose at least one event, or "*" for all of them.'))
    unknown = [name for name in names if name != events.ALL and name not in events.EVENT_TYPES]
    if unknown:
        raise Invalid(
            ["events"],
            _("Unknown event %(name)s; the events are %(known)s, or * for all of them.")
            % {"name": unknown[0], "known": ", ".join(events.EVENT_TYPES)},
        )
    if events.ALL in names:
        return [events.ALL]
    return [name for name in events.EVENT_TYPES if name in names]


def _description(text) -> str:
    text = (text or "").strip()
    if len(text) > 200:
        raise Invalid(["description"], _("Write at most 200 characters."))
    return text


def _snapshot(endpoint: Endpoint) -> dict:
    """What the audit log keeps of an endpoint (never its secret)."""
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "description": endpoint.description,
    }


@transaction.atomic
def endpoint_create(
    *, workspace, url: str, events: list[str], description: str = "", actor: Actor | None = None
) -> Endpoint:
    """A new endpoint with a new secret (`endpoint.secret`, to show the creator). The URL must
    resolve to public addresses only (unless TULAR_WEBHOOKS_ALLOW_PRIVATE): 422 otherwise."""
    url, subscribed = _url(url), _events(events)
    description = _description(description)
    if Endpoint.objects.filter(workspace=workspace).count() >= MAX_ENDPOINTS:
        raise Conflict(
            _("A workspace can have at most %(n)s webhook endpoints; delete one first.")
            % {"n": MAX_ENDPOINTS}
        )
    now = clock.now()
    _unheard.clear()
    endpoint = Endpoint.objects.create(
        workspace=workspace,
        url=url,
        events=subscribed,
        description=description,
        secret=signing.new_secret(),
        created_at=now,
        updated_at=now,
    )
    audit_record(
        workspace=workspace,
        actor=actor,
        action="webhook_endpoint.create",
        target=endpoint,
        after=_snapshot(endpoint),
    )
    return endpoint


def _locked(endpoint: Endpoint) -> Endpoint:
    return Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)


def _fail_pending(endpoint: Endpoint, why: str) -> None:
    now = clock.now()
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).exclude(
        leased_until__gt=now
    ).update(status=Delivery.Status.FAILED, last_error=why)


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, changes: dict, actor: Actor | None = None) -> Endpoint:
    """Change any of url, events, enabled, description (those in `changes`). Turning it off
    fails its pending deliveries; turning it on again sends what happens from then on (and
    what a person redelivers)."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    endpoint = _locked(endpoint)
    before = _snapshot(endpoint)
    if "url" in changes:
        endpoint.url = _url(changes["url"])
    if "events" in changes:
        endpoint.events = _events(changes["events"])
    if "description" in changes:
        endpoint.description = _description(changes["description"])
    now = clock.now()
    if "enabled" in changes and bool(changes["enabled"]) != endpoint.enabled:
        endpoint.enabled = bool(changes["enabled"])
        if endpoint.enabled:
            endpoint.disabled_reason, endpoint.disabled_at = "", None
        else:
            endpoint.disabled_reason = Endpoint.DisabledReason.MANUAL
            endpoint.disabled_at = now
            _fail_pending(endpoint, "the endpoint was turned off")
    after = _snapshot(endpoint)
    if after == before:
        return endpoint
    endpoint.updated_at = now
    endpoint.save()
    _unheard.clear()
    audit_record(
        workspace=endpoint.workspace_id,
        actor=actor,
        action="webhook_endpoint.update",
        target=endpoint,
        before=before,
        after=after,
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor: Actor | None = None) -> None:
    """The endpoint goes, with its deliveries and their log; nothing more is sent to it."""
    endpoint = _locked(endpoint)
    audit_record(
        workspace=endpoint.workspace_id,
        actor=actor,
        action="webhook_endpoint.delete",
        target=endpoint,
        before=_snapshot(endpoint),
    )
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, actor: Actor | None = None) -> Endpoint:
    """A new secret (`endpoint.secret`, to show once). For 24 hours every delivery carries a
    second signature made with the old one, so the receiver can switch without a gap."""
    endpoint = _locked(endpoint)
    now = clock.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = now
    endpoint.save(
        update_fields=["previous_secret", "previous_secret_until", "secret", "updated_at"]
    )
    audit_record(
        workspace=endpoint.workspace_id,
        actor=actor,
        action="webhook_endpoint.rotate_secret",
        target=endpoint,
        after={"previous_secret_signs_until": endpoint.previous_secret_until},
    )
    return endpoint


def endpoints_filter(*, workspace):
    return Endpoint.objects.filter(workspace=workspace).order_by("created_at", "pk")


def endpoint_get(*, workspace, endpoint_id) -> Endpoint:
    pk = parse_uuid(endpoint_id)
    endpoint = (
        Endpoint.objects.filter(workspace=workspace, pk=pk).first() if pk is not None else None
    )
    if endpoint is None:
        raise NotFound(_("No webhook endpoint with this id in this workspace."))
    return endpoint


# ------------------------------------------------------------------------------- emitting


def _message(*, workspace, type: str, data: dict) -> Message:
    now = clock.now()
    envelope = {
        "type": type,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": json_safe(data),
    }
    return Message.objects.create(
        workspace_id=getattr(workspace, "pk", workspace),
        type=type,
        body=json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
        created_at=now,
    )


def _deliver(message: Message, endpoints: list[Endpoint]) -> list[Delivery]:
    now = message.created_at
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(endpoint=endpoint, message=message, next_attempt_at=now, created_at=now)
            for endpoint in endpoints
        ]
    )
    ids = [str(delivery.pk) for delivery in deliveries]

    def enqueue():
        for delivery_id in ids:
            deliver_webhook.enqueue(delivery_id)

    # robust: the caller's work is committed whatever the queue says; a task that could not be
    # enqueued is found by the periodic job a minute later.
    transaction.on_commit(enqueue, robust=True)
    return deliveries


# (workspace id, event type) → until when (time.monotonic) this process takes it that no
# enabled endpoint listens, without asking the database: the tracking use cases emit two or
# three events each, and most workspaces have no endpoint. Only "nobody listens" is kept (a
# cached endpoint could be deleted meanwhile; its delivery's foreign key would break the
# caller's transaction), for TULAR_REDIRECT_CACHE_SECONDS as the redirect's codes: an
# endpoint created or switched on in another process hears events that much later. A change
# in this process forgets at once.
_unheard: dict[tuple[int, str], float] = {}
_UNHEARD_LIMIT = 10_000


def webhook_emit(*, workspace, type: str, data: dict) -> Message | None:
    """Send the event `type` (one of events.EVENT_TYPES) with `data` to every enabled endpoint
    of the workspace subscribed to it. Call it inside the transaction of the change it tells
    of: the message and its deliveries are written there, and posted by the worker after the
    commit. `data` is stored as JSON would give it back (UUIDs, dates and Decimals as text).
    Returns the message, or None when no endpoint listens (then nothing is written)."""
    if type not in events.EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type!r}")
    workspace_id = getattr(workspace, "pk", workspace)
    ttl = settings.TULAR_REDIRECT_CACHE_SECONDS
    now = time.monotonic()
    if ttl and _unheard.get((workspace_id, type), 0.0) > now:
        return None
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(workspace_id=workspace_id, enabled=True)
        if events.subscribed(endpoint.events, type)
    ]
    if not endpoints:
        if ttl:
            if len(_unheard) >= _UNHEARD_LIMIT:
                _unheard.clear()
            _unheard[(workspace_id, type)] = now + ttl
        return None
    message = _message(workspace=workspace_id, type=type, data=data)
    _deliver(message, endpoints)
    return message


@transaction.atomic
def endpoint_send_test(*, endpoint: Endpoint) -> Delivery:
    """A `webhook.test` event to this endpoint only (whatever it subscribes to), delivered and
    retried like any other; 409 when the endpoint is off."""
    if not endpoint.enabled:
        raise Conflict(_("This endpoint is turned off; turn it on to send to it."))
    message = _message(
        workspace=endpoint.workspace_id,
        type=events.TEST,
        data={"endpoint_id": endpoint.pk, "message": "Hello from Tular."},
    )
    return _deliver(message, [endpoint])[0]


# ----------------------------------------------------------------------------- deliveries


def deliveries_filter(*, endpoint: Endpoint, status: str | None = None):
    deliveries = Delivery.objects.filter(endpoint=endpoint).select_related("message")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries


def delivery_get(*, workspace, delivery_id) -> Delivery:
    pk = parse_uuid(delivery_id)
    delivery = (
        Delivery.objects.filter(endpoint__workspace=workspace, pk=pk)
        .select_related("endpoint", "message")
        .first()
        if pk is not None
        else None
    )
    if delivery is None:
        raise NotFound(_("No webhook delivery with this id in this workspace."))
    return delivery


def attempts_of(deliveries) -> dict:
    """delivery id → its attempts, oldest first, for a page of deliveries (one query)."""
    log: dict = {delivery.pk: [] for delivery in deliveries}
    for attempt in Attempt.objects.filter(delivery__in=list(log)).order_by("delivery", "number"):
        log[attempt.delivery_id].append(attempt)
    return log


def delivery_redeliver(*, delivery: Delivery, actor: Actor | None = None) -> Delivery:
    """Send a delivery again, now, with a fresh round of attempts (the same `webhook-id`, so a
    receiver that had it folds the repeat). A pending one is brought forward to now. 409 while
    an attempt is running, or when the endpoint is off."""
    now = clock.now()
    with transaction.atomic():
        endpoint = Endpoint.objects.filter(pk=delivery.endpoint_id).values("enabled").first()
        if endpoint is None or not endpoint["enabled"]:
            raise Conflict(_("This endpoint is turned off; turn it on to send to it."))
        free = Delivery.objects.filter(pk=delivery.pk).exclude(leased_until__gt=now)
        changed = free.update(
            status=Delivery.Status.PENDING,
            round_start=F("attempts"),
            next_attempt_at=now,
            leased_until=None,
        )
        if changed != 1:
            raise Conflict(_("An attempt of this delivery is running now; try again shortly."))
        delivery_id = str(delivery.pk)
        transaction.on_commit(lambda: deliver_webhook.enqueue(delivery_id), robust=True)
    delivery.refresh_from_db()
    return delivery


def messages_prune(*, now=None) -> int:
    """Delete messages older than RETENTION that nothing is still trying to deliver."""
    cutoff = (now or clock.now()) - RETENTION
    old = Message.objects.filter(created_at__lt=cutoff).exclude(
        deliveries__status=Delivery.Status.PENDING
    )
    deleted, _counts = old.delete()
    return deleted
