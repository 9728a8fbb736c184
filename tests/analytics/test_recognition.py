"""Recognition (R40, R61): leaderboards (consent, ranking, periods, ties), badges awarded once,
contests settled once with a bonus through the reward engine and a balanced ledger, champions."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from tests.rewards.books import (
    assert_books_agree,
    assert_ledger_balances,
    balance,
    make_participant,
    make_program,
)
from tular.analytics import recognition
from tular.analytics.models import BadgeAward, Contest, ContestWinner
from tular.core.errors import Conflict, Invalid
from tular.participants.models import Participant
from tular.referrals.models import Referral
from tular.rewards.models import LedgerTransaction, Reward, RewardStatus
from tular.rewards.services import BONUS_RULE_INDEX, reward_bonus
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
MANAGER = Actor.system("manager@example.com")


@pytest.fixture
def clock_start():
    return NOW


@pytest.fixture
def program(workspace, frozen_clock):
    # No rules: only the bonuses move money in these tests.
    return make_program(workspace, rules=[])


def referrals(participant, count, at, **fields):
    made = []
    for index in range(count):
        made.append(
            Referral.objects.create(
                workspace=participant.workspace,
                program=participant.program,
                participant=participant,
                status=fields.get("status", "active"),
                created_at=at + timedelta(minutes=index),
                first_sale_at=fields.get("first_sale_at"),
                status_changed_at=fields.get("status_changed_at"),
            )
        )
    return made


def consent(participant):
    Participant.objects.filter(pk=participant.pk).update(leaderboard_consent=True)


@pytest.fixture
def people(program):
    sinta = make_participant(program, "Sinta Wulandari")
    bayu = make_participant(program, "Bayu Pratama")
    andi = make_participant(program, "Andi")
    consent(sinta)
    # This month (May 2026): Sinta 5, Bayu 4, Andi 3 (+2 flagged, not counted).
    referrals(sinta, 5, NOW - timedelta(days=3))
    referrals(bayu, 4, NOW - timedelta(days=2))
    referrals(andi, 3, NOW - timedelta(days=1))
    referrals(andi, 2, NOW - timedelta(days=1), status="flagged")
    # Earlier this quarter (April): Bayu 3 more. Earlier this year (February): Andi 10 more.
    referrals(bayu, 3, datetime(2026, 4, 10, tzinfo=UTC))
    referrals(andi, 10, datetime(2026, 2, 10, tzinfo=UTC))
    # Last year: Sinta 20 more.
    referrals(sinta, 20, datetime(2025, 6, 1, tzinfo=UTC))
    return {"sinta": sinta, "bayu": bayu, "andi": andi}


# ----------------------------------------------------------------------------- leaderboard


def test_period_bounds_are_calendar_periods_in_utc(frozen_clock):
    assert recognition.period_bounds("month", today=date(2026, 12, 31)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert recognition.period_bounds("quarter", today=date(2026, 11, 2)) == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert recognition.period_bounds("quarter", today=date(2026, 5, 20)) == (
        datetime(2026, 4, 1, tzinfo=UTC),
        datetime(2026, 7, 1, tzinfo=UTC),
    )
    assert recognition.period_bounds("year", today=date(2026, 5, 20))[0] == datetime(
        2026, 1, 1, tzinfo=UTC
    )
    assert recognition.period_bounds("all")[0] is None
    with pytest.raises(Invalid):
        recognition.period_bounds("week")


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("month", [("sinta", 5), ("bayu", 4), ("andi", 3)]),
        ("quarter", [("bayu", 7), ("sinta", 5), ("andi", 3)]),
        ("year", [("andi", 13), ("bayu", 7), ("sinta", 5)]),
        ("all", [("sinta", 25), ("andi", 13), ("bayu", 7)]),
    ],
)
def test_the_board_ranks_counted_referrals_of_the_period(program, people, period, expected):
    board = recognition.leaderboard(program=program, period=period)
    ids = {person.pk: key for key, person in people.items()}
    assert [(ids[row.participant_id], row.referrals) for row in board.rows] == expected
    assert [row.rank for row in board.rows] == [1, 2, 3]


def test_names_only_with_consent(program, people):
    board = recognition.leaderboard(program=program, period="month")
    sinta, bayu, andi = board.rows
    with translation.override("id"):  # the label follows the active language
        assert bayu.label == "Perujuk #2"
    assert sinta.label == "Sinta W." and sinta.consent
    with translation.override("en"):
        assert bayu.shown_name == "" and bayu.label == "Referrer #2"
        assert andi.label == "Referrer #3"
    assert bayu.name == "Bayu Pratama"  # managers still know who it is


def test_the_viewer_sees_their_own_rank_outside_the_top(program, people):
    board = recognition.leaderboard(program=program, period="month", limit=1, viewer=people["andi"])
    assert [row.participant_id for row in board.rows] == [people["sinta"].pk]
    assert board.viewer.rank == 3 and board.viewer.referrals == 3 and board.viewer.is_viewer
    assert not board.viewer_in_rows
    nobody = make_participant(program, "Dewi")
    assert recognition.leaderboard(program=program, viewer=nobody).viewer is None


def test_ties_go_to_who_got_there_first(program):
    early = make_participant(program, "Early Bird")
    late = make_participant(program, "Late Comer")
    referrals(late, 2, NOW - timedelta(days=5))  # late's second referral comes first...
    referrals(early, 2, NOW - timedelta(days=6))
    board = recognition.leaderboard(program=program, period="month")
    assert [row.participant_id for row in board.rows] == [early.pk, late.pk]
    assert [row.rank for row in board.rows] == [1, 2]


def test_ranked_by_paying_customers_and_won(program):
    seller = make_participant(program, "Seller")
    closer = make_participant(program, "Closer")
    referrals(seller, 1, NOW - timedelta(days=4), first_sale_at=NOW - timedelta(days=3))
    referrals(seller, 3, NOW - timedelta(days=4))
    referrals(closer, 2, NOW - timedelta(days=4), status="won", status_changed_at=NOW)
    by_customers = recognition.leaderboard(program=program, measure="customers")
    assert [(r.participant_id, r.value) for r in by_customers.rows] == [(seller.pk, 1)]
    by_won = recognition.leaderboard(program=program, measure="won")
    assert [(r.participant_id, r.value) for r in by_won.rows] == [(closer.pk, 2)]
    by_referrals = recognition.leaderboard(program=program)
    assert [r.participant_id for r in by_referrals.rows] == [seller.pk, closer.pk]
    with pytest.raises(Invalid):
        recognition.leaderboard(program=program, measure="revenue")


def test_the_board_is_one_query(program, people, django_assert_num_queries):
    with django_assert_num_queries(1):
        recognition.leaderboard(program=program, period="all", viewer=people["bayu"])


# ----------------------------------------------------------------------------- badges


def test_badges_are_awarded_once(program, people):
    awarded = recognition.badges_award(program=program)
    mine = {
        key: {b.badge.id for b in recognition.participant_badges(participant=person)}
        for key, person in people.items()
    }
    assert mine["sinta"] == {"first_referral", "referrals_5", "referrals_10", "referrals_25"}
    assert mine["andi"] == {"first_referral", "referrals_5", "referrals_10"}  # 13 counted
    assert mine["bayu"] == {"first_referral", "referrals_5"}
    assert awarded == 9
    assert recognition.badges_award(program=program) == 0
    assert recognition.badges_award() == 0
    assert BadgeAward.objects.count() == 9
    counts = dict(
        (badge.id, n) for badge, n in recognition.badge_counts(workspace=program.workspace)
    )
    assert counts["first_referral"] == 3 and counts["referrals_25"] == 1
    assert counts["first_won"] == 0


def test_customer_and_won_badges(program):
    closer = make_participant(program, "Closer")
    referrals(closer, 1, NOW, status="won", first_sale_at=NOW)
    recognition.badges_award()
    ids = [b.badge.id for b in recognition.participant_badges(participant=closer)]
    assert ids == ["first_referral", "first_customer", "first_won"]


def test_the_worker_job_awards_badges(program, people):
    from tular.analytics import jobs

    jobs.award_badges()
    assert BadgeAward.objects.filter(participant=people["bayu"]).count() == 2


# ----------------------------------------------------------------------------- contests


def contest(program, **fields):
    values = {
        "workspace": program.workspace,
        "program": program,
        "name": "Kontes Mei",
        "starts_on": date(2026, 5, 1),
        "ends_on": date(2026, 5, 31),
        "measure": "referrals",
        "winners": 2,
        "bonus_amount": 50000000,
        "bonus_currency": "IDR",
        "bonus_perk": "",
        "actor": MANAGER,
    }
    values.update(fields)
    return recognition.contest_create(**values)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"ends_on": date(2026, 4, 30)}, "ends_on"),
        ({"winners": 0}, "winners"),
        ({"winners": 21}, "winners"),
        ({"measure": "clicks"}, "measure"),
        ({"bonus_amount": None}, "bonus_amount"),
        ({"bonus_amount": 0}, "bonus_amount"),
        ({"bonus_currency": "USD"}, "bonus_currency"),
        ({"bonus_perk": "Kaos"}, "bonus_perk"),
    ],
)
def test_a_contest_is_validated(program, fields, field):
    with pytest.raises(Invalid) as refused:
        contest(program, **fields)
    assert refused.value.extra["errors"][0]["loc"] == ["body", field]
    assert not Contest.objects.exists()


def test_a_contest_in_another_workspace_program_is_refused(program):
    from tular.workspaces.services import workspace_get_or_create

    other = workspace_get_or_create(slug="lain", name="Lain")[0]
    with pytest.raises(Invalid):
        contest(program, workspace=other)


def test_a_perk_contest(program):
    made = contest(program, bonus_amount=None, bonus_currency="", bonus_perk="Kaos edisi khusus")
    assert made.bonus_perk == "Kaos edisi khusus" and made.bonus_currency == ""
    assert AuditEntry.objects.filter(action="contest.create", target_id=str(made.pk)).exists()


def test_settling_grants_each_winner_once_through_the_ledger(program, people, frozen_clock):
    made = contest(program)
    with pytest.raises(Conflict):
        recognition.contest_settle(contest=made, actor=MANAGER)  # not over yet
    frozen_clock.set(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    settled = recognition.contest_settle(contest=made, actor=MANAGER)
    assert settled.status == Contest.Status.settled
    winners = list(ContestWinner.objects.filter(contest=made).order_by("rank"))
    assert [(w.participant_id, w.rank, w.value) for w in winners] == [
        (people["sinta"].pk, 1, 5),
        (people["bayu"].pk, 2, 4),
    ]
    for winner in winners:
        reward = winner.reward
        assert reward.trigger == "bonus" and reward.rule_index == BONUS_RULE_INDEX
        assert reward.status == RewardStatus.approved and reward.amount == 50000000
        assert reward.referral.participant_id == winner.participant_id
        assert reward.referral.created_at.date() >= date(2026, 5, 1)
        assert balance(winner.participant) == {"pending": 0, "approved": 50000000, "paid": 0}
    assert_ledger_balances()
    assert_books_agree(program)
    # Twice: nothing more.
    again = recognition.contest_settle(contest=made, actor=MANAGER)
    assert again.status == Contest.Status.settled
    assert Reward.objects.filter(trigger="bonus").count() == 2
    assert ContestWinner.objects.count() == 2
    assert LedgerTransaction.objects.filter(reward__trigger="bonus").count() == 4
    with pytest.raises(Conflict):
        recognition.contest_cancel(contest=made, actor=MANAGER)


def test_contest_ties_broken_by_who_reached_it_first(program, frozen_clock):
    first = make_participant(program, "First")
    second = make_participant(program, "Second")
    referrals(second, 3, datetime(2026, 5, 10, tzinfo=UTC))
    referrals(first, 3, datetime(2026, 5, 9, tzinfo=UTC))
    made = contest(program, winners=1)
    frozen_clock.set(datetime(2026, 6, 2, tzinfo=UTC))
    recognition.contest_settle(contest=made)
    assert list(ContestWinner.objects.values_list("participant_id", "rank")) == [(first.pk, 1)]


def test_two_contests_over_the_same_referral_each_get_their_own(program, frozen_clock):
    only = make_participant(program, "Only")
    referrals(only, 1, datetime(2026, 5, 10, tzinfo=UTC))
    one = contest(program, winners=1, name="A")
    two = contest(program, winners=1, name="B", bonus_amount=None, bonus_perk="Kaos")
    frozen_clock.set(datetime(2026, 6, 2, tzinfo=UTC))
    recognition.contest_settle(contest=one)
    recognition.contest_settle(contest=two)
    # The referral already carries the first bonus, and it is their only one: the second
    # winner's row is recorded without a reward rather than breaking the unique constraint.
    rewards = list(ContestWinner.objects.order_by("contest__name").values_list("reward", flat=True))
    assert rewards[0] is not None and rewards[1] is None
    assert_ledger_balances()


def test_a_cancelled_contest_grants_nothing(program, people, frozen_clock):
    made = contest(program)
    recognition.contest_cancel(contest=made, actor=MANAGER)
    frozen_clock.set(datetime(2026, 6, 2, tzinfo=UTC))
    with pytest.raises(Conflict):
        recognition.contest_settle(contest=made)
    assert not Reward.objects.exists()


def test_contest_standings_and_open_contests(program, people):
    made = contest(program, measure="referrals")
    rows, mine = recognition.contest_standings(contest=made, viewer=people["andi"])
    assert [r.value for r in rows] == [5, 4, 3] and mine.rank == 3
    assert list(recognition.open_contests(program=program)) == [made]
    contest(program, name="Later", starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 31))
    assert list(recognition.open_contests(program=program)) == [made]


# ----------------------------------------------------------------------------- bonus reward


def test_a_bonus_is_refused_when_it_does_not_fit(program, people):
    sinta = people["sinta"]
    referral = Referral.objects.filter(participant=sinta).first()
    with pytest.raises(ValueError):
        reward_bonus(program=program, participant=sinta, referral=referral, amount=100,
                     currency="USD", reason="x")  # fmt: skip
    with pytest.raises(ValueError):
        reward_bonus(program=program, participant=people["bayu"], referral=referral, amount=100,
                     currency="IDR", reason="x")  # fmt: skip
    with pytest.raises(ValueError):
        reward_bonus(program=program, participant=sinta, referral=referral, amount=None,
                     reason="x")  # fmt: skip
    reward_bonus(program=program, participant=sinta, referral=referral, amount=100,
                 currency="IDR", reason="x")  # fmt: skip
    with pytest.raises(Conflict):
        reward_bonus(program=program, participant=sinta, referral=referral, amount=None,
                     perk="Kaos", reason="y")  # fmt: skip
    assert Reward.objects.count() == 1
    assert_ledger_balances()


# ----------------------------------------------------------------------------- champions


def test_champions_are_everyone_who_has_referred(program, people):
    quiet = make_participant(program, "Quiet")
    flagged_only = make_participant(program, "Flagged Only")
    referrals(flagged_only, 1, NOW, status="flagged")
    found = set(recognition.champions(workspace=program.workspace).values_list("pk", flat=True))
    assert found == {p.pk for p in people.values()}
    assert quiet.pk not in found
    rows = list(recognition.champion_rows(workspace=program.workspace))
    assert [row["referrals"] for row in rows] == [25, 13, 7]
