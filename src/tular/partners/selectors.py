"""Which participants are partners.

A partner is a participant of kind partner or reseller. A reseller program enrols the customers
its partners refer as participants too (their own link, their friend reward: R3), and they get
the program's default kind, reseller; such a referred friend is a customer, not a partner,
unless someone gave it an organisation profile.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from tular.participants.models import Participant
from tular.partners.profiles import PARTNER_KINDS
from tular.referrals.models import Referral


def partners_only(participants: QuerySet) -> QuerySet:
    """`participants` narrowed to partners."""
    referred = Referral.objects.filter(friend=OuterRef("pk"))
    return participants.filter(kind__in=PARTNER_KINDS).filter(
        Q(partner_profile__isnull=False) | ~Exists(referred)
    )


def partners_of(**lookups) -> QuerySet:
    """The partners among the participants matching `lookups` (e.g. program=…)."""
    return partners_only(Participant.objects.filter(**lookups))
