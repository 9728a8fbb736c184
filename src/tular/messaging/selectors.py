"""Reads of the outbox (no writes here)."""

from tular.messaging.models import OutboundEmail


def emails_filter(*, workspace=None, kind: str | None = None, status: str | None = None):
    """E-mails newest first (a queryset, for a page), filtered by kind and status. A console
    page passes its `workspace`; None means every workspace and e-mails with none (for
    superusers)."""
    emails = OutboundEmail.objects.all()
    if workspace is not None:
        emails = emails.filter(workspace=workspace)
    if kind is not None:
        emails = emails.filter(kind=kind)
    if status is not None:
        emails = emails.filter(status=status)
    return emails.order_by("-created_at", "-pk")


def emails_about_referral(*, referral) -> list[OutboundEmail]:
    """The e-mails about one lead (its referrer's pipeline news), oldest first: for the
    console's referral page ("messages sent")."""
    return list(OutboundEmail.objects.filter(referral=referral).order_by("created_at", "pk"))
