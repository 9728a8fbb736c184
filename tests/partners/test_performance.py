"""Partner performance: revenue, wins, win rate, cycle, and the top 20 % share."""

from datetime import timedelta

import pytest

from tests.partners.test_tiers import sell
from tular.participants.services import participant_enrol
from tular.partners.performance import _top, partner_performance, top_share_by_month
from tular.referrals.pipeline import referral_move, referral_submit
from tular.workspaces.audit import Actor

RP = 100


@pytest.mark.parametrize(
    ("revenues", "expected"),
    [
        ([], (0, None)),
        ([0, 0], (1, None)),
        ([100], (1, 1.0)),
        ([80, 10, 5, 5, 0], (1, 0.8)),
        ([50, 30, 10, 5, 3, 2], (2, 0.8)),  # 20 % of 6 rounds up to 2
    ],
)
def test_the_top_20_percent_share(revenues, expected):
    assert _top(revenues) == expected


def test_figures_per_partner(workspace, reseller_program, partner, frozen_clock):
    other, _ = participant_enrol(
        program=reseller_program, email="b@mitra-b.example", name="B", kind="partner"
    )
    start = frozen_clock.now
    sell(workspace, partner, n=1, amount=40_000_000 * RP)  # referred and bought at once
    frozen_clock.advance(days=10)
    sell(workspace, other, n=2, amount=10_000_000 * RP)
    lead = referral_submit(referrer=partner, name="Lead", email="lead@calon.example")
    frozen_clock.advance(days=4)
    referral_move(referral=lead, status="lost", reason="budget", actor=Actor.system("test"))
    won = referral_submit(referrer=other, name="Won", email="won@calon.example")
    frozen_clock.advance(days=6)
    for step in ("contacted", "qualified", "won"):
        referral_move(referral=won, status=step, actor=Actor.system("test"))

    report = partner_performance(
        program=reseller_program, start=start, end=frozen_clock.now + timedelta(seconds=1)
    )
    first, second = report.rows
    assert first.participant == partner and first.revenue == 40_000_000 * RP
    assert (first.won, first.lost, first.win_rate, first.cycle_days) == (1, 1, 0.5, 0.0)
    assert second.participant == other and (second.won, second.lost) == (2, 0)
    assert second.win_rate == 1.0 and second.cycle_days == pytest.approx(3.0)  # (0 + 6) / 2
    assert report.revenue == 50_000_000 * RP
    assert (report.top_count, report.top_share) == (1, 0.8)


def test_the_share_per_month(workspace, reseller_program, partner, frozen_clock):
    sell(workspace, partner, n=1, amount=10 * RP)
    shares = top_share_by_month(program=reseller_program, months=3, at=frozen_clock.now)
    assert [share for _month, share in shares] == [None, None, 1.0]
    assert shares[-1][0].day == 1
