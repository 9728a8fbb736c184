"""Reads about participants (no writes here)."""

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from tular.core.errors import Invalid
from tular.core.ids import parse_uuid
from tular.participants.codes import normalise_code
from tular.participants.models import ImportJob, Participant
from tular.participants.services import normalise_email


def get_in_workspace(*, workspace, participant_id: str) -> Participant | None:
    parsed = parse_uuid(participant_id)
    if parsed is None:
        return None  # not an id we could have issued: the same 404 as an unknown one
    return (
        Participant.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()
    )


def participants_filter(
    *,
    workspace,
    program_slug: str | None = None,
    email: str | None = None,
    external_id: str | None = None,
    code: str | None = None,
):
    """The workspace's participants (a queryset), narrowed by program slug, e-mail (compared
    normalised, as on enrolment), external id and code (any case). A value that cannot match
    (an invalid e-mail, a code with other characters) matches nothing."""
    participants = Participant.objects.select_related("program").filter(workspace=workspace)
    if program_slug is not None:
        participants = participants.filter(program__slug=program_slug)
    if email is not None:
        try:
            participants = participants.filter(email_normalised=normalise_email(email))
        except Invalid:
            return participants.none()
    if external_id is not None:
        participants = participants.filter(external_id=external_id)
    if code is not None:
        code = normalise_code(code)
        if not code:
            return participants.none()
        participants = participants.filter(code=code)
    return participants


# ---------------------------------------------------------------------------------------------
# The console's list: counts and an activity status, computed by the database.
#
# The figures come from tables of higher apps (clicks, referrals, rewards) read through the
# participant's reverse relations, so this app imports none of them.

ACTIVITY_STATUSES = ("new", "sharing", "referring", "earning")
# Rewards that still stand (earned, whether or not approved or paid yet).
STANDING_REWARD_STATUSES = ("pending", "needs_review", "approved", "paid")


def _exists(**lookups):
    return Exists(Participant.objects.filter(pk=OuterRef("pk"), **lookups))


def _count(relation: str):
    return Subquery(
        Participant.objects.filter(pk=OuterRef("pk"))
        .values("pk")
        .annotate(n=Count(relation))
        .values("n")
    )


def with_activity(participants):
    """Annotate `has_clicks`, `has_referrals`, `has_earned` and `activity`: `new` (no clicks
    yet), `sharing` (clicks, no referrals), `referring` (referrals, no rewards), `earning`
    (rewards that still stand: not rejected or reversed)."""
    return participants.annotate(
        has_clicks=_exists(clicks__isnull=False),
        has_referrals=_exists(referrals__isnull=False),
        has_earned=_exists(rewards__status__in=STANDING_REWARD_STATUSES),
    ).annotate(
        activity=Case(
            When(has_earned=True, then=Value("earning")),
            When(has_referrals=True, then=Value("referring")),
            When(has_clicks=True, then=Value("sharing")),
            default=Value("new"),
            output_field=CharField(),
        )
    )


def with_figures(participants):
    """Annotate `clicks_count`, `referrals_count`, `earned` (minor units, in the program's
    currency: what the ledger holds for them, pending + approved + paid) and
    `earned_elsewhere` (rewards in another currency exist)."""
    standing_money = Q(rewards__status__in=STANDING_REWARD_STATUSES, rewards__amount__isnull=False)
    earned = Subquery(
        Participant.objects.filter(pk=OuterRef("pk"))
        .values("pk")
        .annotate(
            total=Sum(
                F("rewards__amount") - F("rewards__reversed_amount"),
                filter=standing_money & Q(rewards__currency=F("program__currency")),
            )
        )
        .values("total")
    )
    return participants.annotate(
        clicks_count=_count("clicks"),
        referrals_count=_count("referrals"),
        earned=Coalesce(earned, Value(0)),
        earned_elsewhere=Exists(
            Participant.objects.filter(pk=OuterRef("pk")).filter(
                standing_money
                & (
                    Q(rewards__currency__lt=F("program__currency"))
                    | Q(rewards__currency__gt=F("program__currency"))
                )
            )
        ),
    )


def participants_search(
    *,
    workspace,
    query: str = "",
    program_slug: str = "",
    kind: str = "",
    activity: str = "",
    earned: str = "",
):
    """The console's list: the workspace's participants, newest first, narrowed by a search
    (name, e-mail, code or external id, any case) and filters (program, kind, activity
    status, has earned: "yes" / "no"), with `activity` annotated. Unknown filter values are
    ignored by the caller's form, not here: here they match nothing."""
    participants = with_activity(
        Participant.objects.select_related("program").filter(workspace=workspace)
    )
    query = query.strip()
    if query:
        participants = participants.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(code__icontains=query)
            | Q(external_id__icontains=query)
        )
    if program_slug:
        participants = participants.filter(program__slug=program_slug)
    if kind:
        participants = participants.filter(kind=kind)
    if activity:
        participants = participants.filter(activity=activity)
    if earned in {"yes", "no"}:
        participants = participants.filter(has_earned=earned == "yes")
    return participants.order_by("-created_at", "-pk")


def participant_detail(*, workspace, participant_id: str) -> Participant | None:
    """One participant of the workspace with its activity status (None: not theirs)."""
    parsed = parse_uuid(participant_id)
    if parsed is None:
        return None
    return (
        with_activity(Participant.objects.select_related("program", "workspace"))
        .filter(workspace=workspace, pk=parsed)
        .first()
    )


def import_job_get(*, workspace, job_id) -> ImportJob | None:
    parsed = parse_uuid(str(job_id))
    if parsed is None:
        return None
    return (
        ImportJob.objects.select_related("program").filter(workspace=workspace, pk=parsed).first()
    )


def imports_recent(*, workspace, limit: int = 10) -> list[ImportJob]:
    """The workspace's latest imports, newest first, without their files or reports."""
    return list(
        ImportJob.objects.filter(workspace=workspace)
        .select_related("program")
        .defer("content", "report")
        .order_by("-created_at")[:limit]
    )
