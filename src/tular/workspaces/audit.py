"""The audit log: who changed money or permissions, what, when, before and after.

Every service that approves, rejects, clears, pays, changes a program or creates/revokes a key
takes a keyword `actor` and calls `audit_record` inside its own transaction, so the entry
commits with the change or not at all. Callers say who acts: the API passes the request's key
(`Actor.for_api_key`), the console and admin the signed-in user (`Actor.for_user`), the worker
and the demo loader `Actor.system(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import ngettext

from tular.core import clock
from tular.core.jsonsafe import json_safe
from tular.workspaces.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who does something: a user, an API key, or the system (a job, a command)."""

    label: str
    user_id: int | None = None
    api_key_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(label=user.get_username() or f"user {user.pk}", user_id=user.pk)

    @classmethod
    def for_api_key(cls, key) -> Actor:
        return cls(label=f"API key {key.prefix}…", api_key_id=key.pk)

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(label=what)


SYSTEM = Actor.system()


def audit_record(
    *,
    workspace,
    actor: Actor | None,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the change's transaction")
    actor = actor or SYSTEM
    return AuditEntry.objects.create(
        workspace_id=getattr(workspace, "pk", workspace),
        at=clock.now(),
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor=actor.label[:200],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=json_safe(before),
        after=json_safe(after),
    )


def audit_list(*, workspace, target=None, after_id: int | None = None, limit: int = 100):
    """The workspace's entries, newest first; `target` narrows to one object."""
    entries = AuditEntry.objects.filter(workspace=workspace)
    if target is not None:
        entries = entries.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    if after_id is not None:
        entries = entries.filter(pk__lt=after_id)
    return list(entries.order_by("-pk")[: max(1, min(limit, 1000))])


def audit_filter(
    *,
    workspace,
    actor: str | None = None,
    target_type: str | None = None,
    action: str | None = None,
    since=None,
    until=None,
):
    """The workspace's entries (a queryset, newest first): `actor` is a part of who acted
    (any case), `target_type` and `action` exact, `since` inclusive and `until` exclusive."""
    entries = AuditEntry.objects.filter(workspace=workspace)
    if actor:
        entries = entries.filter(actor__icontains=actor)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-at", "-pk")


def audit_choices(*, workspace) -> tuple[list[str], list[str]]:
    """The object types and the actions the workspace's log holds (for filter menus)."""
    entries = AuditEntry.objects.filter(workspace=workspace)
    types = entries.order_by("target_type").values_list("target_type", flat=True).distinct()
    actions = entries.order_by("action").values_list("action", flat=True).distinct()
    return list(types), list(actions)


def audit_changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field that differs, for people to read; a creation
    lists its values with before None, a removal its values with after None."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old != new or not (before and after):
            changes.append((key, readable(old), readable(new)))
    return changes


def readable(value, limit: int = 80):
    """A JSON value as a short line for people: lists of objects by their count, objects as
    `key: value` pairs, long text cut."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            return ngettext("%(n)s item", "%(n)s items", len(value)) % {"n": len(value)}
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{key}: {readable(item, 30)}" for key, item in value.items())
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
