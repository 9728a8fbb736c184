"""Rewards, payouts and the ledger in Django's admin: read-only. Money moves only through the
services (approve, reject, payouts), which keep the status and the ledger together and record
who acted in the audit log; the admin's actions call them as the signed-in user."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tular.core.errors import DomainError
from tular.rewards.models import LedgerEntry, LedgerTransaction, Payout, PayoutItem, Reward
from tular.rewards.payouts import payout_mark_failed, payout_mark_paid, payout_send
from tular.rewards.services import reward_approve, reward_reject
from tular.workspaces.audit import Actor


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _each(admin_, request, queryset, change) -> None:
    """Apply `change(obj, actor)` to each selected object; a refusal is a warning, not a 500."""
    actor = Actor.for_user(request.user)
    done = 0
    for obj in queryset:
        try:
            change(obj, actor)
            done += 1
        except DomainError as exc:
            admin_.message_user(request, f"{obj}: {exc.detail}", messages.WARNING)
    admin_.message_user(request, _("Changed: %(count)d.") % {"count": done})


class ReadOnlyInline(admin.TabularInline):
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "participant",
        "program",
        "trigger",
        "kind",
        "amount",
        "currency",
        "reversed_amount",
        "status",
    )
    list_filter = ("status", "kind", "trigger", "program")
    search_fields = ("id", "participant__name", "participant__email", "perk")
    list_select_related = ("participant", "program")
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve the selected rewards"))
    def approve(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda reward, actor: reward_approve(reward=reward, actor=actor),
        )

    @admin.action(description=_("Reject the selected rewards"))
    def reject(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda reward, actor: reward_reject(
                reward=reward, reason=str(_("rejected in the admin")), actor=actor
            ),
        )


class PayoutItemInline(ReadOnlyInline):
    model = PayoutItem
    fields = ("participant", "amount", "netted", "reversed_after_send")
    readonly_fields = fields


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "program", "currency", "status", "sent_at", "paid_at")
    list_filter = ("status", "currency", "program")
    inlines = [PayoutItemInline]
    actions = ["send", "mark_paid", "mark_failed"]

    @admin.action(description=_("Send the selected payouts (freeze them)"))
    def send(self, request, queryset):
        _each(
            self, request, queryset, lambda payout, actor: payout_send(payout=payout, actor=actor)
        )

    @admin.action(description=_("Mark the selected payouts paid"))
    def mark_paid(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda payout, actor: payout_mark_paid(payout=payout, actor=actor),
        )

    @admin.action(description=_("Mark the selected payouts failed"))
    def mark_failed(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda payout, actor: payout_mark_failed(
                payout=payout, reason=str(_("marked failed in the admin")), actor=actor
            ),
        )


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ("account", "participant", "amount", "currency")
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "reward", "payout", "memo")
    list_filter = ("kind",)
    inlines = [LedgerEntryInline]
