"""A sale's customer journey, and who shares its commission under the program's model (R14).

The journey of a sale is, inside the program's window before it (docs/attribution.md):

- the referral's own touch: the click it was attributed by (at the click's time), or, for a
  referral attributed by a code or submitted as a lead, the referral itself at its creation;
  it credits the referral's referrer;
- the customer's touchpoints (`tracking.Touchpoint`), the referral's own click counted once.

`journey` builds it from plain values (no database), so the comparison (analytics, thousands of
sales read at once) and the grant (referrals, one sale) build it the same way.
`commission_shares` turns a journey into the participants' shares of a commission: campaign and
direct touches keep their credit in the comparison, but the commission is renormalised over the
participants' touches, so a split sale never pays more or less than a sale to one referrer.
`sale_commission_shares` reads one sale's journey for the grant.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from uuid import UUID

from tular.programs.models import Program
from tular.tracking.credit import DEFAULT_HALF_LIFE_DAYS, Model, Touch, credit
from tular.tracking.models import Click
from tular.tracking.touchpoints import JourneyTouch, journeys_of

PARTICIPANT = "participant:"
CAMPAIGN = "campaign:"
DIRECT = "direct"


def model_of(program: Program) -> Model:
    """The program's attribution model (`attribution.model`; left out: last_touch)."""
    return Model(program.attribution.get("model") or Model.last_touch)


def half_life_of(program: Program) -> int:
    """time_decay's half-life in days (`attribution.half_life_days`; left out: 7)."""
    return int(program.attribution.get("half_life_days") or DEFAULT_HALF_LIFE_DAYS)


def participant_who(participant_id) -> str:
    return f"{PARTICIPANT}{participant_id}"


def journey(
    *,
    referrer_id,
    referral_at: datetime,
    referral_click_id,
    touchpoints: Iterable[JourneyTouch],
) -> list[Touch]:
    """The touches of a sale in time order (ties by who): the referral's own touch at
    `referral_at` (its click's time, or its creation), crediting `referrer_id`, then the
    customer's touchpoints; a `click` touchpoint of the referral's own click is left out (it is
    the referral's touch). Which touches are inside the window is the model's business."""
    touches = [Touch(at=referral_at, who=participant_who(referrer_id))]
    for point in touchpoints:
        if point.click_id is not None and point.click_id == referral_click_id:
            continue  # the referral's own click, counted above
        if point.participant_id is not None:
            who = participant_who(point.participant_id)
        elif point.campaign:
            who = f"{CAMPAIGN}{point.campaign}"
        else:
            who = DIRECT
        touches.append(Touch(at=point.occurred_at, who=who))
    touches.sort(key=lambda touch: (touch.at, touch.who))
    return touches


def _per_participant(touches: Sequence[Touch], shares: Sequence[Fraction]) -> dict[str, Fraction]:
    """{participant who: summed share}, in the order of each participant's first touch given."""
    found: dict[str, Fraction] = {}
    for touch, share in zip(touches, shares, strict=True):
        if share and touch.who.startswith(PARTICIPANT):
            found[touch.who] = found.get(touch.who, Fraction(0)) + share
    return found


def commission_shares(
    model: Model | str,
    touches: Sequence[Touch],
    *,
    converted_at: datetime,
    window_days: int,
    half_life_days: int = DEFAULT_HALF_LIFE_DAYS,
) -> list[tuple[UUID, Fraction]]:
    """The participants' shares of a sale's commission: [(participant id, share)], shares > 0
    summing to exactly 1, in the order of each one's first touch (touches in time order, as
    `journey` gives them); [] when no participant has a touch inside the window.

    The model's shares (`credit`) over the whole journey, campaign and direct touches included,
    renormalised over the participants' touches: what campaigns and the direct team are
    credited with is shared by the participants in proportion. When the model gives the
    participants nothing at all (first_touch or last_touch on a campaign or direct touch), the
    model is applied to the participants' touches alone (the first or last participant)."""
    options = {
        "converted_at": converted_at,
        "window_days": window_days,
        "half_life_days": half_life_days,
    }
    found = _per_participant(touches, credit(model, touches, **options))
    if not found:
        people = [touch for touch in touches if touch.who.startswith(PARTICIPANT)]
        found = _per_participant(people, credit(model, people, **options))
    total = sum(found.values(), Fraction(0))
    return [(UUID(who.removeprefix(PARTICIPANT)), share / total) for who, share in found.items()]


def sale_commission_shares(
    *,
    program: Program,
    customer_external_id: str | None,
    referrer_id,
    referred_at: datetime,
    referral_click_id,
    converted_at: datetime,
) -> list[tuple[UUID, Fraction]] | None:
    """How a sale's referrer commission is split under the program's model, or None when it
    goes whole to the referral's referrer as it always did: the model is last_touch (then
    nothing is read: the referral is already the last touch of our own links), or the journey
    credits the referrer alone.

    Otherwise one query for the customer's touchpoints inside the window and, for a referral
    attributed by a click, one for the click's time. The referral's own touch always counts:
    a referral older than the window (a recurring sale, a long sales cycle) is placed at the
    window's start, so the referral's referrer is always in the journey."""
    model = model_of(program)
    if model == Model.last_touch:
        return None
    window_days = program.window_days
    since = converted_at - timedelta(days=window_days)
    points: list[JourneyTouch] = []
    if customer_external_id:
        points = journeys_of(
            program=program,
            customer_external_ids=[customer_external_id],
            since=since,
            until=converted_at + timedelta(microseconds=1),  # a touch at the sale counts
        ).get(customer_external_id, [])
    referral_at = referred_at
    if referral_click_id is not None:
        clicked = (
            Click.objects.filter(pk=referral_click_id).values_list("created_at", flat=True).first()
        )
        referral_at = clicked or referral_at
    referral_at = min(max(referral_at, since), converted_at)
    touches = journey(
        referrer_id=referrer_id,
        referral_at=referral_at,
        referral_click_id=referral_click_id,
        touchpoints=points,
    )
    shares = commission_shares(
        model,
        touches,
        converted_at=converted_at,
        window_days=window_days,
        half_life_days=half_life_of(program),
    )
    if not shares or (len(shares) == 1 and shares[0][0] == referrer_id):
        return None
    return shares
