from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tular.core.errors import Conflict
from tular.referrals.models import Conversion, Referral
from tular.referrals.services import referral_clear
from tular.workspaces.audit import Actor


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "name",
        "email",
        "participant",
        "program",
        "status",
        "flag_reason",
        "first_sale_at",
    )
    list_filter = ("status", "program")
    list_select_related = ("participant", "program")
    search_fields = ("name", "email", "customer_external_id", "participant__code")
    readonly_fields = [field.name for field in Referral._meta.fields]
    actions = ["clear_flag"]

    @admin.action(description=_("Clear the flag: the referral earns its rewards"))
    def clear_flag(self, request, queryset):
        cleared = 0
        for referral in queryset:
            try:
                referral_clear(referral=referral, actor=Actor.for_user(request.user))
                cleared += 1
            except Conflict as exc:
                self.message_user(request, f"{referral}: {exc.detail}", messages.WARNING)
        self.message_user(
            request,
            ngettext("%(count)d referral cleared.", "%(count)d referrals cleared.", cleared)
            % {"count": cleared},
        )

    def has_add_permission(self, request):
        return False


@admin.register(Conversion)
class ConversionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "amount", "currency", "invoice_id", "referral")
    list_filter = ("kind", "currency", "program")
    list_select_related = ("referral",)
    search_fields = ("invoice_id", "referral__customer_external_id")
    readonly_fields = [field.name for field in Conversion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # conversions carry money: corrected by refunds, never deleted
