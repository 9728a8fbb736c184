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
