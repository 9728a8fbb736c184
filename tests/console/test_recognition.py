"""/console/insight/recognition/: the leaderboard per period with names as referrers see them,
badges given, champions, contests (create with errors beside the fields, settle once, cancel),
exports, and who may change what."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from tests.rewards.books import assert_ledger_balances, make_participant, make_program
from tular.analytics import recognition
from tular.analytics.models import Contest, ContestWinner
from tular.participants.models import Participant
from tular.referrals.models import Referral
from tular.rewards.models import Reward

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
PAGE = "/console/insight/recognition/"


@pytest.fixture
def clock_start():
    return NOW


@pytest.fixture
def program(console_workspace, frozen_clock):
    return make_program(console_workspace, rules=[])


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


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
def people(program):
    sinta = make_participant(program, "Sinta Wulandari")
    bayu = make_participant(program, "Bayu Pratama")
    make_participant(program, "Dewi Diam")  # never referred: no champion
    Participant.objects.filter(pk=sinta.pk).update(leaderboard_consent=True)
    refer(sinta, 3, NOW - timedelta(days=2))
    refer(bayu, 5, datetime(2026, 4, 3, tzinfo=UTC))  # last month, this quarter
    return {"sinta": sinta, "bayu": bayu}


def test_the_page_by_period(manager_client, people):
    month = manager_client.get(PAGE)
    assert month.status_code == 200
    text = month.content.decode()
    assert "Sinta Wulandari" in text and "Sinta W." in text
    assert "Bayu Pratama" not in text.split('id="badges-heading"')[0]
    quarter = manager_client.get(PAGE + "?period=quarter").content.decode()
    board = quarter.split('id="board-heading"')[1].split('id="badges-heading"')[0]
    assert board.index("Bayu Pratama") < board.index("Sinta Wulandari")
    assert "Referrer #1" in board or "Perujuk #1" in board
    assert "Champions: 2" in quarter or "Juara: 2" in quarter


def test_exports(manager_client, people):
    for table in ("leaderboard", "badges", "contests", "champions"):
        response = manager_client.get(PAGE + f"?period=all&export=csv&table={table}")
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv")
    champions = body(manager_client.get(PAGE + "?export=csv&table=champions"))
    assert "Bayu Pratama" in champions and "Dewi Diam" not in champions
    xlsx = manager_client.get(PAGE + "?export=xlsx&table=badges")
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx["Content-Type"]
    assert manager_client.get(PAGE + "?export=pdf&table=badges").status_code == 404


def form(program, **changes):
    data = {
        "program": program.slug,
        "name": "Kontes Mei",
        "starts_on": "2026-05-01",
        "ends_on": "2026-05-31",
        "measure": "referrals",
        "winners": "2",
        "bonus_amount": "500.000",
        "bonus_perk": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2026-04-01"}, "ends_on"),
        ({"winners": "25"}, "winners"),
        ({"bonus_amount": ""}, "bonus_amount"),
        ({"bonus_amount": "abc"}, "bonus_amount"),
        ({"bonus_perk": "Kaos"}, "bonus_perk"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_contest_shows_the_error_beside_its_field(manager_client, program, changes, field):
    response = manager_client.post(
        reverse("console:insight-recognition-contest-new"), form(program, **changes)
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert f'id="id_{field}"' in text
    assert f'aria-describedby="id_{field}_error' in text or "invalid-feedback" in text
    assert not Contest.objects.exists()


def test_a_contest_is_created_settled_once_and_not_cancelled_after(
    manager_client, program, people, frozen_clock
):
    created = manager_client.post(reverse("console:insight-recognition-contest-new"), form(program))
    contest = Contest.objects.get()
    assert created.status_code == 302 and contest.bonus_amount == 50000000
    assert contest.bonus_currency == "IDR"
    detail_url = reverse("console:insight-recognition-contest", args=[contest.pk])
    detail = manager_client.get(detail_url).content.decode()
    assert "Sinta Wulandari" in detail and "data-confirm" in detail
    settle_url = reverse("console:insight-recognition-contest-settle", args=[contest.pk])
    assert settle_url not in detail  # not over yet: no settle button
    manager_client.post(settle_url)
    assert Contest.objects.get().status == "open"
    frozen_clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert settle_url in manager_client.get(detail_url).content.decode()
    manager_client.post(settle_url)
    manager_client.post(settle_url)
    assert Contest.objects.get().status == "settled"
    assert list(ContestWinner.objects.values_list("participant_id", flat=True)) == [
        people["sinta"].pk
    ]
    assert Reward.objects.filter(trigger="bonus").count() == 1
    assert_ledger_balances()
    manager_client.post(reverse("console:insight-recognition-contest-cancel", args=[contest.pk]))
    assert Contest.objects.get().status == "settled"
    winners = body(manager_client.get(detail_url + "?export=csv&table=winners"))
    assert "Sinta Wulandari" in winners


def test_viewers_read_but_do_not_change(viewer_client, program, people):
    contest = recognition.contest_create(
        workspace=program.workspace, program=program, name="K", starts_on=date(2026, 5, 1),
        ends_on=date(2026, 5, 31), bonus_perk="Kaos",
    )  # fmt: skip
    page = viewer_client.get(PAGE).content.decode()
    assert 'id="contest-form"' not in page
    assert (
        viewer_client.post(
            reverse("console:insight-recognition-contest-new"), form(program)
        ).status_code
        == 403
    )
    assert (
        viewer_client.post(
            reverse("console:insight-recognition-contest-cancel", args=[contest.pk])
        ).status_code
        == 403
    )
    assert Contest.objects.get().status == "open"


def test_another_workspaces_contest_is_not_found(outsider_client, program):
    contest = recognition.contest_create(
        workspace=program.workspace, program=program, name="K", starts_on=date(2026, 5, 1),
        ends_on=date(2026, 5, 31), bonus_perk="Kaos",
    )  # fmt: skip
    url = reverse("console:insight-recognition-contest", args=[contest.pk])
    assert outsider_client.get(url).status_code == 404


def test_the_champions_filter_of_the_participants_list(manager_client, people):
    text = manager_client.get("/console/participants/?segment=champions").content.decode()
    assert "Sinta Wulandari" in text and "Bayu Pratama" in text and "Dewi Diam" not in text
    everyone = manager_client.get("/console/participants/").content.decode()
    assert "Dewi Diam" in everyone
    export = manager_client.get("/console/participants/export/?segment=champions&format=csv")
    text = body(export)
    assert "Sinta Wulandari" in text and "Dewi Diam" not in text


def test_no_program_yet(manager_client):
    response = manager_client.get(PAGE)
    assert response.status_code == 200
