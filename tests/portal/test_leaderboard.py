"""The leaderboard (R40): only when the program has one; names only with consent; the person's
own rank; the consent toggle (POST, CSRF, then back with a message); cheap for big programs."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.conftest import portal_client_for as signed_in_client
from tests.rewards.books import make_participant, make_referral
from tular.participants.models import Participant
from tular.portal import stats
from tular.portal.access import LANGUAGE_KEY, SESSION_KEY
from tular.referrals.models import Referral
from tular.workspaces.models import AuditEntry


def portal_client_for(participant, language="id", **client_options):
    if client_options:
        client = Client(**client_options)
        session = client.session
        session[SESSION_KEY] = {
            "workspace": participant.workspace_id,
            "email": participant.email_normalised,
        }
        session.save()
    else:
        client = signed_in_client(participant, language)
    session = client.session
    session[LANGUAGE_KEY] = language
    session.save()
    return client


@pytest.fixture
def clock_start():
    return datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def program(portal_program):
    portal_program.leaderboard = True
    portal_program.save(update_fields=["leaderboard"])
    return portal_program


def board_url(participant, period=None) -> str:
    url = reverse("portal:leaderboard", args=[participant.program.slug])
    return f"{url}?period={period}" if period else url


def consent_url(participant) -> str:
    return reverse("portal:leaderboard-consent", args=[participant.program.slug])


def refer(participant, count: int, **fields) -> None:
    for _ in range(count):
        referral = make_referral(participant.program, participant)
        if fields:
            Referral.objects.filter(pk=referral.pk).update(**fields)


def consenting(participant) -> Participant:
    Participant.objects.filter(pk=participant.pk).update(leaderboard_consent=True)
    participant.refresh_from_db()
    return participant


@pytest.fixture
def board(frozen_clock, program, referrer):
    """Andi (3 referrals) behind Sinta Wulandari (5, consented) and Bayu Pratama (4, not)."""
    sinta = consenting(make_participant(program, name="Sinta Wulandari"))
    bayu = make_participant(program, name="Bayu Pratama")
    refer(sinta, 5)
    refer(bayu, 4)
    refer(referrer, 3)
    refer(referrer, 2, status="flagged")  # under review: not counted
    return {"sinta": sinta, "bayu": bayu}


def test_no_leaderboard_unless_the_program_has_one(portal_program, referrer):
    client = portal_client_for(referrer)

    assert client.get(board_url(referrer)).status_code == 404
    assert client.post(consent_url(referrer), {"consent": "1"}).status_code == 404
    referrer.refresh_from_db()
    assert referrer.leaderboard_consent is False
    nav = client.get(reverse("portal:activity", args=[portal_program.slug])).content.decode()
    assert board_url(referrer) not in nav


def test_ranks_and_own_position(board, referrer):
    result = stats.leaderboard(program=referrer.program, participant=referrer)

    assert [(s.rank, s.referrals, s.name, s.is_you) for s in result.top] == [
        (1, 5, "Sinta W.", False),
        (2, 4, "", False),  # Bayu did not consent
        (3, 3, "", True),  # Andi sees "You"; others "A participant" until he consents
    ]
    assert result.you.rank == 3 and result.you_in_top


def test_the_page_hides_names_without_consent(board, referrer):
    html = portal_client_for(referrer).get(board_url(referrer)).content.decode()

    assert "Anda di peringkat #3" in html
    assert "Sinta W." in html
    assert "Bayu" not in html and "Pratama" not in html and "Wulandari" not in html
    assert "Seorang peserta" in html
    assert 'class="portal-board-you"' in html
    assert "(Andi)" not in html  # his own row says "Anda": his name is not shown to anyone


def test_in_english(board, referrer):
    html = portal_client_for(referrer, "en").get(board_url(referrer)).content.decode()

    assert "You are #3" in html and "A participant" in html and "Top 10 this month" in html


def test_a_name_shows_once_its_owner_consents(board, referrer):
    consenting(board["bayu"])

    html = portal_client_for(referrer).get(board_url(referrer)).content.decode()

    assert "Bayu P." in html


def test_this_month_and_all_time(frozen_clock, board, referrer):
    with frozen_clock.at(datetime(2026, 4, 10, tzinfo=UTC)):
        refer(board["bayu"], 3)  # last month: 7 in all, 4 this month

    month = stats.leaderboard(
        program=referrer.program, participant=referrer, since=stats.month_start()
    )
    ever = stats.leaderboard(program=referrer.program, participant=referrer)

    assert [s.referrals for s in month.top] == [5, 4, 3]
    assert [s.referrals for s in ever.top] == [7, 5, 3]
    html = portal_client_for(referrer).get(board_url(referrer, "all")).content.decode()
    assert "10 teratas sepanjang masa" in html


def test_the_month_starts_in_the_workspaces_time_zone(frozen_clock, program, referrer):
    # 30 April 18:00 UTC is 1 May 01:00 in Jakarta: this month's, there.
    with frozen_clock.at(datetime(2026, 4, 30, 18, 0, tzinfo=UTC)):
        refer(referrer, 1)
    frozen_clock.set(datetime(2026, 5, 2, tzinfo=UTC))

    html = portal_client_for(referrer).get(board_url(referrer)).content.decode()

    assert "Anda di peringkat #1" in html


def test_ties_share_a_rank(frozen_clock, program, referrer):
    other = make_participant(program, name="Citra")
    refer(other, 2)
    refer(referrer, 2)

    result = stats.leaderboard(program=program, participant=referrer)

    assert [s.rank for s in result.top] == [1, 1]


def test_someone_without_referrals_is_not_ranked(board, referrer):
    newcomer = make_participant(referrer.program, name="Dodi")

    html = portal_client_for(newcomer).get(board_url(newcomer)).content.decode()

    assert "Anda belum masuk papan peringkat" in html
    assert "Sinta W." in html


def test_top_ten_and_own_rank_in_one_query_for_a_big_program(
    frozen_clock, program, referrer, django_assert_max_num_queries
):
    people = [make_participant(program, name=f"Peserta {i}") for i in range(14)]
    for index, person in enumerate(people):
        refer(person, 2 + index)  # 2…15 referrals
    refer(referrer, 1)

    with django_assert_max_num_queries(1):
        result = stats.leaderboard(program=program, participant=referrer)

    assert len(result.top) == 10
    assert [s.referrals for s in result.top] == list(range(15, 5, -1))
    assert (result.you.rank, result.you.referrals, result.you_in_top) == (15, 1, False)
    client = portal_client_for(referrer)
    with django_assert_max_num_queries(6):
        html = client.get(board_url(referrer)).content.decode()
    assert "Anda di peringkat #15" in html and 'class="portal-board-gap"' in html


# ----------------------------------------------------------------------------- consent


def test_consent_toggle(board, referrer):
    client = portal_client_for(referrer)

    response = client.post(consent_url(referrer), {"consent": "1", "period": "all"})

    assert response.status_code == 302
    assert response["Location"] == board_url(referrer, "all")
    referrer.refresh_from_db()
    assert referrer.leaderboard_consent is True
    page = client.get(response["Location"]).content.decode()
    assert "Nama Anda kini ditampilkan di papan peringkat." in page
    assert "Sembunyikan nama saya" in page
    assert "(Andi)" in page  # his row: "Anda (Andi)", as the others now see it
    entry = AuditEntry.objects.get(action="participant.leaderboard_consent")
    assert entry.after == {"leaderboard_consent": True}
    assert referrer.email in entry.actor

    # Others now see Andi's name.
    seen_by_sinta = portal_client_for(board["sinta"]).get(board_url(referrer)).content.decode()
    assert "Andi" in seen_by_sinta

    client.post(consent_url(referrer), {"consent": "0"})
    referrer.refresh_from_db()
    assert referrer.leaderboard_consent is False
    seen_by_sinta = portal_client_for(board["sinta"]).get(board_url(referrer)).content.decode()
    assert "Andi" not in seen_by_sinta


def test_consent_needs_the_csrf_token(program, referrer):
    client = portal_client_for(referrer, enforce_csrf_checks=True)

    response = client.post(consent_url(referrer), {"consent": "1"})

    assert response.status_code == 403
    referrer.refresh_from_db()
    assert referrer.leaderboard_consent is False
    # With the token the form carries, it works.
    page = client.get(board_url(referrer)).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(consent_url(referrer), {"consent": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    referrer.refresh_from_db()
    assert referrer.leaderboard_consent is True


def test_consent_is_post_only_and_signed_in(program, referrer, anonymous_portal_client):
    assert portal_client_for(referrer).get(consent_url(referrer)).status_code == 405
    response = anonymous_portal_client.post(consent_url(referrer), {"consent": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_one_persons_consent_is_theirs_alone(board, referrer):
    portal_client_for(referrer).post(consent_url(referrer), {"consent": "1"})

    board["bayu"].refresh_from_db()
    assert board["bayu"].leaderboard_consent is False


def test_the_menu_offers_the_leaderboard(program, referrer):
    html = (
        portal_client_for(referrer)
        .get(reverse("portal:activity", args=[program.slug]))
        .content.decode()
    )

    assert f'href="{board_url(referrer)}"' in html


def test_a_new_month_starts_empty(frozen_clock, program, referrer):
    refer(referrer, 1)
    frozen_clock.advance(days=40)  # next month: nothing this month

    html = portal_client_for(referrer).get(board_url(referrer)).content.decode()

    assert "Belum ada referral pada periode ini" in html
    assert "Anda belum masuk papan peringkat" in html
