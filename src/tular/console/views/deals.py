"""Console pages: deal registrations — the review queue with its approval timer (overdue first),
and one deal with its checklist, protection, dispute and history.

Approve, reject and extend call `deal_approve`, `deal_reject` and `deal_extend`, the same
services as POST /api/v1/deals/{id}/approve|reject|extend."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, attempt, can_change, console_view
from tular.console.views.programs.forms import parse_money
from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.core.money import format_money
from tular.deals import services
from tular.deals.models import CHECKLIST, Deal, DealStatus
from tular.partners.commission import commission_lines
from tular.referrals.deals import deal_close

PER_PAGE = 50
TABS = ("pending", "conflict", "approved", "all")


def overdue_count(request) -> int:
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return 0
    return Deal.objects.filter(
        workspace=workspace, status=DealStatus.pending, review_due_at__lt=clock.now()
    ).count()


def _locale() -> str:
    return "en" if get_language() == "en" else "id"


def commission_view(deal: Deal, *, language: str) -> list[dict]:
    """The won deal's commission lines as the page shows them (amounts through Babel)."""
    locale = "en" if language == "en" else "id"
    return [
        {
            "line": line,
            "amount": format_money(line.reward.amount, line.reward.currency, locale)
            if line.reward.amount is not None
            else line.reward.perk,
            "base": format_money(line.reward.base_amount, line.reward.currency, locale)
            if line.reward.base_amount
            else "",
        }
        for line in commission_lines(deal)
    ]


def _decorate(deal: Deal, *, now) -> Deal:
    deal.overdue = (
        deal.status == DealStatus.pending
        and deal.review_due_at is not None
        and deal.review_due_at < now
    )
    deal.value_text = format_money(deal.estimated_value, deal.currency, _locale())
    return deal


@console_view()
def deal_queue(request):
    tab = request.GET.get("tab") or "pending"
    if tab not in TABS:
        tab = "pending"
    deals = services.deals_filter(
        workspace=request.workspace,
        status=None if tab == "all" else tab,
        program_slug=request.GET.get("program") or None,
    )
    now = clock.now()
    if tab == "pending":
        # The timer's order: overdue first, then the soonest due.
        deals = deals.annotate(
            late=Case(
                When(Q(review_due_at__lt=now), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("late", "review_due_at", "registered_at")
    else:
        deals = deals.order_by("-registered_at", "-pk")
    page = Paginator(deals, PER_PAGE).get_page(request.GET.get("page"))
    for deal in page.object_list:
        _decorate(deal, now=now)
    return render(
        request,
        "console/deals/queue.html",
        {
            "page_obj": page,
            "tab": tab,
            "tabs": [
                ("pending", _("Waiting for review")),
                ("conflict", _("Conflicts")),
                ("approved", _("Protected")),
                ("all", _("All")),
            ],
            "overdue": overdue_count(request),
            "can_change": can_change(request),
        },
    )


def _deal_or_404(request, deal_id) -> Deal:
    deal = services.deal_get(workspace=request.workspace, deal_id=str(deal_id))
    if deal is None:
        raise Http404
    return deal


@console_view()
def deal_detail(request, deal_id):
    deal = _decorate(_deal_or_404(request, deal_id), now=clock.now())
    rules = services.settings_for(deal.program)
    checklist = [
        {
            "name": name,
            "label": CHECKLIST.get(name, name),
            "answer": deal.qualification.get(name),
            "required": name in rules.required_checks,
        }
        for name in dict.fromkeys([*rules.required_checks, *deal.qualification])
    ]
    return render(
        request,
        "console/deals/detail.html",
        {
            "deal": deal,
            "checklist": checklist,
            "events": [_labelled(event) for event in deal.events.all()],
            "holder": deal.conflict_with,
            "window": rules.protection_days,
            "can_change": can_change(request),
            "commission": commission_view(deal, language=get_language()),
            "won_value_text": format_money(deal.won_value, deal.won_currency, _locale())
            if deal.won_value
            else "",
        },
    )


def _labelled(event):
    event.to_label = (
        DealStatus(event.to_status).label if event.to_status in DealStatus.values else ""
    )
    return event


def _back(request, deal: Deal):
    if request.POST.get("next") == "detail":
        return redirect("console:deals-detail", deal_id=deal.pk)
    return redirect("console:deals")


@console_view(change=True)
@require_POST
def deal_approve_view(request, deal_id):
    deal = _deal_or_404(request, deal_id)
    try:
        services.deal_approve(
            deal=deal, reason=request.POST.get("reason", "")[:1000], actor=actor_of(request)
        )
    except Conflict as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("%(company)s is approved.") % {"company": deal.company})
    return _back(request, deal)


@console_view(change=True)
@require_POST
def deal_reject_view(request, deal_id):
    deal = _deal_or_404(request, deal_id)
    try:
        services.deal_reject(
            deal=deal, reason=request.POST.get("reason", "")[:1000], actor=actor_of(request)
        )
    except Invalid:
        messages.error(
            request,
            _("Write why %(company)s is rejected: it was not rejected.")
            % {"company": deal.company},
        )
    except Conflict as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("%(company)s is rejected.") % {"company": deal.company})
    return _back(request, deal)


@console_view(change=True)
@require_POST
def deal_extend_view(request, deal_id):
    deal = _deal_or_404(request, deal_id)
    raw = (request.POST.get("days") or "").strip()
    try:
        days = int(raw) if raw else None
    except ValueError:
        days = -1  # refused by the service with its message
    return attempt(
        request,
        lambda: services.deal_extend(
            deal=deal,
            days=days,
            reason=request.POST.get("reason", "")[:1000],
            actor=actor_of(request),
        ),
        told=lambda extended: (
            _("%(company)s is protected until %(date)s.")
            % {"company": deal.company, "date": extended.expires_at.strftime("%Y-%m-%d")}
        ),
        back=_back(request, deal),
    )


@console_view(change=True)
@require_POST
def deal_close_view(request, deal_id):
    """Won (with the value the customer signed for, as typed, in the deal's currency) or lost:
    `referrals.deals.deal_close`, as the API's close."""
    deal = _deal_or_404(request, deal_id)
    status = request.POST.get("status")
    value = None
    if status == DealStatus.won:
        try:
            value = parse_money(request.POST.get("value", ""), deal.currency)
        except ValidationError as refused:
            messages.error(request, refused.messages[0])
            return _back(request, deal)
    customer = (request.POST.get("customer_external_id") or "").strip() or None

    def told(closed) -> str:
        if status != DealStatus.won:
            return _("%(company)s is lost.") % {"company": deal.company}
        earned = [
            format_money(reward.amount, reward.currency, _locale())
            for reward in closed.rewards
            if reward.amount is not None and reward.participant_id == deal.partner_id
        ]
        return _("%(company)s is won: %(partner)s earns %(amount)s.") % {
            "company": deal.company,
            "partner": deal.partner.name or deal.partner.email,
            "amount": " + ".join(earned) or "—",
        }

    return attempt(
        request,
        lambda: deal_close(
            deal=deal,
            status=status or "",
            value=value,
            customer_external_id=customer if status == DealStatus.won else None,
            reason=request.POST.get("reason", "")[:1000],
            actor=actor_of(request),
        ),
        told=told,
        back=_back(request, deal),
    )


@console_view(change=True)
@require_POST
def deal_dispute_decide_view(request, deal_id):
    """Uphold or dismiss an open dispute with a reason (deals.services.deal_dispute_decide, as
    the API's dispute/decide)."""
    deal = _deal_or_404(request, deal_id)
    uphold = request.POST.get("decision") == "uphold"
    return attempt(
        request,
        lambda: services.deal_dispute_decide(
            deal=deal,
            uphold=uphold,
            reason=request.POST.get("reason", "")[:1000],
            actor=actor_of(request),
        ),
        told=(
            _("The dispute is upheld: %(company)s is approved for this partner.")
            % {"company": deal.company}
            if uphold
            else _("The dispute is dismissed.")
        ),
        back=_back(request, deal),
    )


urlpatterns = [
    path("deals/", deal_queue, name="deals"),
    path("deals/<uuid:deal_id>/", deal_detail, name="deals-detail"),
    path("deals/<uuid:deal_id>/approve", deal_approve_view, name="deals-approve"),
    path("deals/<uuid:deal_id>/reject", deal_reject_view, name="deals-reject"),
    path("deals/<uuid:deal_id>/extend", deal_extend_view, name="deals-extend"),
    path("deals/<uuid:deal_id>/close", deal_close_view, name="deals-close"),
    path("deals/<uuid:deal_id>/dispute", deal_dispute_decide_view, name="deals-dispute"),
]
