"""Console pages: partners (R2, R33) — the list with tiers, a partner's page (profile,
members, tier and its history, moving the tier by hand), the tiers and tier rules of each
partner program with its application settings, and the applications queue (one or many
approved or rejected with a reason).

Each action calls the same service as its API endpoint (tular.partners: profiles, tiers,
applications)."""

from __future__ import annotations

from babel.numbers import format_percent
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.core import clock
from tular.core.errors import Conflict, FieldConflict, Invalid
from tular.core.forms import StyledForm
from tular.core.ids import parse_uuid
from tular.core.templatetags.ui import EMPTY, babel_locale
from tular.participants.models import Participant
from tular.partners import applications as application_services
from tular.partners.models import (
    ApplicationStatus,
    MemberRole,
    PartnerApplication,
    PartnerMember,
    PartnerType,
    TierChange,
    TierRule,
)
from tular.partners.performance import partner_performance, top_share_by_month
from tular.partners.profiles import (
    PARTNER_PROGRAM_KINDS,
    member_add,
    member_invite,
    member_remove,
    partner_profile_save,
)
from tular.partners.selectors import partners_of
from tular.partners.tiers import (
    partner_set_tier,
    tier_create,
    tier_release,
    tier_rule_create,
    tier_rule_delete,
    tiers_of,
)
from tular.programs.models import PartnerRateKind, Program
from tular.rewards.engine import add_months

PER_PAGE = 50


def _partner_programs(request):
    return (
        Program.objects.filter(workspace=request.workspace, kind__in=PARTNER_PROGRAM_KINDS)
        .exclude(status="archived")
        .order_by("name")
    )


def _base(request) -> str:
    return request.build_absolute_uri("/")[:-1]


# --- forms ----------------------------------------------------------------------------------


class ProfileForm(StyledForm, forms.Form):
    legal_name = forms.CharField(label=gettext_lazy("Legal name"), max_length=200)
    partner_type = forms.ChoiceField(
        label=gettext_lazy("Partner type"), choices=PartnerType.choices
    )
    website = forms.CharField(label=gettext_lazy("Website"), max_length=500, required=False)
    country = forms.CharField(
        label=gettext_lazy("Country"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("Two letters, e.g. ID."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MemberForm(StyledForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=MemberRole.choices, initial=MemberRole.member
    )


class SetTierForm(StyledForm, forms.Form):
    tier = forms.ChoiceField(label=gettext_lazy("Tier"), required=False)
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=500, required=False)

    def __init__(self, *args, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", _("No tier"))] + [
            (str(tier.pk), tier.name) for tier in tiers
        ]


class TierForm(StyledForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    rank = forms.IntegerField(
        label=gettext_lazy("Rank"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("Higher is better: Registered 0, Silver 1, Gold 2."),
    )
    rate_kind = forms.ChoiceField(label=gettext_lazy("Rate is"), choices=PartnerRateKind.choices)
    rate = forms.CharField(
        label=gettext_lazy("Rate (%)"),
        max_length=9,
        required=False,
        help_text=gettext_lazy(
            "Replaces the percent of the program's percent-of-sale rules for partners in this "
            "tier (a reseller margin is usually 20-40 %). Empty: the rules apply unchanged."
        ),
    )
    badge = forms.CharField(label=gettext_lazy("Badge"), max_length=40, required=False)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=500, required=False)


class RuleForm(StyledForm, forms.Form):
    tier = forms.ChoiceField(label=gettext_lazy("Move to"))
    min_revenue = forms.IntegerField(
        label=gettext_lazy("Won revenue at least"),
        min_value=0,
        required=False,
        help_text=gettext_lazy("In whole units of the program's currency."),
    )
    min_wins = forms.IntegerField(
        label=gettext_lazy("Deals won at least"), min_value=0, required=False
    )
    min_tenure_months = forms.IntegerField(
        label=gettext_lazy("Partner for at least (months)"), min_value=0, required=False
    )
    min_certifications = forms.IntegerField(
        label=gettext_lazy("Certificates at least"),
        min_value=0,
        required=False,
        help_text=gettext_lazy("Of training modules that count toward tiers, in the window."),
    )
    window_months = forms.IntegerField(
        label=gettext_lazy("Window (months)"), min_value=1, max_value=60, initial=12
    )

    def __init__(self, *args, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(str(tier.pk), tier.name) for tier in tiers]


class SettingsForm(StyledForm, forms.Form):
    applications_open = forms.BooleanField(
        label=gettext_lazy("Accept applications on the public form"), required=False
    )
    auto_approve = forms.BooleanField(
        label=gettext_lazy("Approve applications automatically"), required=False
    )


class DecisionForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Required to reject: the applicant receives it by e-mail."),
    )


def _error(form, field: str | None, message: str) -> None:
    """An error beside `field` (or on the form), the field marked invalid as StyledForm marks
    the ones that fail validation."""
    field = field if field in form.fields else None
    form.add_error(field, message)
    if field is not None:
        attrs = form.fields[field].widget.attrs
        if "is-invalid" not in attrs.get("class", ""):
            attrs["class"] = attrs.get("class", "") + " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{form.add_prefix(field)}-error"


def _show_error(form, exc) -> None:
    """A service's refusal beside its field (or on the form)."""
    if isinstance(exc, Invalid):
        loc = exc.extra.get("errors", [{}])[0].get("loc", [])
        _error(form, str(loc[-1]) if loc else None, exc.detail)
    elif isinstance(exc, FieldConflict):
        _error(form, exc.field, exc.detail)
    else:
        _error(form, None, exc.detail)


def pending_applications(request) -> int:
    """Applications waiting for a decision (the navigation's badge and the tab's), once per
    request."""
    if not hasattr(request, "_partner_applications_pending"):
        request._partner_applications_pending = PartnerApplication.objects.filter(
            workspace=request.workspace, status=ApplicationStatus.pending
        ).count()
    return request._partner_applications_pending


# --- the list -------------------------------------------------------------------------------


@console_view()
def partner_list(request):
    programs = _partner_programs(request)
    partners = (
        partners_of(workspace=request.workspace)
        .select_related("program", "tier", "partner_profile")
        .order_by("-created_at", "-id")
    )
    program = request.GET.get("program") or ""
    if program:
        partners = partners.filter(program__slug=program)
    page = Paginator(partners, PER_PAGE).get_page(request.GET.get("page"))
    pending = pending_applications(request)
    return render(
        request,
        "console/partners/list.html",
        {
            "page_obj": page,
            "programs": programs,
            "filters": {"program": program},
            "pending": pending,
        },
    )


# --- a partner ------------------------------------------------------------------------------


def _partner_or_404(request, partner_id) -> Participant:
    pk = parse_uuid(str(partner_id))
    partner = (
        partners_of(workspace=request.workspace, pk=pk).select_related("program", "tier").first()
        if pk
        else None
    )
    if partner is None:
        raise Http404
    return partner


def _profile_of(partner):
    try:
        return partner.partner_profile
    except Participant.partner_profile.RelatedObjectDoesNotExist:
        return None


@console_view(change=True)
def partner_detail(request, partner_id):
    partner = _partner_or_404(request, partner_id)
    profile = _profile_of(partner)
    tiers = tiers_of(partner.program)
    action = request.POST.get("action") if request.method == "POST" else None
    profile_form = ProfileForm(
        request.POST if action == "profile" else None,
        initial={
            "legal_name": profile.legal_name if profile else partner.name,
            "partner_type": profile.partner_type if profile else PartnerType.reseller,
            "website": profile.website if profile else "",
            "country": profile.country if profile else "",
            "description": profile.description if profile else "",
        },
    )
    member_form = MemberForm(request.POST if action == "member" else None)
    tier_form = SetTierForm(
        request.POST if action == "tier" else None,
        tiers=tiers,
        initial={"tier": str(partner.tier_id or "")},
    )
    actor = actor_of(request)
    if action == "profile" and profile_form.is_valid():
        try:
            partner_profile_save(participant=partner, actor=actor, **profile_form.cleaned_data)
        except (Invalid, Conflict) as exc:
            _show_error(profile_form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("console:partners-detail", partner_id=partner.pk)
    elif action == "member" and member_form.is_valid():
        if profile is None:
            member_form.add_error(None, _("Save the organisation's profile first."))
        else:
            try:
                member_add(profile=profile, actor=actor, **member_form.cleaned_data)
            except (Invalid, Conflict) as exc:
                _show_error(member_form, exc)
            else:
                messages.success(request, _("Member added."))
                return redirect("console:partners-detail", partner_id=partner.pk)
    elif action == "tier" and tier_form.is_valid():
        chosen = tier_form.cleaned_data["tier"]
        tier = next((each for each in tiers if str(each.pk) == chosen), None)
        try:
            partner_set_tier(
                participant=partner,
                tier=tier,
                actor=actor,
                reason=tier_form.cleaned_data["reason"],
            )
        except (Invalid, Conflict) as exc:
            _show_error(tier_form, exc)
        else:
            messages.success(
                request, _("Tier set by hand: the tier rules leave it until you hand it back.")
            )
            return redirect("console:partners-detail", partner_id=partner.pk)
    elif action == "release":
        tier_release(participant=partner, actor=actor)
        messages.success(request, _("The tier rules decide this partner's tier again."))
        return redirect("console:partners-detail", partner_id=partner.pk)
    return render(
        request,
        "console/partners/detail.html",
        {
            "partner": partner,
            "profile": profile,
            "members": list(profile.members.order_by("created_at")) if profile else [],
            "history": TierChange.objects.filter(participant=partner)
            .select_related("rule")
            .order_by("-at", "-id")[:50],
            "profile_form": profile_form,
            "member_form": member_form,
            "tier_form": tier_form,
            "tiers": tiers,
        },
    )


def _member_or_404(request, member_id) -> PartnerMember:
    pk = parse_uuid(str(member_id))
    member = (
        PartnerMember.objects.filter(profile__workspace=request.workspace, pk=pk)
        .select_related("profile", "profile__participant", "profile__participant__program")
        .first()
        if pk
        else None
    )
    if member is None:
        raise Http404
    return member


@console_view(change=True)
@require_POST
def member_remove_view(request, member_id):
    member = _member_or_404(request, member_id)
    try:
        member_remove(member=member, actor=actor_of(request))
    except Conflict as exc:
        messages.warning(request, exc.detail)
    else:
        messages.success(request, _("Member removed."))
    return redirect("console:partners-detail", partner_id=member.profile.participant_id)


@console_view(change=True)
@require_POST
def member_invite_view(request, member_id):
    member = _member_or_404(request, member_id)
    try:
        member_invite(member=member, base_url=_base(request), actor=actor_of(request))
    except Conflict as exc:
        messages.warning(request, exc.detail)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": member.email})
    return redirect("console:partners-detail", partner_id=member.profile.participant_id)


# --- tiers ----------------------------------------------------------------------------------


def _program_or_404(request, slug) -> Program:
    program = _partner_programs(request).filter(slug=slug).first()
    if program is None:
        raise Http404
    return program


@console_view(change=True)
def tier_page(request, slug=None):
    programs = list(_partner_programs(request))
    if slug is None:
        if not programs:
            return render(request, "console/partners/tiers.html", {"programs": []})
        return redirect("console:partners-tiers-program", slug=programs[0].slug)
    program = _program_or_404(request, slug)
    tiers = tiers_of(program)
    action = request.POST.get("action") if request.method == "POST" else None
    tier_form = TierForm(
        request.POST if action == "tier" else None,
        initial={"rank": (tiers[-1].rank + 1) if tiers else 0},
    )
    rule_form = RuleForm(request.POST if action == "rule" else None, tiers=tiers)
    current = application_services.program_settings(program)
    settings_form = SettingsForm(
        request.POST if action == "settings" else None,
        initial={
            "applications_open": current.applications_open,
            "auto_approve": current.auto_approve,
        },
    )
    actor = actor_of(request)
    here = reverse("console:partners-tiers-program", args=[program.slug])
    if action == "tier" and tier_form.is_valid():
        try:
            tier_create(program=program, actor=actor, **tier_form.cleaned_data)
        except (Invalid, Conflict) as exc:
            _show_error(tier_form, exc)
        else:
            messages.success(request, _("Tier added."))
            return redirect(here)
    elif action == "rule" and rule_form.is_valid():
        data = rule_form.cleaned_data
        tier = next(each for each in tiers if str(each.pk) == data["tier"])
        revenue = data["min_revenue"]
        try:
            tier_rule_create(
                tier=tier,
                min_revenue=None if revenue is None else revenue * _minor(program.currency),
                min_wins=data["min_wins"],
                min_tenure_months=data["min_tenure_months"],
                min_certifications=data["min_certifications"],
                window_months=data["window_months"],
                actor=actor,
            )
        except (Invalid, Conflict) as exc:
            _show_error(rule_form, exc)
        else:
            messages.success(request, _("Rule added: the worker applies it within the hour."))
            return redirect(here)
    elif action == "settings" and settings_form.is_valid():
        application_services.program_settings_save(
            program=program, actor=actor, **settings_form.cleaned_data
        )
        messages.success(request, _("Settings saved."))
        return redirect(here)
    rules = (
        TierRule.objects.filter(program=program)
        .select_related("tier")
        .order_by("-tier__rank", "created_at")
    )
    counts = {
        row["tier_id"]: row["n"]
        for row in partners_of(program=program).values("tier_id").annotate(n=Count("id"))
    }
    return render(
        request,
        "console/partners/tiers.html",
        {
            "programs": programs,
            "program": program,
            "tiers": [(tier, counts.get(tier.pk, 0)) for tier in tiers],
            "rules": rules,
            "tier_form": tier_form,
            "rule_form": rule_form,
            "settings_form": settings_form,
            "pending": pending_applications(request),
            "apply_url": _base(request) + reverse("join:partner-apply", args=[program.slug]),
        },
    )


def _minor(currency: str) -> int:
    from iso4217 import Currency

    return 10 ** Currency(currency).exponent


@console_view(change=True)
@require_POST
def rule_delete_view(request, rule_id):
    pk = parse_uuid(str(rule_id))
    rule = (
        TierRule.objects.filter(program__workspace=request.workspace, pk=pk)
        .select_related("tier", "tier__program")
        .first()
        if pk
        else None
    )
    if rule is None:
        raise Http404
    slug = rule.tier.program.slug
    tier_rule_delete(rule=rule, actor=actor_of(request))
    messages.success(request, _("Rule removed."))
    return redirect("console:partners-tiers-program", slug=slug)


# --- applications ---------------------------------------------------------------------------


@console_view(change=True)
def application_list(request):
    status = request.GET.get("status") or ApplicationStatus.pending
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.pending
    program = request.GET.get("program") or ""
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision")
        ids = [pk for pk in (parse_uuid(v) for v in request.POST.getlist("ids")) if pk]
        if decision not in ("approve", "reject"):
            form.add_error(None, _("Choose approve or reject."))
        elif not ids:
            form.add_error(None, _("Tick at least one application."))
        elif decision == "reject" and not form.cleaned_data["reason"].strip():
            _error(form, "reason", _("Say why: the applicant receives the reason by e-mail."))
        else:
            result = application_services.applications_decide(
                workspace=request.workspace,
                ids=ids,
                approve=decision == "approve",
                reason=form.cleaned_data["reason"],
                actor=actor_of(request),
                base_url=_base(request),
            )
            if result.decided:
                done = (
                    _("%(count)d approved: each partner got its portal invitation by e-mail.")
                    if decision == "approve"
                    else _("%(count)d rejected: each applicant got the reason by e-mail.")
                )
                messages.success(request, done % {"count": len(result.decided)})
            for _key, why in result.skipped:
                messages.warning(request, _("Skipped: %(why)s") % {"why": why})
            return redirect(request.get_full_path())
    rows = (
        PartnerApplication.objects.filter(workspace=request.workspace, status=status)
        .select_related("program")
        .order_by("created_at", "id")
    )
    if program:
        rows = rows.filter(program__slug=program)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/partners/applications.html",
        {
            "page_obj": page,
            "form": form,
            "programs": _partner_programs(request),
            "statuses": ApplicationStatus.choices,
            "filters": {"program": program, "status": status},
            "pending": pending_applications(request),
        },
    )


PERIODS = {"3": 3, "6": 6, "12": 12}


def _percent(value: float | None) -> str:
    """0.8 → "80%" in the reader's language; None → EMPTY (the product's dash)."""
    if value is None:
        return EMPTY
    return format_percent(value, locale=babel_locale())


@console_view()
def performance_page(request):
    """Per partner of one program: revenue, deals won, win rate and cycle over the last 3, 6
    or 12 months, and the share of revenue from the top 20 % of partners, per month."""
    programs = list(_partner_programs(request))
    program = next(
        (each for each in programs if each.slug == request.GET.get("program")),
        programs[0] if programs else None,
    )
    months = PERIODS.get(request.GET.get("months") or "12", 12)
    report = shares = None
    if program is not None:
        end = clock.now()
        report = partner_performance(program=program, start=add_months(end, -months), end=end)
        shares = [
            (month, _percent(share))
            for month, share in top_share_by_month(program=program, months=months, at=end)
        ]
    return render(
        request,
        "console/partners/performance.html",
        {
            "programs": programs,
            "program": program,
            "report": report,
            "top_share": _percent(report.top_share) if report else "",
            "win_rates": {row.participant.pk: _percent(row.win_rate) for row in report.rows}
            if report
            else {},
            "shares": shares,
            "months": str(months),
            "periods": [(key, _("last %(n)s months") % {"n": key}) for key in PERIODS],
            "pending": pending_applications(request),
        },
    )


urlpatterns = [
    path("partners/", partner_list, name="partners"),
    path("partners/applications/", application_list, name="partners-applications"),
    path("partners/tiers/", tier_page, name="partners-tiers"),
    path("partners/performance/", performance_page, name="partners-performance"),
    path("partners/tiers/<slug:slug>/", tier_page, name="partners-tiers-program"),
    path("partners/rules/<uuid:rule_id>/delete", rule_delete_view, name="partners-rule-delete"),
    path(
        "partners/members/<uuid:member_id>/remove",
        member_remove_view,
        name="partners-member-remove",
    ),
    path(
        "partners/members/<uuid:member_id>/invite",
        member_invite_view,
        name="partners-member-invite",
    ),
    path("partners/<uuid:partner_id>/", partner_detail, name="partners-detail"),
]
