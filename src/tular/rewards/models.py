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
    """A batch of approved monetary rewards of one program and currency, paid together.

    Its life: `draft` (made, still changes: a reversal of one of its rewards lowers or drops
    that participant's item) → `sent` (exported to the bank or handed to a provider: frozen; a
    reversal now is a debt carried to the next payout) → `paid` (the money moved to the
    participants' paid balances) or `failed` (nothing was paid; its rewards are free again for a
    later payout)."""

    class Status(models.TextChoices):
        draft = "draft", _("draft")
        sent = "sent", _("sent")
        paid = "paid", _("paid")
        failed = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="payouts")
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.draft
    )
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")

    def __str__(self) -> str:
        return f"{self.program} {self.currency} {self.created_at:%Y-%m-%d}"


class PayoutItem(models.Model):
    """What one participant gets from a payout: their claimed rewards' unreversed amounts, less
    what they owed from rewards reversed after they were sent or paid (`netted`, zero or
    negative). While the payout is a draft the amount follows reversals of its rewards; from
    `sent` on it is fixed (it is what the export told the bank to pay), and reversals of its
    rewards add up in `reversed_after_send`: a debt the next payout nets."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))  # minor units, > 0
    netted = models.BigIntegerField(_("netted against earlier reversals"), default=0)
    reversed_after_send = models.BigIntegerField(_("reversed after it was sent"), default=0)

    class Meta:
        verbose_name = _("payout item")
        verbose_name_plural = _("payout items")
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "participant"], name="payout_item_per_participant"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_item_positive"),
            models.CheckConstraint(condition=models.Q(netted__lte=0), name="payout_item_netted"),
            models.CheckConstraint(
                condition=models.Q(reversed_after_send__gte=0),
                name="payout_item_reversed_after_send",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.amount}"


class Reward(models.Model):
    """What one rule gave one participant for one referral event. Its money moves in the
    ledger; `status` says where it stands."""

    id = models.UUIDField(primary_key=True, default=new_uuid7, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # program and participant: no index of their own, each leads a composite index below
    # (two indexes less to write per reward).
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="rewards", db_index=False
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="rewards", db_index=False
    )
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
    # The participant's share of the sale's commission when the program's attribution model
    # split it over several participants (docs/attribution.md); None when the reward is whole.
    attribution_share = models.DecimalField(
        _("attribution share"), max_digits=7, decimal_places=6, null=True, blank=True
    )
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
            # Insight: a program's rewards by day earned, approved and paid (rollups, medians).
            models.Index(fields=["program", "created_at"], name="reward_program_created"),
            models.Index(fields=["program", "approved_at"], name="reward_program_approved"),
            models.Index(fields=["program", "paid_at"], name="reward_program_paid"),
        ]
        constraints = [
            # One reward per (sale, rule, participant), and per (referral, rule, participant)
            # for the rules that fire on the referral itself (signup, qualified, won). With the
            # participant, a sale's commission split by the attribution model is one reward per
            # credited participant, each at most once.
            models.UniqueConstraint(
                fields=["conversion", "rule_index", "participant"],
                condition=models.Q(conversion__isnull=False),
                name="reward_once_per_conversion",
            ),
            models.UniqueConstraint(
                fields=["referral", "rule_index", "participant"],
                condition=models.Q(conversion__isnull=True),
                name="reward_once_per_referral",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="reward_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(amount__isnull=True, reversed_amount=0)
                    | models.Q(
                        amount__isnull=False,
                        reversed_amount__gte=0,
                        reversed_amount__lte=models.F("amount"),
                    )
                ),
                name="reward_reversed_within_amount",
            ),
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
    participant = models.ForeignKey(  # led by the index ledger_balance: none of its own
        Participant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    account = models.CharField(max_length=16, choices=Account.choices)
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()  # signed, minor units

    class Meta:
        indexes = [models.Index(fields=["participant", "currency"], name="ledger_balance")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.currency}"
