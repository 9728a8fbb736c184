"""tracking.journeys: a sale's journey from plain values and the participants' shares of its
commission (campaign and direct touches renormalised away). Pure: no database."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tular.tracking.credit import MODELS, Model
from tular.tracking.journeys import commission_shares, journey, participant_who
from tular.tracking.touchpoints import JourneyTouch

SALE_AT = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
ANDI, MITRA, SARI = uuid4(), uuid4(), uuid4()


def days_before(days) -> datetime:
    return SALE_AT - timedelta(days=days)


def test_the_journey_is_the_referral_then_the_touchpoints_in_time_order():
    click = uuid4()
    touches = journey(
        referrer_id=ANDI,
        referral_at=days_before(14),
        referral_click_id=click,
        touchpoints=[
            JourneyTouch(days_before(0), None, "", None),
            JourneyTouch(days_before(3), None, "ramadan", None),
            JourneyTouch(days_before(7), MITRA, "", None),
            JourneyTouch(days_before(14), ANDI, "", click),  # the referral's click, again
        ],
    )
    assert [(touch.at, touch.who) for touch in touches] == [
        (days_before(14), participant_who(ANDI)),
        (days_before(7), participant_who(MITRA)),
        (days_before(3), "campaign:ramadan"),
        (days_before(0), "direct"),
    ]


def shares_of(model, touches, **options):
    options = {"converted_at": SALE_AT, "window_days": 30, **options}
    return dict(commission_shares(model, touches, **options))


def worked_example():
    """Andi 14 days, Mitra 7, the Ramadan campaign 3, the direct team 0."""
    return journey(
        referrer_id=ANDI,
        referral_at=days_before(14),
        referral_click_id=None,
        touchpoints=[
            JourneyTouch(days_before(7), MITRA, "", None),
            JourneyTouch(days_before(3), None, "ramadan", None),
            JourneyTouch(days_before(0), None, "", None),
        ],
    )


def test_campaign_and_direct_shares_go_to_the_participants_in_proportion():
    touches = worked_example()
    assert shares_of(Model.linear, touches) == {ANDI: Fraction(1, 2), MITRA: Fraction(1, 2)}
    # 40 / 10 / 10 / 40: Andi 40 and Mitra 10 of the participants' 50.
    assert shares_of(Model.position_based, touches) == {
        ANDI: Fraction(4, 5),
        MITRA: Fraction(1, 5),
    }
    decay = shares_of(Model.time_decay, touches)
    assert decay[MITRA] == 2 * decay[ANDI]  # one half-life younger: twice the weight
    assert shares_of(Model.first_touch, touches) == {ANDI: 1}


def test_when_the_model_credits_only_a_campaign_the_participants_alone_decide():
    touches = worked_example()
    # last_touch gives everything to the direct team: among the participants, Mitra is last.
    assert shares_of(Model.last_touch, touches) == {MITRA: 1}


def test_touches_outside_the_window_and_no_participant():
    touches = worked_example()
    assert shares_of(Model.linear, touches, window_days=10) == {MITRA: 1}
    assert shares_of(Model.linear, touches, window_days=5) == {}
    # Several touches of one participant add up.
    again = [
        *touches,
        *journey(
            referrer_id=MITRA, referral_at=days_before(1), referral_click_id=None, touchpoints=[]
        ),
    ]
    assert shares_of(Model.linear, again) == {ANDI: Fraction(1, 3), MITRA: Fraction(2, 3)}


WHO = st.sampled_from([ANDI, MITRA, SARI, "ramadan", None])


# A loaded machine (the suite on two cores) makes drawing slow: no deadline, no speed check.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from(MODELS),
    points=st.lists(st.tuples(st.integers(0, 40 * 24), WHO), max_size=8),
    referral_hours=st.integers(0, 30 * 24),
)
def test_shares_are_positive_and_sum_to_one(model, points, referral_hours):
    touchpoints = [
        JourneyTouch(
            SALE_AT - timedelta(hours=hours),
            who if who not in ("ramadan", None) else None,
            "ramadan" if who == "ramadan" else "",
            None,
        )
        for hours, who in points
    ]
    touches = journey(
        referrer_id=ANDI,
        referral_at=SALE_AT - timedelta(hours=referral_hours),
        referral_click_id=None,
        touchpoints=touchpoints,
    )
    shares = commission_shares(model, touches, converted_at=SALE_AT, window_days=30)
    assert shares  # the referral's touch is inside the window: somebody is credited
    assert sum(share for _, share in shares) == 1
    assert all(share > 0 for _, share in shares)
    assert len({who for who, _ in shares}) == len(shares)
