"""Routing of leads from protected accounts (R32): a lead whose e-mail domain belongs to a
company that a partner's active deal registration holds goes to that partner, whoever sent
it (the direct team's intake, another partner or referrer, the /refer/ form), and both sides
are told by e-mail. The sender is never told who holds the account.

`referral_submit` (referrals.pipeline) asks `lead_route` before it writes the lead and, when
routed, writes the lead in the holder's name and program and calls `lead_routed_tell` inside
its transaction (the e-mails are outbox rows: a rollback sends nothing). A tracked sign-up
(`track_signup`) through a partner's link in a partner program is routed the same way when the
holder is a partner of that program ("another partner's link"); a sign-up in a customer program
stays with its referrer by attribution.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from tular.deals.models import Deal
from tular.deals.services import protection_holder
from tular.messaging.services import email_send
from tular.participants.models import Participant
from tular.participants.signin import language_of_person
from tular.referrals.models import Referral


@dataclass(frozen=True)
class Routed:
    """A lead sent to the partner whose deal protects its company."""

    deal: Deal
    holder: Participant
    sent_by: Participant


def lead_route(*, referrer: Participant, email_normalised: str) -> Routed | None:
    """The partner a lead must go to (its e-mail's company is protected by an active deal of
    another participant of the workspace), or None when it stays with `referrer`."""
    deal = protection_holder(workspace=referrer.workspace_id, email=email_normalised)
    if deal is None or deal.partner_id == referrer.pk:
        return None
    return Routed(deal=deal, holder=deal.partner, sent_by=referrer)


def _language(participant: Participant) -> str:
    return language_of_person(None, [participant], participant.workspace)


def lead_routed_tell(*, referral: Referral, routed: Routed) -> None:
    """E-mail both sides, in the caller's transaction: the holder gets the lead, the sender
    learns that it went to the partner who holds the account (not which partner)."""
    common = {
        "lead_name": referral.name or referral.email,
        "lead_email": referral.email,
        "lead_company": referral.company or routed.deal.company,
        "domain": routed.deal.domain_normalised,
        "workspace_name": referral.workspace.name,
    }
    holder = routed.holder
    language = _language(holder)
    with translation.override(language):
        email_send(
            to=holder.email,
            kind="deal_lead_routed",
            template="deal_lead_routed_holder",
            context={
                **common,
                "partner_name": holder.name or holder.email,
                "program_name": routed.deal.program.name,
                "deal_company": routed.deal.company,
            },
            language=language,
            workspace=referral.workspace,
        )
    sender = routed.sent_by
    language = _language(sender)
    with translation.override(language):
        email_send(
            to=sender.email,
            kind="deal_lead_routed",
            template="deal_lead_routed_sender",
            context={**common, "sender_name": sender.name or sender.email},
            language=language,
            workspace=referral.workspace,
        )
