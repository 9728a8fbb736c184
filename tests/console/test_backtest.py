"""The console's rule backtest (a program tab) and the referral tree on a participant's page,
on the hand-built history of tests/analytics/test_backtest.py."""

import csv
import io
import json

import pytest

from tests.analytics.test_backtest import ACTUAL, DRAFT, history
from tests.console.conftest import client_for, make_member
from tular.analytics.models import SavedBacktest
from tular.core import clock
from tular.participants.models import Participant
from tular.workspaces.models import Role

URL = "/console/programs/uji/backtest/"


@pytest.fixture
def program(api):
    return history(api, ACTUAL)


@pytest.fixture
def manager(workspace):
    return client_for(make_member(workspace, "manajer@toko.example", Role.MANAGER))


@pytest.fixture
def viewer(workspace):
    return client_for(make_member(workspace, "lihat@toko.example", Role.VIEWER))


def run(client, rules, first="2026-03-01", last="2026-03-31"):
    body = {"rules": rules if isinstance(rules, str) else json.dumps(rules)}
    return client.post(URL, {**body, "first": first, "last": last})


def test_the_tab_prefills_the_programs_rules(manager, program):
    response = manager.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Uji aturan" in page  # the tab, in Indonesian
    form = response.context["form"]
    assert json.loads(form.initial["rules"]) == program.rules
    # A date input takes only YYYY-MM-DD, whatever the interface language.
    today = clock.now().date().isoformat()
    assert f'type="date" name="last" value="{today}"' in page
    assert "Pohon referal" in page  # the program's tree card


def test_a_run_is_saved_and_shown(manager, program):
    clock.freeze(None)
    response = run(manager, DRAFT)
    assert response.status_code == 302
    saved = SavedBacktest.objects.get()
    assert response["Location"] == f"{URL}{saved.pk}/"
    page = manager.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    # Minor units: IDR has two decimals (39.600 sen = Rp396), USD too (400 cents = US$4).
    assert "Rp396" in text and "Rp220" in text and "+Rp176" in text
    assert "US$4" in text and "+US$3" in text
    assert saved.created_by.email == "manajer@toko.example"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_saved_run_exports_every_participant(manager, program, fmt):
    run(manager, DRAFT)
    saved = SavedBacktest.objects.get()
    response = manager.get(f"{URL}{saved.pk}/?export={fmt}")
    assert response.status_code == 200
    assert f".{fmt}" in response["Content-Disposition"]
    if fmt == "csv":
        rows = list(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        )
        assert rows[0][:4] == ["participant_id", "name", "email", "currency"]
        andi = [row for row in rows if row[1] == "Andi" and row[3]]
        assert [row[3:7] for row in andi] == [
            ["IDR", "29600", "12000", "17600"],
            ["USD", "400", "100", "300"],
        ]


@pytest.mark.parametrize(
    ("rules", "field", "message"),
    [
        ("[{", "rules", "JSON"),
        (
            [{"trigger": "sale", "recipient": "referrer", "kind": "fixed"}],
            "rules",
            "rules.0",
        ),
    ],
)
def test_bad_rules_show_beside_the_field_and_save_nothing(manager, program, rules, field, message):
    response = run(manager, rules)
    assert response.status_code == 422
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert SavedBacktest.objects.count() == 0


def test_a_period_over_a_year_is_refused_beside_the_last_day(manager, program):
    response = run(manager, DRAFT, first="2025-01-01", last="2026-01-02")
    assert response.status_code == 422
    assert "366" in response.context["form"].errors["last"][0]


def test_a_viewer_reads_but_does_not_run(viewer, manager, program):
    run(manager, DRAFT)
    saved = SavedBacktest.objects.get()
    assert viewer.get(URL).status_code == 200
    assert viewer.get(f"{URL}{saved.pk}/").status_code == 200
    assert run(viewer, DRAFT).status_code == 403
    assert SavedBacktest.objects.count() == 1


def test_another_workspace_sees_nothing(manager, program, outsider_client):
    run(manager, DRAFT)
    saved = SavedBacktest.objects.get()
    assert outsider_client.get(URL).status_code == 404
    assert outsider_client.get(f"{URL}{saved.pk}/").status_code == 404


def test_the_participants_page_loads_the_tree(manager, program):
    andi = Participant.objects.get(external_id="andi", program=program)
    page = manager.get(f"/console/participants/{andi.pk}/").content.decode()
    assert f"/console/participants/{andi.pk}/tree/" in page
    tree = manager.get(f"/console/participants/{andi.pk}/tree/")
    assert tree.status_code == 200
    text = tree.content.decode()
    budi = Participant.objects.get(external_id="budi", program=program)
    dewi = Participant.objects.get(external_id="dewi", program=program)
    assert f"/console/participants/{budi.pk}/" in text
    assert f"/console/participants/{dewi.pk}/" in text  # the second generation
    assert "Pohon referal" in text
