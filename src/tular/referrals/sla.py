"""Service levels and follow-ups the worker watches (R18, R20, R61): a lead past its due time
is flagged (its `due_at` is in the past, the queue lists it first) and its owner is e-mailed
once per missed level; a lead that went dark comes back to its owner when its re-contact date
arrives. No owner: the workspace's owners and managers are told.

Each tell is claimed with a conditional UPDATE before the e-mail is queued in the same
transaction, so two workers running the job tell once.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tular.core import clock
from tular.messaging.services import email_language, email_send
from tular.referrals.models import Referral
from tular.referrals.notify import public_base
from tular.referrals.pipeline import S, overdue, sla_hours
from tular.workspaces.models import Membership, Role

BATCH = 200


def due_label(kind: str) -> str:
    return {
        "acknowledge": _("acknowledge the lead"),
        "contact": _("first contact with the lead"),
        "meeting": _("first meeting with the lead"),
    }.get(kind, kind)


def team_for(referral: Referral) -> list:
    """Who to tell about a lead: its owner, else the workspace's owners and managers."""
    if referral.owner_id is not None and referral.owner.is_active:
        return [referral.owner]
    return [
        membership.user
        for membership in Membership.objects.select_related("user").filter(
            workspace_id=referral.workspace_id,
            role__in=[Role.OWNER, Role.MANAGER],
            user__is_active=True,
        )
    ]


def console_link(referral: Referral) -> str:
    return public_base() + reverse("console:referrals-detail", args=[referral.pk])


def _language_of(user, workspace) -> str:
    preference = getattr(user, "preference", None)
    return email_language(getattr(preference, "language", None) or workspace.default_language)


def _tell(*, referral: Referral, kind: str, template: str, extra: dict) -> int:
    told = 0
    for user in team_for(referral):
        if not user.email:
            continue
        language = _language_of(user, referral.workspace)
        with translation.override(language):
            context = {
                "due_label": due_label(extra.get("due_kind", "")),
                "lead_name": referral.name,
                "lead_company": referral.company,
                "program_name": referral.program.name,
                "referrer_name": referral.participant.name or referral.participant.email,
                "link": console_link(referral),
                **{key: str(value) for key, value in extra.items()},
            }
        email_send(
            to=user.email,
            kind=kind,
            template=template,
            context=context,
            language=language,
            workspace=referral.workspace,
        )
        told += 1
    return told


def overdue_tell(*, now=None) -> int:
    """E-mail the owner of each lead whose service level is past due, once per level.
    Returns how many leads were told about."""
    now = now or clock.now()
    late = (
        overdue(Referral.objects.all(), now=now)
        .select_related("program", "participant", "owner", "workspace")
        .order_by("due_at")[:BATCH]
    )
    count = 0
    for referral in late:
        if referral.overdue_told == referral.due_kind:
            continue
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk,
                due_kind=referral.due_kind,
                overdue_told=referral.overdue_told,
                status=referral.status,
            ).update(overdue_told=referral.due_kind)
            if claimed != 1:
                continue
            hours = sla_hours(referral.program)[referral.due_kind]
            _tell(
                referral=referral,
                kind="pipeline_overdue",
                template="team_overdue",
                extra={"due_kind": referral.due_kind, "hours": hours},
            )
        count += 1
    return count


def recontact_tell(*, now=None) -> int:
    """A lead that went dark is due for another try (R61): its owner is told once, and the
    queue lists it with the late ones."""
    now = now or clock.now()
    due = Referral.objects.filter(
        status=S.dark, recontact_at__lte=now, recontact_told_at__isnull=True
    ).select_related("program", "participant", "owner", "workspace")[:BATCH]
    count = 0
    for referral in due:
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, status=S.dark, recontact_told_at__isnull=True
            ).update(recontact_told_at=now)
            if claimed != 1:
                continue
            _tell(
                referral=referral,
                kind="pipeline_recontact",
                template="team_recontact",
                extra={"dark_since": referral.status_changed_at.date().isoformat()},
            )
        count += 1
    return count
