"""Console pages: the rewards review queue — what needs review or waits in its hold, with the
reason; approve or reject one or many, with a reason.

The bulk actions call `rewards_review_many`, the same service as
POST /api/v1/rewards/bulk-approve|bulk-reject (each reward through `reward_approve` /
`reward_reject`, one refused reward never stopping the others)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tular.console.access import actor_of, console_view
from tular.console.views.referrals import OTHER, ReasonForm
from tular.core.ids import parse_uuid
from tular.core.templatetags.ui import money
from tular.participants.selectors import get_in_workspace
from tular.programs.services import programs_filter
from tular.rewards.models import RewardStatus
from tular.rewards.selectors import TO_REVIEW, rewards_queue, rewards_status_counts
from tular.rewards.services import rewards_review_many

PER_PAGE = 50
REVIEW = "review"  # the default tab: needs_review and pending
ALL = "all"


class RewardReasonForm(ReasonForm):
    """Dub's reasons for a commission that is not paid."""

    CHOICES = [
        ("fraud", gettext_lazy("Suspected fraud")),
        ("duplicate", gettext_lazy("Duplicate")),
        ("refunded", gettext_lazy("Customer refunded")),
        ("terms", gettext_lazy("Outside the program's terms")),
        (OTHER, gettext_lazy("Other")),
    ]


def _tab(request) -> str:
    tab = request.GET.get("status") or REVIEW
    return tab if tab in (REVIEW, ALL, *RewardStatus.values) else REVIEW


@console_view()
def reward_queue(request):
    tab = _tab(request)
    statuses = {REVIEW: TO_REVIEW, ALL: None}.get(tab, (tab,))
    program = request.GET.get("program") or None
    participant = None
    if request.GET.get("participant"):
        participant = get_in_workspace(
            workspace=request.workspace, participant_id=request.GET["participant"]
        )
    rewards = rewards_queue(
        workspace=request.workspace,
        statuses=statuses,
        program_slug=program,
        participant_id=participant.pk if participant else None,
    )
    if request.GET.get("participant") and participant is None:
        rewards = rewards.none()  # an unknown (or another workspace's) participant: nothing
    page = Paginator(rewards, PER_PAGE).get_page(request.GET.get("page"))
    counts = rewards_status_counts(workspace=request.workspace)
    tabs = [(REVIEW, _("Review queue"), sum(counts.get(status, 0) for status in TO_REVIEW))]
    tabs += [(value, label, counts.get(value, 0)) for value, label in RewardStatus.choices]
    tabs.append((ALL, _("All"), sum(counts.values())))
    return render(
        request,
        "console/rewards/list.html",
        {
            "page_obj": page,
            "tab": tab,
            "tabs": tabs,
            "programs": list(programs_filter(workspace=request.workspace).order_by("name")),
            "participant": participant,
            "filters": {"program": program or "", "status": tab},
            "form": RewardReasonForm(),
            "reviewable": TO_REVIEW,
        },
    )


def _back_to_list(query: str):
    """Back to the queue as it was (its tab, filters and page), nothing else from `query`."""
    kept = QueryDict(query[:500], mutable=True)
    for key in list(kept):
        if key not in ("status", "program", "participant", "page"):
            del kept[key]
    url = reverse("console:rewards")
    return redirect(f"{url}?{kept.urlencode()}" if kept else url)


def _skip_reason(outcome) -> str:
    if outcome.status is None:
        return _("not found")
    return _("it is %(status)s") % {"status": RewardStatus(outcome.status).label}


def _skipped_text(request, skipped) -> str:
    """ "2 skipped: Budi (Rp1.250.000): it is approved; …" (the first five named)."""
    rewards = {
        str(reward.pk): reward
        for reward in rewards_queue(workspace=request.workspace, statuses=None).filter(
            pk__in=[outcome.reward_id for outcome in skipped]
        )
    }
    details = []
    for outcome in skipped[:5]:
        reward = rewards.get(outcome.reward_id)
        if reward is None:
            who = outcome.reward_id
        else:
            what = reward.perk if reward.amount is None else money(reward.amount, reward.currency)
            who = f"{reward.participant.name or reward.participant.email} ({what})"
        details.append(f"{who}: {_skip_reason(outcome)}")
    return ngettext(
        "%(count)d skipped: %(details)s", "%(count)d skipped: %(details)s", len(skipped)
    ) % {"count": len(skipped), "details": "; ".join(details)}


@console_view(change=True)
@require_POST
def reward_review(request):
    """Approve or reject the ticked rewards (or the one whose row button was pressed)."""
    target = _back_to_list(request.POST.get("next") or "")
    action = request.POST.get("action")
    ids = request.POST.getlist("ids")
    if request.POST.get("approve_one"):  # a row's own Approve button: that reward only
        action, ids = "approve", [request.POST["approve_one"]]
    ids = [value for value in ids if parse_uuid(value) is not None]
    if action not in ("approve", "reject"):
        messages.error(request, _("Choose Approve or Reject."))
        return target
    if not ids:
        messages.error(request, _("Tick at least one reward first."))
        return target
    form = RewardReasonForm(request.POST)
    form.is_valid()
    reason = form.reason()
    if action == "reject" and not reason:
        messages.error(
            request, _("Choose or write the reason for rejecting: nothing was rejected.")
        )
        return target
    outcomes = rewards_review_many(
        workspace=request.workspace,
        reward_ids=ids,
        action=action,
        reason=reason,
        actor=actor_of(request),
    )
    done = [outcome for outcome in outcomes if outcome.done]
    skipped = [outcome for outcome in outcomes if not outcome.done]
    if action == "approve":
        text = ngettext("%(count)d approved", "%(count)d approved", len(done))
    else:
        text = ngettext("%(count)d rejected", "%(count)d rejected", len(done))
    text %= {"count": len(done)}
    if skipped:
        text += ", " + _skipped_text(request, skipped)
        messages.warning(request, text + ".")
    else:
        messages.success(request, text + ".")
    return target


urlpatterns = [
    path("rewards/", reward_queue, name="rewards"),
    path("rewards/review", reward_review, name="rewards-review"),
]
