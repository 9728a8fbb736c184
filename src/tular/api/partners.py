"""/api/v1/partner-applications, /api/v1/partners, /api/v1/partner-tiers, /api/v1/co-marketing
(secret key).

Thin handlers over tular.partners (applications, tiers, profiles); the console's partner pages
call the same services. docs/partners.md describes the model and the rules."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.errors import Invalid, NotFound
from tular.core.ids import parse_uuid
from tular.core.schemas import Strict
from tular.participants.models import Participant
from tular.participants.services import referral_url
from tular.partners import applications as application_services
from tular.partners import comarketing
from tular.partners.models import CoMarketingActivity, PartnerApplication, TierChange
from tular.partners.selectors import partners_of
from tular.partners.tiers import partner_set_tier, tier_create, tier_release
from tular.programs.models import PartnerTier
from tular.programs.services import program_get, program_named_in_body
from tular.workspaces.audit import Actor

router = Router(tags=["partners"])

Text = Annotated[str, StringConstraints(max_length=500)]


# --- schemas --------------------------------------------------------------------------------


class PartnerTierOut(Schema):
    id: UUID
    program: str
    name: str
    rank: int = Field(description="Higher is better.")
    rate_kind: Literal["commission", "margin"]
    rate: str | None = Field(
        description="Percent as a decimal string; replaces the percent of the program's "
        "percent-of-sale rules for partners in this tier. null: the rules apply unchanged."
    )
    badge: str
    description: str


class PartnerTierIn(Strict):
    program: str = Field(description="Program slug (a reseller, technology or service program).")
    name: Annotated[str, StringConstraints(max_length=80)]
    rank: int = Field(description="0 to 1000, higher is better; unique in the program.")
    rate_kind: Literal["commission", "margin"] = "commission"
    rate: str | None = Field(None, description='Percent string, e.g. "25".', examples=["25"])
    badge: Annotated[str, StringConstraints(max_length=40)] = ""
    description: Text = ""


class PartnerApplicationOut(Schema):
    id: UUID
    program: str
    company: str
    website: str
    country: str
    partner_type: str
    contact_name: str
    contact_email: str
    message: str
    language: str
    status: Literal["pending", "approved", "rejected"]
    reason: str
    decided_by: str
    decided_at: datetime | None
    partner_id: UUID | None = Field(description="The partner enrolled on approval.")
    created_at: datetime


class PartnerApplicationIn(Strict):
    program: str
    company: Annotated[str, StringConstraints(max_length=200)]
    contact_name: Annotated[str, StringConstraints(max_length=200)]
    contact_email: Annotated[str, StringConstraints(max_length=254)]
    partner_type: Literal["reseller", "technology", "service", "referral"] | None = None
    website: Text = ""
    country: Annotated[str, StringConstraints(max_length=2)] = ""
    message: Annotated[str, StringConstraints(max_length=2000)] = ""
    language: Literal["id", "en"] = "id"


class PartnerDecisionIn(Strict):
    reason: Text = ""


class PartnerBulkDecisionIn(Strict):
    ids: list[UUID] = Field(min_length=1, max_length=500)
    decision: Literal["approve", "reject"]
    reason: Text = ""


class PartnerBulkDecisionOut(Schema):
    decided: list[PartnerApplicationOut]
    skipped: list[dict] = Field(description='[{"id", "reason"}]: already decided, not found…')


class PartnerMemberOut(Schema):
    id: UUID
    name: str
    email: str
    role: str
    invited_at: datetime | None


class PartnerTierChangeOut(Schema):
    from_tier: str = Field(description="The tier's name then; empty: none.")
    to_tier: str
    source: Literal["rule", "manager", "application"]
    reason: str
    actor: str
    at: datetime


class PartnerOut(Schema):
    id: UUID = Field(description="The partner's participant id (its earning account).")
    program: str
    email: str
    name: str
    kind: str
    code: str
    tier: PartnerTierOut | None
    tier_by_hand: bool
    legal_name: str
    website: str
    country: str
    partner_type: str
    description: str
    created_at: datetime


class PartnerDetail(PartnerOut):
    members: list[PartnerMemberOut]
    tier_history: list[PartnerTierChangeOut]


class PartnerSetTierIn(Strict):
    tier: UUID | None = Field(description="A tier of the partner's program; null: no tier.")
    reason: Text = ""
    by_hand: bool = Field(
        True,
        description="true pins the tier (the rules leave it); false hands the partner back to "
        "the rules after the move.",
    )


# --- shapes ---------------------------------------------------------------------------------


def _tier_out(tier: PartnerTier, slug: str) -> dict:
    return {
        "id": tier.id,
        "program": slug,
        "name": tier.name,
        "rank": tier.rank,
        "rate_kind": tier.rate_kind,
        "rate": None if tier.rate is None else format(tier.rate.normalize(), "f"),
        "badge": tier.badge,
        "description": tier.description,
    }


def _application_out(application: PartnerApplication) -> dict:
    return {
        "id": application.id,
        "program": application.program.slug,
        **{
            field: getattr(application, field)
            for field in (
                "company",
                "website",
                "country",
                "partner_type",
                "contact_name",
                "contact_email",
                "message",
                "language",
                "status",
                "reason",
                "decided_by",
                "decided_at",
                "created_at",
            )
        },
        "partner_id": application.participant_id,
    }


def _partner_out(participant: Participant) -> dict:
    profile = getattr(participant, "partner_profile", None)
    return {
        "id": participant.id,
        "program": participant.program.slug,
        "email": participant.email,
        "name": participant.name,
        "kind": participant.kind,
        "code": participant.code,
        "tier": _tier_out(participant.tier, participant.program.slug) if participant.tier else None,
        "tier_by_hand": bool(profile and profile.tier_by_hand),
        "legal_name": profile.legal_name if profile else "",
        "website": profile.website if profile else "",
        "country": profile.country if profile else "",
        "partner_type": profile.partner_type if profile else "",
        "description": profile.description if profile else "",
        "created_at": participant.created_at,
    }


def _partners(workspace):
    return partners_of(workspace=workspace).select_related("program", "tier", "partner_profile")


def _partner(request, partner_id: str) -> Participant:
    pk = parse_uuid(partner_id)
    partner = _partners(request.workspace).filter(pk=pk).first() if pk else None
    if partner is None:
        raise NotFound("No partner with this id in this workspace.")
    return partner


def _application(request, application_id: str) -> PartnerApplication:
    pk = parse_uuid(application_id)
    found = (
        PartnerApplication.objects.filter(workspace=request.workspace, pk=pk)
        .select_related("program")
        .first()
        if pk
        else None
    )
    if found is None:
        raise NotFound("No application with this id in this workspace.")
    return found


def _base(request) -> str:
    return request.build_absolute_uri("/")[:-1]


# --- tiers ----------------------------------------------------------------------------------


class PartnerTierQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


@router.get("/partner-tiers", response={200: page_of(PartnerTierOut)})
def list_tiers(request, query: Query[PartnerTierQuery]):
    """The workspace's partner tiers, a page at a time (`program` narrows)."""
    tiers = PartnerTier.objects.filter(program__workspace=request.workspace).select_related(
        "program"
    )
    if query.program is not None:
        tiers = tiers.filter(program__slug=query.program)
    return paginate(
        tiers,
        after=query.after,
        limit=query.limit,
        shape=lambda tier: _tier_out(tier, tier.program.slug),
    )


@router.post("/partner-tiers", response={201: PartnerTierOut, 200: PartnerTierOut})
def create_tier(request, payload: PartnerTierIn):
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    tier = tier_create(
        program=program,
        name=payload.name,
        rank=payload.rank,
        rate=payload.rate,
        rate_kind=payload.rate_kind,
        badge=payload.badge,
        description=payload.description,
        actor=Actor.for_api_key(request.api_key),
    )
    return Status(201, _tier_out(tier, program.slug))


# --- applications ---------------------------------------------------------------------------


class PartnerApplicationQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = None
    status: Literal["pending", "approved", "rejected"] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


@router.get("/partner-applications", response={200: page_of(PartnerApplicationOut)})
def list_applications(request, query: Query[PartnerApplicationQuery]):
    """Applications to the workspace's partner programs, oldest first."""
    rows = PartnerApplication.objects.filter(workspace=request.workspace).select_related("program")
    if query.program is not None:
        rows = rows.filter(program__slug=query.program)
    if query.status is not None:
        rows = rows.filter(status=query.status)
    return paginate(rows, after=query.after, limit=query.limit, shape=_application_out)


@router.post(
    "/partner-applications", response={201: PartnerApplicationOut, 200: PartnerApplicationOut}
)
def create_application(request, payload: PartnerApplicationIn):
    """An application made on the applicant's behalf (the public form is
    /join/{program}/partner). Approved at once when the program approves by itself."""
    program = program_named_in_body(workspace=request.workspace, slug=payload.program)
    application = application_services.partner_apply(
        program=program,
        company=payload.company,
        contact_name=payload.contact_name,
        contact_email=payload.contact_email,
        partner_type=payload.partner_type,
        website=payload.website,
        country=payload.country,
        message=payload.message,
        language=payload.language,
        base_url=_base(request),
    )
    return Status(201, _application_out(application))


@router.post("/partner-applications/decide", response={200: PartnerBulkDecisionOut})
def decide_applications(request, payload: PartnerBulkDecisionIn):
    """Approve or reject many at once (rejecting needs a reason); each is decided on its own,
    those already decided or unknown are listed in `skipped`."""
    result = application_services.applications_decide(
        workspace=request.workspace,
        ids=payload.ids,
        approve=payload.decision == "approve",
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
        base_url=_base(request),
    )
    return {
        "decided": [_application_out(application) for application in result.decided],
        "skipped": [{"id": key, "reason": why} for key, why in result.skipped],
    }


@router.get("/partner-applications/{application_id}", response={200: PartnerApplicationOut})
def get_application(request, application_id: str):
    return _application_out(_application(request, application_id))


@router.post(
    "/partner-applications/{application_id}/approve", response={200: PartnerApplicationOut}
)
def approve_application(request, application_id: str, payload: PartnerDecisionIn | None = None):
    """Enrol the applicant as a partner (profile, owner member, first tier) and e-mail the
    portal invitation. 409 when already decided."""
    decided = application_services.application_decide(
        application=_application(request, application_id),
        approve=True,
        reason=payload.reason if payload else "",
        actor=Actor.for_api_key(request.api_key),
        base_url=_base(request),
    )
    return _application_out(decided)


@router.post("/partner-applications/{application_id}/reject", response={200: PartnerApplicationOut})
def reject_application(request, application_id: str, payload: PartnerDecisionIn):
    """Reject with a reason (required), e-mailed to the applicant. 409 when already decided."""
    decided = application_services.application_decide(
        application=_application(request, application_id),
        approve=False,
        reason=payload.reason,
        actor=Actor.for_api_key(request.api_key),
        base_url=_base(request),
    )
    return _application_out(decided)


# --- partners -------------------------------------------------------------------------------


class PartnerQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = None
    tier: UUID | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


@router.get("/partners", response={200: page_of(PartnerOut)})
def list_partners(request, query: Query[PartnerQuery]):
    """The workspace's partners (participants of kind partner or reseller) with their tier and
    organisation profile."""
    partners = _partners(request.workspace)
    if query.program is not None:
        program = program_get(workspace=request.workspace, slug=query.program)
        partners = partners.filter(program=program) if program else partners.none()
    if query.tier is not None:
        partners = partners.filter(tier_id=query.tier)
    return paginate(partners, after=query.after, limit=query.limit, shape=_partner_out)


def _detail(partner: Participant) -> dict:
    profile = getattr(partner, "partner_profile", None)
    members = list(profile.members.order_by("created_at")) if profile else []
    history = TierChange.objects.filter(participant=partner).order_by("-at", "-id")[:100]
    return {
        **_partner_out(partner),
        "members": [
            {
                "id": member.id,
                "name": member.name,
                "email": member.email,
                "role": member.role,
                "invited_at": member.invited_at,
            }
            for member in members
        ],
        "tier_history": [
            {
                "from_tier": change.from_name,
                "to_tier": change.to_name,
                "source": change.source,
                "reason": change.reason,
                "actor": change.actor,
                "at": change.at,
            }
            for change in history
        ],
    }


@router.get("/partners/{partner_id}", response={200: PartnerDetail})
def get_partner(request, partner_id: str):
    """A partner with its members and its tier history (newest first, the last 100)."""
    return _detail(_partner(request, partner_id))


@router.post("/partners/{partner_id}/tier", response={200: PartnerDetail})
def set_partner_tier(request, partner_id: str, payload: PartnerSetTierIn):
    """Move the partner to a tier by hand (recorded with the reason). 422 for a tier of
    another program."""
    partner = _partner(request, partner_id)
    tier = None
    if payload.tier is not None:
        tier = PartnerTier.objects.filter(program=partner.program, pk=payload.tier).first()
        if tier is None:
            raise Invalid(["tier"], "no such tier in the partner's program")
    actor = Actor.for_api_key(request.api_key)
    partner_set_tier(participant=partner, tier=tier, actor=actor, reason=payload.reason)
    if not payload.by_hand:
        tier_release(participant=partner, actor=actor)
    return _detail(_partner(request, partner_id))


# --- co-marketing ---------------------------------------------------------------------------


class ActivityFiguresOut(Schema):
    clicks: int = Field(description="Clicks of the activity's link.")
    leads: int = Field(description="Referrals (sign-ups) that came through those clicks.")
    customers: int = Field(description="Those of them with a first sale.")
    revenue: dict[str, int] = Field(
        description="Their sales minus refunds, per currency, in minor units."
    )
    rewards: dict[str, int] = Field(
        description="What the partner earned on them (not rejected, net of reversals), per "
        "currency, in minor units."
    )


class ActivityOut(Schema):
    id: UUID
    program: str
    partner_id: UUID = Field(description="The partner's participant id; credited as referrer.")
    kind: Literal["webinar", "content", "event", "email_swap"]
    title: str
    starts_on: date
    ends_on: date | None
    notes: str
    budget: int | None = Field(description="Minor units of budget_currency; null: not recorded.")
    budget_currency: str
    status: Literal["planned", "running", "done"]
    code: str = Field(description="The activity's own code; never changes.")
    url: str = Field(description="The activity's link, /r/{code}.")
    figures: ActivityFiguresOut
    created_at: datetime
    updated_at: datetime


class ActivityIn(Strict):
    partner: UUID = Field(description="A partner (participant id) of a partner program.")
    kind: Literal["webinar", "content", "event", "email_swap"]
    title: Annotated[str, StringConstraints(max_length=200)]
    starts_on: date
    ends_on: date | None = None
    notes: Annotated[str, StringConstraints(max_length=2000)] = ""
    budget: int | None = Field(None, description="Minor units; needs budget_currency.")
    budget_currency: Annotated[str, StringConstraints(max_length=3)] = ""
    status: Literal["planned", "running", "done"] = "planned"
    code: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        None,
        description="Chosen code (3-32 letters, digits, '-' or '_'); absent: the partner's code "
        "with a dash and four characters.",
    )


class ActivityPatch(Strict):
    kind: Literal["webinar", "content", "event", "email_swap"] | None = None
    title: Annotated[str, StringConstraints(max_length=200)] | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None
    budget: int | None = None
    budget_currency: Annotated[str, StringConstraints(max_length=3)] | None = None
    status: Literal["planned", "running", "done"] | None = None


class ActivityQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = None
    partner: UUID | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


def _activities_out(request, activities: list[CoMarketingActivity]) -> list[dict]:
    figures = comarketing.activity_figures(activities=activities)
    base = _base(request)
    return [
        {
            "id": activity.id,
            "program": activity.program.slug,
            "partner_id": activity.participant_id,
            **{name: getattr(activity, name) for name in comarketing.EDITABLE},
            "code": activity.link.code,
            "url": referral_url(activity.link.code, base),
            "figures": asdict(figures[activity.pk]),
            "created_at": activity.created_at,
            "updated_at": activity.updated_at,
        }
        for activity in activities
    ]


def _activity(request, activity_id: str) -> CoMarketingActivity:
    pk = parse_uuid(activity_id)
    found = (
        comarketing.activities_of(workspace=request.workspace).filter(pk=pk).first() if pk else None
    )
    if found is None:
        raise NotFound("No co-marketing activity with this id in this workspace.")
    return found


@router.get("/co-marketing", response={200: page_of(ActivityOut)})
def list_activities(request, query: Query[ActivityQuery]):
    """The workspace's co-marketing activities with their figures (`program`, `partner`
    narrow), in the order they were created."""
    program = None
    if query.program is not None:
        program = program_get(workspace=request.workspace, slug=query.program)
        if program is None:
            return {"items": [], "next": None}
    rows = comarketing.activities_of(workspace=request.workspace, program=program)
    if query.partner is not None:
        rows = rows.filter(participant_id=query.partner)
    page = paginate(rows, after=query.after, limit=query.limit)
    return {**page, "items": _activities_out(request, page["items"])}


@router.post("/co-marketing", response={201: ActivityOut})
def create_activity(request, payload: ActivityIn):
    """A joint activity with a partner, with its own link and code: clicks, sign-ups and sales
    through it credit the partner and count for the activity. 422 naming the field, 409 for a
    chosen code that is taken."""
    partner = _partners(request.workspace).filter(pk=payload.partner).first()
    if partner is None:
        raise Invalid(["partner"], "no partner with this id in this workspace")
    values = payload.model_dump()
    values.pop("partner")
    activity = comarketing.activity_create(
        participant=partner, actor=Actor.for_api_key(request.api_key), **values
    )
    return Status(201, _activities_out(request, [_activity(request, str(activity.pk))])[0])


@router.get("/co-marketing/{activity_id}", response={200: ActivityOut})
def get_activity(request, activity_id: str):
    """An activity with its figures as they stand (clicks, leads, customers, revenue, rewards)."""
    return _activities_out(request, [_activity(request, activity_id)])[0]


@router.patch("/co-marketing/{activity_id}", response={200: ActivityOut})
def update_activity(request, activity_id: str, payload: ActivityPatch):
    """Change what was sent (null clears ends_on or budget); `"status": "done"` finishes it.
    The code never changes."""
    activity = _activity(request, activity_id)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("kind", "title", "starts_on", "notes", "status", "budget_currency"):
        if name in changes and changes[name] is None:
            raise Invalid([name], "may not be null")
    comarketing.activity_update(
        activity=activity, changes=changes, actor=Actor.for_api_key(request.api_key)
    )
    return _activities_out(request, [_activity(request, activity_id)])[0]
