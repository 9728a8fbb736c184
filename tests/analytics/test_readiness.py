"""Readiness scores (R4): set, import by CSV (all or nothing), who to ask next and the
intent-vs-action list."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from tests.rewards.books import make_participant, make_program, make_referral
from tular.analytics import readiness
from tular.analytics.models import Readiness
from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail
from tular.messaging.services import email_queue
from tular.workspaces.audit import Actor, AuditEntry
from tular.workspaces.services import workspace_get_or_create

ACTOR = Actor.system("test")


@pytest.fixture
def shop(db):
    return workspace_get_or_create(slug="toko", name="Toko Maju")[0]


@pytest.fixture
def program(shop):
    return make_program(shop, slug="pelanggan")


def test_set_sums_the_three_scores_and_marks_priority_from_12(program):
    andi = make_participant(program, "Andi")
    row = readiness.readiness_set(
        participant=andi, satisfaction=5, relationship=4, reach=3, actor=ACTOR
    )
    assert (row.total, readiness.is_priority(row.total)) == (12, True)
    row = readiness.readiness_set(
        participant=andi, satisfaction="4", relationship="4", reach="3", source="api", actor=ACTOR
    )
    assert (row.total, row.source, readiness.is_priority(row.total)) == (11, "api", False)
    assert Readiness.objects.count() == 1
    entry = AuditEntry.objects.filter(action="participant.readiness").order_by("-pk").first()
    assert entry.before == {"satisfaction": 5, "relationship": 4, "reach": 3}


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ((0, 3, 3), "satisfaction"),
        ((3, 6, 3), "relationship"),
        ((3, 3, "x"), "reach"),
        ((3, 3, ""), "reach"),
        ((3, 3, 2.5), "reach"),
        ((True, 3, 3), "satisfaction"),
    ],
)
def test_a_score_outside_1_to_5_is_refused_and_nothing_changes(program, scores, field):
    andi = make_participant(program, "Andi")
    readiness.readiness_set(participant=andi, satisfaction=3, relationship=3, reach=3)
    with pytest.raises(Invalid) as refused:
        readiness.readiness_set(
            participant=andi, satisfaction=scores[0], relationship=scores[1], reach=scores[2]
        )
    assert refused.value.extra["errors"][0]["loc"] == ["body", field]
    assert Readiness.objects.get(participant=andi).total == 9


@translation.override("en")
def test_import_writes_every_row_or_none(shop, program):
    other = make_program(shop, slug="mitra")
    andi = make_participant(program, "Andi", email="andi@example.com")
    andi_partner = make_participant(other, "Andi", email="ANDI@example.com")
    budi = make_participant(program, "Budi")
    good = (
        "email;participant_id;kepuasan;hubungan;jangkauan\n"
        f"andi@example.com;;5;5;4\n"
        f";{budi.pk};2;3;3\n"
    )
    report = readiness.readiness_import(workspace=shop, data=good.encode(), actor=ACTOR)
    assert report.imported and report.updated == 3  # Andi is in two programs
    totals = dict(Readiness.objects.values_list("participant_id", "total"))
    assert totals == {andi.pk: 14, andi_partner.pk: 14, budi.pk: 8}

    bad = (
        "email,program,satisfaction,relationship,reach\n"
        "andi@example.com,pelanggan,1,1,1\n"
        "nobody@example.com,,3,3,3\n"
        "andi@example.com,nope,3,3,3\n"
        f"{budi.email},,3,9,3\n"
        "andi@example.com,pelanggan,2,2,2\n"
    )
    report = readiness.readiness_import(workspace=shop, data=bad.encode(), actor=ACTOR)
    assert not report.imported
    errors = {row.number: row.error for row in report.rows}
    assert errors[2] == ""
    assert "e-mail" in errors[3]
    assert "program" in errors[4]
    assert errors[5].startswith("relationship:")
    assert "row 2" in errors[6]
    # nothing written: Andi's first row was good but the file was refused
    assert Readiness.objects.get(participant=andi).total == 14


@translation.override("en")
def test_import_refuses_an_unreadable_file(shop):
    with pytest.raises(Invalid, match="no column"):
        readiness.readiness_import(workspace=shop, data=b"email,score\na@example.com,3\n")
    with pytest.raises(Invalid, match="larger than"):
        readiness.readiness_import(workspace=shop, data=b"x" * (readiness.MAX_BYTES + 1))
    with pytest.raises(Invalid, match="no rows"):
        readiness.readiness_import(workspace=shop, data=b"email,satisfaction,relationship,reach\n")


def _ask(participant, key="ask.current_customer"):
    return email_queue(
        to=participant.email,
        kind=key,
        subject="Hai",
        text="Hai",
        language="id",
        workspace=participant.workspace,
        category=OutboundEmail.Category.MARKETING,
        template_key=key,
    )


def test_ask_list_orders_by_readiness_promoters_first_then_the_longest_unasked(
    shop, program, frozen_clock
):
    frozen_clock.set(datetime(2026, 6, 1, 9, tzinfo=UTC))
    people = {name: make_participant(program, name) for name in "ABCDEFG"}
    for name, scores in {
        "A": (4, 4, 4),
        "B": (4, 4, 4),
        "C": (5, 5, 5),
        "D": (4, 4, 4),
        "E": (2, 2, 2),
        "F": (5, 5, 5),
    }.items():
        readiness.readiness_set(participant=people[name], **dict(zip(readiness.SCORES, scores)))
    readiness.nps_record(workspace=shop, email=people["B"].email, score=10)
    readiness.nps_record(workspace=shop, email=people["G"].email, score=9)  # no readiness
    readiness.nps_record(workspace=shop, email=people["E"].email, score=3)  # a detractor
    with frozen_clock.at(clock.now() - timedelta(days=60)):
        _ask(people["A"])
    with frozen_clock.at(clock.now() - timedelta(days=5)):
        _ask(people["F"])  # asked recently: left out
        _ask(people["D"], key="pipeline.won")  # not an ask
    names = {p.pk: n for n, p in people.items()}
    rows = readiness.ask_list(workspace=shop)
    assert [names[row.participant.pk] for row in rows] == ["C", "B", "D", "A", "G"]
    assert rows[1].promoter and rows[3].last_asked_at is not None
    assert rows[0].priority and not rows[4].priority
    assert [names[r.participant.pk] for r in readiness.ask_list(workspace=shop, limit=2)] == [
        "C",
        "B",
    ]
    wider = readiness.ask_list(workspace=shop, asked_within_days=1)
    assert "F" in [names[row.participant.pk] for row in wider]


def test_ask_list_of_one_program_and_of_another_workspace(shop, program):
    other = make_program(shop, slug="mitra")
    andi = make_participant(program, "Andi")
    bina = make_participant(other, "Bina")
    readiness.readiness_set(participant=andi, satisfaction=3, relationship=3, reach=3)
    readiness.readiness_set(participant=bina, satisfaction=3, relationship=3, reach=3)
    assert [row.participant for row in readiness.ask_list(workspace=shop, program=other)] == [bina]
    stranger = workspace_get_or_create(slug="lain", name="Lain")[0]
    assert readiness.ask_list(workspace=stranger) == []


def test_intent_vs_action_lists_promoters_and_priority_referrers_who_have_not_referred(
    shop, program
):
    people = {name: make_participant(program, name) for name in "ABCDEF"}
    readiness.readiness_set(participant=people["F"], satisfaction=5, relationship=5, reach=5)
    readiness.nps_record(workspace=shop, email=people["F"].email, score=4)  # a detractor
    readiness.readiness_set(participant=people["A"], satisfaction=5, relationship=4, reach=3)
    readiness.readiness_set(participant=people["B"], satisfaction=5, relationship=5, reach=5)
    readiness.readiness_set(participant=people["C"], satisfaction=3, relationship=3, reach=3)
    readiness.nps_record(workspace=shop, email=people["D"].email, score=9)
    readiness.nps_record(workspace=shop, email=people["E"].email, score=10)
    readiness.nps_record(workspace=shop, email=people["E"].email, score=6)  # latest: not now
    make_referral(program, people["B"])  # B has referred
    rows = readiness.intent_vs_action(workspace=shop)
    assert [row.participant for row in rows] == [people["A"], people["D"]]
    gap = readiness.intent_gap(workspace=shop)
    assert (gap.willing, gap.referred, gap.percent_referred) == (3, 1, 33)
