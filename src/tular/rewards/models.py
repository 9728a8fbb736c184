from django.db import models
from django.utils.translation import gettext_lazy as _

from tular.core.ids import new_uuid7
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.workspaces.models import Workspace


class RewardStatus(models.TextChoices):
    pending = "pending", _("pending")
    approved = "approved", _("approved")
    needs_review = "needs_review", _("needs review")
    rejected = "rejected", _("rejected")
    reversed = "reversed", _("reversed")
    paid = "paid", _("paid")


class Payout(models.Model):
    """A batch of approved monetary rewards of one program and currency, paid together."""

    class Status(models.TextChoices):
        open = "open", _("to be paid")
        paid = "paid", _("paid")

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="payouts")
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default="open")
    created_at = models.DateTimeField(_("created at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")

    def __str__(self) -> str:
        return f"{self.program} {self.currency} {self.created_at:%Y-%m-%d}"


class PayoutItem(models.Model):
    """What one participant gets from a payout: their claimed rewards' unreversed amounts, less
    what they owed from rewards reversed after they were paid (`netted`, zero or negative). The
    amount is fixed when the payout is made (it is what the export tells the bank to pay)."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))  # minor units, > 0
    netted = models.BigIntegerField(_("netted against earlier reversals"), default=0)

    class Meta:
        verbose_name = _("payout item")
        verbose_name_plural = _("payout items")
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "participant"], name="payout_item_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.amount}"


class Reward(models.Model):
    """What one rule gave one participant for one referral event. Its money moves in the
    ledger; `status` says where it stands."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rewards")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="rewards")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="rewards"
    )
    conversion = models.ForeignKey(
        "referrals.Conversion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rewards",
    )
    rule_index = models.PositiveSmallIntegerField(_("rule"))
    trigger = models.CharField(_("trigger"), max_length=16)
    recipient = models.CharField(_("recipient"), max_length=16)
    kind = models.CharField(_("kind"), max_length=16)
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    perk = models.CharField(_("perk"), max_length=200, blank=True)
    percent = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    base_amount = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RewardStatus.choices)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reversed_amount = models.BigIntegerField(_("reversed"), default=0)
    hold_until = models.DateTimeField(_("held until"))
    payout = models.ForeignKey(
        Payout, on_delete=models.SET_NULL, null=True, blank=True, related_name="rewards"
    )
    # Time to reward (R30, R44): from the referral and from the conversion.
    referred_at = models.DateTimeField(_("referred at"))
    converted_at = models.DateTimeField(_("converted at"))
    created_at = models.DateTimeField(_("created at"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        indexes = [
            models.Index(fields=["status", "hold_until"], name="reward_due"),
            models.Index(fields=["participant", "rule_index", "created_at"], name="reward_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount or self.perk} ({self.status})"

    @property
    def is_monetary(self) -> bool:
        return self.amount is not None


class LedgerTransaction(models.Model):
    """One movement of money: its entries sum to zero per currency. Never updated or deleted."""

    class Kind(models.TextChoices):
        earned = "earned", _("reward earned")
        approved = "approved", _("reward approved")
        rejected = "rejected", _("reward rejected")
        reversed = "reversed", _("reward reversed")
        paid = "paid", _("payout paid")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Account(models.TextChoices):
    # A participant's balances (api-v1: balances pending / approved / paid).
    pending = "pending", _("pending")
    approved = "approved", _("approved")
    paid = "paid", _("paid")
    # The program's side of every reward.
    program_expense = "program_expense", _("program expense")


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    account = models.CharField(max_length=16, choices=Account.choices)
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()  # signed, minor units

    class Meta:
        indexes = [models.Index(fields=["participant", "currency"], name="ledger_balance")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.currency}"
