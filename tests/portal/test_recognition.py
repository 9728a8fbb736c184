"""The referrer's recognition on their activity page (R40): badges, their rank this month and
this quarter (only when the program has a leaderboard), open contests with their standing; the
leaderboard page's quarter; a contest bonus in their rewards."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from tests.portal.test_leaderboard import portal_client_for
from tests.rewards.books import make_participant
from tular.analytics import recognition
from tular.referrals.models import Referral

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock_start():
    return NOW


def refer(person, count, at):
    for index in range(count):
        Referral.objects.create(
            workspace=person.workspace,
            program=person.program,
            participant=person,
            status="active",
            created_at=at + timedelta(minutes=index),
        )


@pytest.fixture
def scene(frozen_clock, portal_program, referrer):
    """Andi: 2 referrals this month, 5 in April (this quarter); Sinta: 4 this month."""
    sinta = make_participant(portal_program, "Sinta Wulandari")
    refer(referrer, 2, NOW - timedelta(days=1))
    refer(referrer, 5, datetime(2026, 4, 5, tzinfo=UTC))
    refer(sinta, 4, NOW - timedelta(days=2))
    recognition.badges_award()
    return {"sinta": sinta}


def activity(participant, language="id") -> str:
    url = reverse("portal:activity", args=[participant.program.slug])
    response = portal_client_for(participant, language).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_badges_and_ranks(scene, portal_program, referrer):
    portal_program.leaderboard = True
    portal_program.save(update_fields=["leaderboard"])
    html = activity(referrer, "en")
    assert "Your recognition" in html
    assert "First referral" in html and "5 referrals" in html and "10 referrals" not in html
    assert "You are <strong>#2</strong> this month" in html
    assert "<strong>#1</strong> this quarter" in html
    indonesian = activity(referrer)
    assert "bulan ini" in indonesian


def test_no_ranks_without_a_leaderboard(scene, referrer):
    html = activity(referrer, "en")
    assert "this month" not in html.split('id="recognition-title"')[1].split("</section>")[0]
    assert "First referral" in html


def test_open_contests_with_the_referrers_standing(scene, portal_program, referrer):
    recognition.contest_create(
        workspace=portal_program.workspace, program=portal_program, name="Kontes Mei",
        starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 31), winners=1,
        bonus_amount=20000000, bonus_currency="IDR",
    )  # fmt: skip
    recognition.contest_create(
        workspace=portal_program.workspace, program=portal_program, name="Kontes Juli",
        starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 31), bonus_perk="Kaos",
    )  # fmt: skip
    html = activity(referrer, "en")
    assert "Kontes Mei" in html and "Kontes Juli" not in html  # not begun
    assert "You are #2 with 2 referrals." in html
    assert "Rp200.000" in html or "IDR" in html
    assert "in the winning places" not in html
    sinta = activity(scene["sinta"], "en")
    assert "You are #1 with 4 referrals." in sinta and "in the winning places" in sinta


def test_a_newcomer_sees_how_to_earn_a_badge(frozen_clock, portal_program):
    newcomer = make_participant(portal_program, "Baru")
    assert "Your first referral earns your first badge." in activity(newcomer, "en")


def test_the_leaderboard_by_quarter(scene, portal_program, referrer):
    portal_program.leaderboard = True
    portal_program.save(update_fields=["leaderboard"])
    url = reverse("portal:leaderboard", args=[portal_program.slug]) + "?period=quarter"
    html = portal_client_for(referrer, "en").get(url).content.decode()
    assert "Top 10 this quarter" in html and "You are #1" in html
    assert 'aria-current="page">This quarter' in html


def test_a_contest_bonus_is_named_in_the_rewards(scene, portal_program, referrer, frozen_clock):
    contest = recognition.contest_create(
        workspace=portal_program.workspace, program=portal_program, name="Kontes April",
        starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30), winners=1,
        bonus_amount=20000000, bonus_currency="IDR",
    )  # fmt: skip
    recognition.contest_settle(contest=contest)
    assert "Contest bonus" in activity(referrer, "en")
