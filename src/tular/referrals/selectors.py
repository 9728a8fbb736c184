"""Reads about referrals and what they led to."""

from tular.participants.models import Participant
from tular.referrals.models import Conversion, ConversionKind, Referral
from tular.tracking.models import Click


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
):
    """The workspace's referrals, narrowed by any of the filters (None: not narrowed)."""
    referrals = Referral.objects.select_related("program").filter(workspace=workspace)
    if program_slug is not None:
        referrals = referrals.filter(program__slug=program_slug)
    if participant_id is not None:
        referrals = referrals.filter(participant_id=participant_id)
    if status is not None:
        referrals = referrals.filter(status=status)
    if customer_external_id is not None:
        referrals = referrals.filter(customer_external_id=customer_external_id)
    return referrals
