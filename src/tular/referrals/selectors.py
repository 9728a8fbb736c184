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
