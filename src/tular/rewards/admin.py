"""Rewards, payouts and the ledger in Django's admin: read-only. Money moves only through the
services (approve, reject, payouts), which keep the status and the ledger together."""

from django.contrib import admin

from tular.rewards.models import LedgerEntry, LedgerTransaction, Payout, PayoutItem, Reward


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


class PayoutItemInline(ReadOnlyInline):
    model = PayoutItem
    fields = ("participant", "amount", "netted")
    readonly_fields = fields


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "program", "currency", "status", "paid_at")
    list_filter = ("status", "currency", "program")
    inlines = [PayoutItemInline]


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ("account", "participant", "amount", "currency")
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "reward", "payout", "memo")
    list_filter = ("kind",)
    inlines = [LedgerEntryInline]
