"""POST /api/v1/programs/{slug}/backtest (what draft rules would have paid) and
GET /api/v1/participants/{id}/tree (who referred whom). The same services as the console's
backtest page: tular.analytics.backtest and tular.analytics.tree (docs/backtest.md)."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Query, Router, Schema

from tular.analytics import backtest as backtests
from tular.analytics.tree import MAX_DEPTH, tree_of
from tular.api.metrics import Day
from tular.core.errors import NotFound
from tular.participants import selectors as participant_selectors
from tular.programs.services import program_get

router = Router(tags=["insight"])


class BacktestIn(Schema):
    rules: Any = Field(
        description="The draft rules: a list of rules as in a program's `rules` (validated the "
        "same way: a bad rule is a 422 naming it)."
    )
    from_: Day = Field(alias="from", description="First day (UTC), included.")
    to: Day = Field(
        description=f"Last day (UTC), included; at most {backtests.MAX_DAYS} days after `from`."
    )
    # strict: "yes", 1 or "true" are a 422, not a save (tests/api/test_fuzz.py found it)
    save: bool = Field(
        default=False,
        strict=True,
        description="Keep the run (rules, period and result) as a saved backtest.",
    )


class MoneyLine(Schema):
    currency: str = Field(description="ISO 4217 code.")
    would_pay: int = Field(description="Minor units the draft rules would have earned, net.")
    paid: int = Field(description="Minor units the program's rules earned, net.")
    difference: int = Field(description="`would_pay` - `paid`.")


class Perks(Schema):
    would_give: int
    given: int
    difference: int


class ParticipantLine(Schema):
    participant_id: str
    name: str
    email: str
    money: list[MoneyLine] = Field(description="Per currency, never added together.")
    perks_would_give: int
    perks_given: int


class Occurrences(Schema):
    signup: int
    qualified: int
    won: int
    sale: int
    refund: int = Field(description="Refunds of the period's sales (up to now).")
    cancel: int = Field(description="Cancellations since the period began (up to now).")


class BacktestOut(Schema):
    id: str | None = Field(None, description="The saved run's id, when `save` was true.")
    program: str
    from_: date = Field(alias="from")
    to: date
    rules: list[dict] = Field(description="The draft rules as validated.")
    occurrences: Occurrences = Field(description="The history replayed, by kind.")
    totals: list[MoneyLine] = Field(description="Per currency, sorted by currency.")
    perks: Perks = Field(description="Perks are counted, not valued.")
    rewards_would_grant: int
    needs_review: int = Field(
        description="Rewards a person would have checked (a cap in another currency)."
    )
    participants: list[ParticipantLine] = Field(
        description="Every participant with a reward either way, the largest difference first."
    )
    assumptions: list[str] = Field(description="What the backtest takes as given.")
    seconds: float = Field(description="How long the run took.")


@router.post(
    "/programs/{slug}/backtest", response={200: BacktestOut}, by_alias=True, tags=["insight"]
)
def program_backtest(request, slug: str, payload: BacktestIn):
    """What the draft `rules` would have paid over the period's real history (sign-ups,
    qualified and won moves, sales; refunds and cancellations reversing as they do live),
    beside what the program's rules earned for the same occurrences, per participant and in
    total, per currency. Nothing changes unless `save` is true. 422 for bad rules or a period
    longer than 366 days."""
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise NotFound(f"No program with slug {slug!r} in this workspace.")
    result = backtests.backtest(
        program=program, rules=payload.rules, first=payload.from_, last=payload.to
    )
    if payload.save:
        result = {**result, "id": str(backtests.backtest_save(program=program, result=result).pk)}
    return result


class TreeNode(Schema):
    referral_id: str
    generation: int = Field(description="1 for the participant's own referrals.")
    friend_id: str | None = Field(
        description="The referred customer's own participant; null for a lead without one."
    )
    name: str
    email: str
    status: str
    created_at: datetime
    repeat: bool = Field(
        description="The friend is already elsewhere in the tree (a cycle): not expanded again."
    )
    children: list["TreeNode"] = Field(description="The referrals this friend made in turn.")


TreeNode.model_rebuild()


class TreeOut(Schema):
    participant_id: str
    name: str
    depth: int
    count: int = Field(description="Referrals in the tree.")
    truncated: bool = Field(description="Some were left out: deeper than `depth`, or too many.")
    referrals: list[TreeNode]


class TreeQuery(Schema):
    depth: int = Field(5, ge=1, le=MAX_DEPTH, description="Generations to read.")


@router.get("/participants/{participant_id}/tree", response={200: TreeOut}, tags=["insight"])
def participant_tree(request, participant_id: str, query: Query[TreeQuery]):
    """Who the participant referred, who those friends referred in turn, and so on (R57),
    bounded in depth (default 5) and size (500 referrals), safe against cycles."""
    participant = participant_selectors.get_in_workspace(
        workspace=request.workspace, participant_id=participant_id
    )
    if participant is None:
        raise NotFound("No participant with this id in this workspace.")
    return tree_of(participant=participant, depth=query.depth)
