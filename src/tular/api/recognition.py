"""/api/v1/leaderboard, /api/v1/contests, /api/v1/participants/{id}/badges: recognition
(R40, docs/recognition.md). The same services as the console's recognition page
(tular.analytics.recognition)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, StringConstraints

from tular.analytics import recognition
from tular.analytics.models import Contest
from tular.api.pagination import AFTER_DESCRIPTION, PageQuery, page_of, paginate
from tular.core.errors import Invalid, NotFound
from tular.core.ids import parse_uuid
from tular.core.schemas import Strict
from tular.participants import selectors as participant_selectors
from tular.programs.services import program_get, program_named_in_body
from tular.workspaces.audit import Actor

router = Router(tags=["recognition"])

ProgramSlug = Annotated[str, StringConstraints(min_length=1, max_length=50)]
MEASURE_DESCRIPTION = (
    "`referrals` (counted referrals made in the period: all but those flagged or rejected), "
    "`customers` (of those, the ones with a first sale by the period's end) or `won` (of "
    "those, the leads won in the pipeline by the period's end)."
)


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


def _program_in_query(request, slug: str):
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise Invalid(["program"], f"no program {slug!r} in this workspace")
    return program


def _in_query(error: Invalid) -> Invalid:
    for item in error.extra.get("errors", []):
        if item["loc"] and item["loc"][0] == "body":
            item["loc"][0] = "query"
    return error


# ---------------------------------------------------------------- leaderboard


class LeaderboardQuery(Schema):
    program: ProgramSlug = Field(description="The program's slug.")
    period: Literal[recognition.PERIODS] = Field(
        "month",
        description="The calendar `month`, `quarter` or `year` (UTC) containing `day`, or `all` "
        "time.",
    )
    day: date | None = Field(None, description="A day of the period (UTC); default today.")
    measure: Literal[recognition.MEASURES] = Field("referrals", description=MEASURE_DESCRIPTION)
    limit: int = Field(recognition.LEADERBOARD_LIMIT, ge=1, le=100, description="Rows, 1-100.")


class StandingOut(BaseModel):
    rank: int = Field(description="1 for the first; ties go to who reached the figure first.")
    participant_id: UUID
    name: str | None = Field(
        description="First name and initial, only when the participant agreed to show their "
        "name on the leaderboard; null otherwise."
    )
    label: str = Field(description='What to show: `name`, or "Referrer #<rank>" without consent.')
    referrals: int
    customers: int
    won: int
    value: int = Field(description="The figure of the board's `measure`.")


class LeaderboardOut(BaseModel):
    program: str
    period: str
    measure: str
    from_: datetime | None = Field(alias="from", description="The period's start (UTC); null: all.")
    to: datetime = Field(description="The period's end (UTC), excluded.")
    items: list[StandingOut]


def _standing_out(row) -> dict:
    return {
        "rank": row.rank,
        "participant_id": row.participant_id,
        "name": row.shown_name or None,
        "label": row.label,
        "referrals": row.referrals,
        "customers": row.customers,
        "won": row.won,
        "value": row.value,
    }


@router.get("/leaderboard", response={200: LeaderboardOut}, by_alias=True)
def get_leaderboard(request, query: Query[LeaderboardQuery]):
    """The program's leaderboard for a period: participants ranked by `measure`, names only
    with their consent (docs/recognition.md)."""
    try:
        program = _program_in_query(request, query.program)
    except Invalid as error:
        raise _in_query(error) from None
    board = recognition.leaderboard(
        program=program,
        period=query.period,
        limit=query.limit,
        measure=query.measure,
        today=query.day,
    )
    return {
        "program": program.slug,
        "period": board.period,
        "measure": board.measure,
        "from": board.start,
        "to": board.end,
        "items": [_standing_out(row) for row in board.rows],
    }


# ---------------------------------------------------------------- contests


class ContestIn(Strict):
    program: ProgramSlug = Field(description="The program's slug.")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    starts_on: date = Field(description="The first day (UTC), included.")
    ends_on: date = Field(description="The last day (UTC), included.")
    measure: Literal[tuple(Contest.Measure.values)] = Field(
        "referrals", description=MEASURE_DESCRIPTION
    )
    winners: int = Field(3, ge=1, le=recognition.MAX_WINNERS, description="1 to 20.")
    bonus_amount: int | None = Field(
        None, gt=0, description="Each winner's bonus, minor units of the program's currency."
    )
    bonus_currency: Annotated[str, StringConstraints(max_length=3)] = Field(
        "", description="The program's currency (ISO 4217), or empty."
    )
    bonus_perk: Annotated[str, StringConstraints(max_length=200)] = Field(
        "", description="A perk instead of money (one of the two)."
    )


class WinnerOut(BaseModel):
    rank: int
    participant_id: UUID
    value: int
    reward_id: UUID | None = Field(
        description="The bonus reward (trigger `bonus`); null when the winner had no referral "
        "free to carry it (docs/recognition.md)."
    )


class ContestOut(BaseModel):
    id: UUID
    program: str
    name: str
    starts_on: date
    ends_on: date
    measure: str
    winners: int
    bonus_amount: int | None
    bonus_currency: str | None
    bonus_perk: str | None
    status: str = Field(description="`open`, `settled` or `cancelled`.")
    settled_at: datetime | None
    created_by: str
    created_at: datetime
    results: list[WinnerOut] = Field(description="The winners, once settled.")


class ContestDetail(ContestOut):
    standings: list[StandingOut] = Field(
        description="The top 50 now (open) or at its end, by the contest's measure."
    )


def _contest_out(contest: Contest, *, standings: bool = False) -> dict:
    data = {
        "id": contest.id,
        "program": contest.program.slug,
        "name": contest.name,
        "starts_on": contest.starts_on,
        "ends_on": contest.ends_on,
        "measure": contest.measure,
        "winners": contest.winners,
        "bonus_amount": contest.bonus_amount,
        "bonus_currency": contest.bonus_currency or None,
        "bonus_perk": contest.bonus_perk or None,
        "status": contest.status,
        "settled_at": contest.settled_at,
        "created_by": contest.created_by,
        "created_at": contest.created_at,
        "results": [
            {
                "rank": winner.rank,
                "participant_id": winner.participant_id,
                "value": winner.value,
                "reward_id": winner.reward_id,
            }
            for winner in contest.results.order_by("rank")
        ],
    }
    if standings:
        rows, _mine = recognition.contest_standings(contest=contest)
        data["standings"] = [_standing_out(row) for row in rows]
    return data


def _contest(request, contest_id: str) -> Contest:
    pk = parse_uuid(contest_id)
    contest = (
        Contest.objects.filter(workspace=request.workspace, pk=pk).select_related("program").first()
        if pk
        else None
    )
    if contest is None:
        raise NotFound("No contest with this id in this workspace.")
    return contest


class ContestQuery(PageQuery):
    program: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="Only this program's contests (slug)."
    )
    status: Literal[tuple(Contest.Status.values)] | None = None
    after: UUID | None = Field(None, description=AFTER_DESCRIPTION)


@router.get("/contests", response={200: page_of(ContestOut)})
def list_contests(request, query: Query[ContestQuery]):
    """The workspace's contests in the order they were created, a page at a time."""
    program = None
    if query.program is not None:
        try:
            program = _program_in_query(request, query.program)
        except Invalid as error:
            raise _in_query(error) from None
    return paginate(
        recognition.contests(workspace=request.workspace, program=program, status=query.status),
        after=query.after,
        limit=query.limit,
        shape=_contest_out,
    )


@router.post("/contests", response={201: ContestOut})
def create_contest(request, payload: ContestIn):
    """A contest over a period: after its last day, settling it gives the top `winners` by
    `measure` the bonus (money in the program's currency, or a perk) as a reward."""
    contest = recognition.contest_create(
        workspace=request.workspace,
        program=program_named_in_body(workspace=request.workspace, slug=payload.program),
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        measure=payload.measure,
        winners=payload.winners,
        bonus_amount=payload.bonus_amount,
        bonus_currency=payload.bonus_currency,
        bonus_perk=payload.bonus_perk,
        actor=_actor(request),
    )
    return Status(201, _contest_out(contest))


@router.get("/contests/{contest_id}", response={200: ContestDetail})
def get_contest(request, contest_id: str):
    """One contest with its standings (the top 50 by its measure)."""
    return _contest_out(_contest(request, contest_id), standings=True)


@router.post("/contests/{contest_id}/settle", response={200: ContestOut})
def settle_contest(request, contest_id: str):
    """After its last day: records the winners and grants each the bonus reward (approved,
    in the ledger, paid by the next payout when it is money). Settling twice grants once; a
    contest not over yet or cancelled is a 409."""
    contest = recognition.contest_settle(
        contest=_contest(request, contest_id), actor=_actor(request)
    )
    return _contest_out(contest)


@router.post("/contests/{contest_id}/cancel", response={200: ContestOut})
def cancel_contest(request, contest_id: str):
    """Call off an open contest (nothing is granted); a settled one is a 409."""
    contest = recognition.contest_cancel(
        contest=_contest(request, contest_id), actor=_actor(request)
    )
    return _contest_out(Contest.objects.select_related("program").get(pk=contest.pk))


# ---------------------------------------------------------------- badges


class BadgeOut(BaseModel):
    badge: str = Field(description="The badge's id (docs/recognition.md lists them).")
    name: str = Field(description="Its name in the request's language.")
    awarded_at: datetime


@router.get("/participants/{participant_id}/badges", response={200: list[BadgeOut]})
def participant_badges(request, participant_id: str):
    """The milestones the participant reached, in the order of the list of badges."""
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=participant_id
    )
    if participant is None:
        raise NotFound("No participant with this id in this workspace.")
    return [
        {"badge": earned.badge.id, "name": str(earned.badge.name), "awarded_at": earned.awarded_at}
        for earned in recognition.participant_badges(participant=participant)
    ]
