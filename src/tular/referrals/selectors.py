"""Reads about referrals and what they led to."""

from django.db.models import Q

from tular.core.ids import parse_uuid
from tular.participants.models import Participant
from tular.referrals.models import Conversion, ConversionKind, Referral, ReferralStatus
from tular.tracking.models import Click
from tular.workspaces.models import AuditEntry


def participant_stats(*, participant: Participant) -> dict:
    """The contract's `stats`: clicks on the link, referred sign-ups, sales they made."""
    return {
        "clicks": Click.objects.filter(participant=participant).count(),
        "signups": Referral.objects.filter(participant=participant).count(),
        "conversions": Conversion.objects.filter(
            referral__participant=participant, kind=ConversionKind.sale
        ).count(),
    }


def referrals_filter(
    *,
    workspace,
    program_slug: str | None = None,
    participant_id=None,
    status: str | None = None,
    customer_external_id: str | None = None,
    q: str | None = None,
):
    """The workspace's referrals, narrowed by any of the filters (None: not narrowed); `q`
    searches the customer (name, e-mail, company, external id) and the referrer (name,
    e-mail)."""
    referrals = Referral.objects.select_related("program", "participant").filter(
        workspace=workspace
    )
    if program_slug is not None:
        referrals = referrals.filter(program__slug=program_slug)
    if participant_id is not None:
        referrals = referrals.filter(participant_id=participant_id)
    if status is not None:
        referrals = referrals.filter(status=status)
    if customer_external_id is not None:
        referrals = referrals.filter(customer_external_id=customer_external_id)
    if q:
        referrals = referrals.filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(company__icontains=q)
            | Q(customer_external_id__icontains=q)
            | Q(participant__name__icontains=q)
            | Q(participant__email__icontains=q)
        )
    return referrals


def referrals_flagged(*, workspace):
    """The review queue: flagged referrals, oldest first (the longest waiting on top)."""
    return (
        Referral.objects.select_related("program", "participant")
        .filter(workspace=workspace, status=ReferralStatus.flagged)
        .order_by("created_at", "pk")
    )


def referral_get(*, workspace, referral_id) -> Referral | None:
    """One referral of the workspace; an id of another workspace (or no id) reads as None."""
    parsed = parse_uuid(referral_id)
    if parsed is None:
        return None
    return (
        Referral.objects.select_related("program", "participant", "friend")
        .filter(workspace=workspace, pk=parsed)
        .first()
    )


def referral_history(*, referral: Referral) -> list[dict]:
    """What happened to a referral, oldest first: referred, each sale / refund / cancellation,
    and each review (clear, reject) from the audit log with who did it and why. Each entry:
    {"at", "kind", "conversion"?, "actor"?, "reason"?}."""
    events = [{"at": referral.created_at, "kind": "referred"}]
    events += [
        {"at": conversion.occurred_at, "kind": conversion.kind, "conversion": conversion}
        for conversion in referral.conversions.order_by("occurred_at", "pk")
    ]
    events += [
        {
            "at": entry.at,
            "kind": entry.action.removeprefix("referral."),
            "actor": entry.actor,
            "reason": (entry.after or {}).get("reason", ""),
        }
        for entry in AuditEntry.objects.filter(
            workspace_id=referral.workspace_id,
            target_type=Referral._meta.label_lower,
            target_id=str(referral.pk),
        ).order_by("at", "pk")
    ]
    return sorted(events, key=lambda event: event["at"])
