"""NPS answers (R4): 0-10, 9-10 a promoter, idempotent on the caller's id, linked by e-mail."""

from datetime import UTC, datetime

import pytest

from tests.rewards.books import make_participant, make_program
from tular.analytics import readiness
from tular.analytics.models import NpsAnswer
from tular.core.errors import Invalid
from tular.workspaces.services import workspace_get_or_create


@pytest.fixture
def shop(db):
    return workspace_get_or_create(slug="toko", name="Toko Maju")[0]


@pytest.fixture
def program(shop):
    return make_program(shop, slug="pelanggan")


def test_an_answer_links_to_the_participant_by_normalised_email(shop, program):
    andi = make_participant(program, "Andi", email="andi@example.com")
    answer, created = readiness.nps_record(
        workspace=shop, email="  Andi@EXAMPLE.com", score=9, comment=" Bagus "
    )
    assert created and answer.participant == andi and answer.comment == "Bagus"
    assert answer.email_normalised == "andi@example.com"
    latest = readiness.nps_latest(workspace=shop, email_normalised="andi@example.com")
    assert latest == answer


def test_an_answer_by_participant_id_and_for_an_address_not_enrolled(shop, program):
    andi = make_participant(program, "Andi", email="andi@example.com")
    answer, _ = readiness.nps_record(workspace=shop, participant_id=andi.pk, score=0)
    assert (answer.participant, answer.email_normalised, answer.score) == (
        andi,
        "andi@example.com",
        0,
    )
    stranger, created = readiness.nps_record(workspace=shop, email="new@example.com", score=10)
    assert created and stranger.participant is None


def test_a_repeat_with_the_same_id_changes_nothing(shop, program):
    when = datetime(2026, 3, 1, 8, tzinfo=UTC)
    first, created = readiness.nps_record(
        workspace=shop, email="a@example.com", score=7, answered_at=when, external_id="typeform-1"
    )
    again, created_again = readiness.nps_record(
        workspace=shop, email="a@example.com", score=10, external_id="typeform-1"
    )
    assert created and not created_again and again.pk == first.pk and again.score == 7
    assert NpsAnswer.objects.count() == 1
    # the same id in another workspace is another answer
    other = workspace_get_or_create(slug="lain", name="Lain")[0]
    assert readiness.nps_record(
        workspace=other, email="a@example.com", score=1, external_id="typeform-1"
    )[1]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"email": "a@example.com", "score": 11}, "score"),
        ({"email": "a@example.com", "score": -1}, "score"),
        ({"email": "a@example.com", "score": True}, "score"),
        ({"email": "a@example.com", "score": "9"}, "score"),
        ({"score": 9}, "email"),
        ({"email": "not an address", "score": 9}, "email"),
        ({"participant_id": "0190f000-0000-7000-8000-000000000000", "score": 9}, "participant_id"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(shop, fields, loc):
    with pytest.raises(Invalid) as refused:
        readiness.nps_record(workspace=shop, **fields)
    assert refused.value.extra["errors"][0]["loc"][-1] == loc
    assert NpsAnswer.objects.count() == 0


def test_a_participant_of_another_workspace_is_no_person_here(shop, program):
    other = workspace_get_or_create(slug="lain", name="Lain")[0]
    stranger = make_participant(make_program(other, slug="x"), "Sri")
    with pytest.raises(Invalid):
        readiness.nps_record(workspace=shop, participant_id=stranger.pk, score=9)
