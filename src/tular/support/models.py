"""Support tickets of the partner portal (R34): a partner asks the program's team, the thread of
messages goes back and forth, each side is e-mailed when the other writes (docs/support.md).

The status says whose turn it is: `new` (nobody of the team has answered yet), `waiting_on_us`
(the partner wrote last), `waiting_on_partner` (the team answered) and `closed`. `waiting_since`
is when the partner's oldest unanswered message came in (None while the team is not owed an
answer): the inbox lists the unanswered first, oldest first, with their age.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core import clock
from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.workspaces.models import Workspace

SUBJECT_MAX = 200
BODY_MAX = 10_000


class TicketStatus(models.TextChoices):
    new = "new", _("new")
    waiting_on_us = "waiting_on_us", _("waiting on us")
    waiting_on_partner = "waiting_on_partner", _("waiting on the partner")
    closed = "closed", _("closed")


# The team owes an answer.
NEEDS_REPLY = (TicketStatus.new, TicketStatus.waiting_on_us)


class TicketCategory(models.TextChoices):
    deals = "deals", _("deal registration")
    commissions = "commissions", _("commissions and payouts")
    technical = "technical", _("technical")
    marketing = "marketing", _("marketing")
    other = "other", _("other")


class TicketPriority(models.TextChoices):
    low = "low", _("low")
    normal = "normal", _("normal")
    high = "high", _("high")
    urgent = "urgent", _("urgent")


class Ticket(models.Model):
    """One question of a partner (its participant) to the program's team."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("partner")
    )
    # Who of the partner opened it (a partner's member signs in with their own address): the
    # team's answers are e-mailed there.
    contact_name = models.CharField(_("contact's name"), max_length=200, blank=True, default="")
    contact_email = models.EmailField(_("contact's e-mail"), max_length=254)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    category = models.CharField(
        _("category"), max_length=16, choices=TicketCategory.choices, default=TicketCategory.other
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.new
    )
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=TicketPriority.choices,
        default=TicketPriority.normal,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    created_at = models.DateTimeField(_("opened at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    # The last message either side can read (internal notes do not count).
    last_message_at = models.DateTimeField(_("last message"), default=clock.now)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.CharField(_("closed by"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_at__isnull=False)
                | (~models.Q(status="closed") & models.Q(closed_at__isnull=True)),
                name="ticket_closed_at_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "waiting_since"], name="ticket_inbox"),
            models.Index(fields=["participant", "last_message_at"], name="ticket_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.status})"

    @property
    def needs_reply(self) -> bool:
        return self.status in NEEDS_REPLY


class Side(models.TextChoices):
    partner = "partner", _("partner")
    team = "team", _("team")


class TicketMessage(models.Model):
    """One message of a ticket's thread: the partner's (its participant, the member's name in
    `author_name`) or the team's (a user, an API key or the system: `author_user` is set for a
    user). An internal note is the team's only and never shown to the partner."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(_("from"), max_length=8, choices=Side.choices)
    author_participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too: who wrote it stays readable after the user is gone.
    author_name = models.CharField(_("author"), max_length=200)
    body = models.TextField(_("message"), max_length=BODY_MAX)
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("written at"), default=clock.now)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]
        constraints = [
            # The author is the partner's participant or someone of the team, never both.
            models.CheckConstraint(
                condition=models.Q(
                    side="partner",
                    author_participant__isnull=False,
                    author_user__isnull=True,
                    internal=False,
                )
                | models.Q(side="team", author_participant__isnull=True),
                name="ticket_message_one_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.side} {self.created_at:%Y-%m-%d %H:%M}"
