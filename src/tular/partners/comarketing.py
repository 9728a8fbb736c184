"""Co-marketing (R35): joint activities with a partner (a webinar, co-branded content, an event,
an e-mail swap), each with its own link and code, and the leads and revenue each brought.

The link is a campaign code of the partner's participant (`participants.CampaignCode`):
`/r/CODE` redirects as the partner's own code does and credits the partner as the referrer,
and the click records the code (`tracking.Click.campaign_code`), so the sign-ups and sales
that inherit the click (`Referral.click`) are the activity's. A generated code is the
partner's code, a dash and four characters (`MITRA7-K3PX`); a manager may choose one instead.
The code never changes: a link printed on a flyer or sent in a newsletter must keep working,
also after the activity is done.

Figures (`activity_figures`) are read from the source rows, four grouped queries for any
number of activities:
- clicks: the clicks of the activity's link;
- leads: the referrals (sign-ups) that came through those clicks;
- customers: those of them with a first sale;
- revenue: their sales minus their refunds, per currency;
- rewards: what the partner earned on them (not rejected, net of reversals), per currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import FieldConflict, Invalid
from tular.core.money import is_currency
from tular.participants.codes import CUSTOM_CODE, generate_code, normalise_code
from tular.participants.models import CampaignCode, Participant
from tular.partners.models import ActivityKind, ActivityStatus, CoMarketingActivity
from tular.partners.profiles import PARTNER_PROGRAM_KINDS, is_partner
from tular.referrals.models import Conversion, Referral
from tular.rewards.models import Reward
from tular.tracking import redirect
from tular.tracking.models import Click
from tular.workspaces.audit import Actor, audit_record

CODE_ATTEMPTS = 8
EDITABLE = (
    "kind",
    "title",
    "starts_on",
    "ends_on",
    "notes",
    "budget",
    "budget_currency",
    "status",
)


@dataclass(frozen=True)
class ActivityFigures:
    clicks: int = 0
    leads: int = 0
    customers: int = 0
    revenue: dict[str, int] = field(default_factory=dict)  # currency → net, minor units
    rewards: dict[str, int] = field(default_factory=dict)  # currency → earned, minor units


# --- checks ---------------------------------------------------------------------------------


def _clean(values: dict) -> dict:
    """`values` (any of EDITABLE) checked and normalised; 422 naming the field."""
    cleaned = dict(values)
    if "kind" in cleaned and cleaned["kind"] not in ActivityKind.values:
        raise Invalid(["kind"], _("Choose a kind of activity."))
    if "title" in cleaned:
        title = (cleaned["title"] or "").strip()
        if not title:
            raise Invalid(["title"], _("Give the activity a title."))
        if len(title) > 200:
            raise Invalid(["title"], _("At most 200 characters."))
        cleaned["title"] = title
    if "notes" in cleaned:
        cleaned["notes"] = (cleaned["notes"] or "").strip()
        if len(cleaned["notes"]) > 2000:
            raise Invalid(["notes"], _("At most 2000 characters."))
    for name in ("starts_on", "ends_on"):
        if name in cleaned and cleaned[name] is not None and not isinstance(cleaned[name], date):
            raise Invalid([name], _("A date, e.g. 2026-12-31."))
    if "status" in cleaned and cleaned["status"] not in ActivityStatus.values:
        raise Invalid(["status"], _("One of planned, running or done."))
    if "budget_currency" in cleaned:
        cleaned["budget_currency"] = (cleaned["budget_currency"] or "").strip().upper()
    if "budget" in cleaned and cleaned["budget"] is not None:
        budget = cleaned["budget"]
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise Invalid(["budget"], _("A whole amount in minor units, 0 or more."))
    return cleaned


def _check_whole(activity: CoMarketingActivity) -> None:
    """The rules between fields, on the activity as it would be saved."""
    if activity.starts_on is None:
        raise Invalid(["starts_on"], _("Say when the activity starts."))
    if activity.ends_on is not None and activity.ends_on < activity.starts_on:
        raise Invalid(["ends_on"], _("The end is before the start."))
    if activity.budget is not None:
        if not activity.budget_currency or not is_currency(activity.budget_currency):
            raise Invalid(["budget_currency"], _("An ISO 4217 currency code, e.g. IDR."))
    elif activity.budget_currency and not is_currency(activity.budget_currency):
        raise Invalid(["budget_currency"], _("An ISO 4217 currency code, e.g. IDR."))


def _snapshot(activity: CoMarketingActivity) -> dict:
    return {
        "program": str(activity.program_id),
        "partner": str(activity.participant_id),
        "code": activity.link.code,
        **{
            name: (str(value) if isinstance(value, date) else value)
            for name in EDITABLE
            for value in [getattr(activity, name)]
        },
    }


# --- the code -------------------------------------------------------------------------------


def _chosen_code(raw: str) -> str:
    code = normalise_code(raw)
    if not CUSTOM_CODE.match(code):
        raise Invalid(
            ["code"], _("3 to 32 letters, digits, '-' or '_', starting with a letter or digit.")
        )
    if Participant.objects.filter(code=code).exists():
        raise FieldConflict(_("This code is taken."), field="code")
    return code


def _generated_code(participant: Participant) -> str:
    return f"{participant.code[:27]}-{generate_code(4)}"


def _link_create(*, participant: Participant, code: str | None) -> CampaignCode:
    """The activity's campaign code, in its own savepoint so a collision can be retried."""
    chosen = _chosen_code(code) if code else None
    for _attempt in range(CODE_ATTEMPTS):
        candidate = chosen or _generated_code(participant)
        if chosen is None and Participant.objects.filter(code=candidate).exists():
            continue
        try:
            with transaction.atomic():
                link = CampaignCode.objects.create(
                    workspace_id=participant.workspace_id,
                    participant=participant,
                    code=candidate,
                )
        except IntegrityError:
            if chosen is not None:
                raise FieldConflict(_("This code is taken."), field="code") from None
            continue
        # A visit before the code existed may have cached "unknown" in this process.
        transaction.on_commit(lambda code=candidate: redirect.forget_cached(code))
        return link
    raise FieldConflict(_("Could not draw a free code; try again."), field="code")


# --- the use cases --------------------------------------------------------------------------


def activity_create(
    *,
    participant: Participant,
    kind: str,
    title: str,
    starts_on: date,
    ends_on: date | None = None,
    notes: str = "",
    budget: int | None = None,
    budget_currency: str = "",
    status: str = ActivityStatus.planned,
    code: str | None = None,
    actor: Actor | None = None,
) -> CoMarketingActivity:
    """A joint activity with a partner of a partner program, with its own link and code
    (`code` chosen, else drawn from the partner's). 422 naming the field for a bad value,
    409 for a chosen code that is taken; nothing is saved then."""
    program = participant.program
    if not is_partner(participant) or program.kind not in PARTNER_PROGRAM_KINDS:
        raise Invalid(["partner"], _("Co-marketing is for partners of partner programs."))
    values = _clean(
        {
            "kind": kind,
            "title": title,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "notes": notes,
            "budget": budget,
            "budget_currency": budget_currency,
            "status": status,
        }
    )
    activity = CoMarketingActivity(
        workspace_id=participant.workspace_id,
        program=program,
        participant=participant,
        **values,
    )
    _check_whole(activity)
    now = clock.now()
    with transaction.atomic():
        activity.link = _link_create(participant=participant, code=code)
        activity.created_at = activity.updated_at = now
        activity.save(force_insert=True)
        audit_record(
            workspace=participant.workspace_id,
            actor=actor,
            action="activity.create",
            target=activity,
            after=_snapshot(activity),
        )
    return activity


def activity_update(
    *, activity: CoMarketingActivity, changes: dict, actor: Actor | None = None
) -> CoMarketingActivity:
    """Change any of EDITABLE (the code never changes: its links are out there). 422 naming
    the field; nothing changes then."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid([unknown[0]], _("This cannot be changed."))
    values = _clean(changes)
    with transaction.atomic():
        locked = (
            CoMarketingActivity.objects.select_for_update(no_key=True, of=("self",))
            .select_related("link", "program", "participant")
            .get(pk=activity.pk)
        )
        before = _snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        _check_whole(locked)
        after = _snapshot(locked)
        if after != before:
            locked.updated_at = clock.now()
            locked.save(update_fields=[*values, "updated_at"])
            audit_record(
                workspace=locked.workspace_id,
                actor=actor,
                action="activity.update",
                target=locked,
                before=before,
                after=after,
            )
    return locked


def activity_finish(
    *, activity: CoMarketingActivity, actor: Actor | None = None
) -> CoMarketingActivity:
    """Mark it done, ending it today when it had no end. Its link keeps working and counting."""
    changes: dict = {"status": ActivityStatus.done}
    if activity.ends_on is None:
        changes["ends_on"] = max(clock.now().date(), activity.starts_on)
    return activity_update(activity=activity, changes=changes, actor=actor)


# --- reads ----------------------------------------------------------------------------------


def activities_of(*, workspace, program=None, participant=None) -> QuerySet:
    """The workspace's activities (narrowed to a program or a partner), newest start first."""
    rows = CoMarketingActivity.objects.filter(workspace=workspace).select_related(
        "link", "program", "participant", "participant__partner_profile"
    )
    if program is not None:
        rows = rows.filter(program=program)
    if participant is not None:
        rows = rows.filter(participant=participant)
    return rows.order_by("-starts_on", "-created_at", "-id")


def activity_figures(*, activities) -> dict:
    """{activity id: ActivityFigures} for `activities`: four grouped queries whatever their
    number (none for none)."""
    activities = list(activities)
    by_code = {activity.link_id: activity.pk for activity in activities}
    if not by_code:
        return {}
    codes = list(by_code)
    clicks = {
        row["campaign_code_id"]: row["n"]
        for row in Click.objects.filter(campaign_code_id__in=codes)
        .values("campaign_code_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    referrals = {
        row["click__campaign_code_id"]: row
        for row in Referral.objects.filter(click__campaign_code_id__in=codes)
        .values("click__campaign_code_id")
        .annotate(n=Count("id"), customers=Count("id", filter=Q(first_sale_at__isnull=False)))
        .order_by()
    }
    revenue: dict = {}
    for row in (
        Conversion.objects.filter(
            referral__click__campaign_code_id__in=codes,
            kind__in=("sale", "refund"),
            amount__isnull=False,
        )
        .values("referral__click__campaign_code_id", "currency")
        .annotate(
            sales=Sum("amount", filter=Q(kind="sale"), default=0),
            refunds=Sum("amount", filter=Q(kind="refund"), default=0),
        )
        .order_by()
    ):
        per = revenue.setdefault(row["referral__click__campaign_code_id"], {})
        per[row["currency"]] = int(row["sales"]) - int(row["refunds"])
    rewards: dict = {}
    for row in (
        Reward.objects.filter(
            referral__click__campaign_code_id__in=codes,
            participant_id=F("referral__click__participant_id"),
            amount__isnull=False,
        )
        .exclude(status="rejected")
        .values("referral__click__campaign_code_id", "currency")
        .annotate(earned=Sum(F("amount") - F("reversed_amount")))
        .order_by()
    ):
        per = rewards.setdefault(row["referral__click__campaign_code_id"], {})
        per[row["currency"]] = int(row["earned"] or 0)
    figures = {}
    for code_id, activity_id in by_code.items():
        counts = referrals.get(code_id, {})
        figures[activity_id] = ActivityFigures(
            clicks=clicks.get(code_id, 0),
            leads=counts.get("n", 0),
            customers=counts.get("customers", 0),
            revenue=dict(sorted(revenue.get(code_id, {}).items())),
            rewards=dict(sorted(rewards.get(code_id, {}).items())),
        )
    return figures
