"""The console's attribution tab: every model side by side for a period, and its export (the
journey of tests/analytics/test_attribution.py: the worked example of issue 13)."""

import csv
import io

import pytest

from tests.analytics.test_attribution import journey  # noqa: F401 - the fixture
from tests.console.conftest import client_for, make_member
from tests.helpers import PROGRAM_BODY
from tular.workspaces.models import Role

URL = "/console/programs/pelanggan/attribution/"
MAY = "?first=2026-05-01&last=2026-05-31"


@pytest.fixture
def program(api):
    response = api.post("/api/v1/programs", PROGRAM_BODY)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def viewer(workspace):
    return client_for(make_member(workspace, "lihat@toko.example", Role.VIEWER))


def test_the_tab_shows_each_model_per_participant(viewer, journey):  # noqa: F811
    response = viewer.get(URL + MAY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Model atribusi" in page  # the tab, in Indonesian
    rows = {row["name"]: row for row in response.context["rows"]}
    assert set(rows) == {"Andi", "Mitra", "ramadan", "Langsung"}
    linear = [rows[name]["cells"][2]["revenue"] for name in rows]
    assert linear == [[{"currency": "IDR", "amount": 25_000_000}]] * 4
    assert "Rp250.000" in page
    assert "Rp401.123,61" in page  # Babel shows sen when there are some
    assert [cell["current"] for cell in response.context["totals"]] == [
        False,
        True,  # the program's model: last touch
        False,
        False,
        False,
    ]


def test_the_export_has_a_line_per_row_model_and_currency(viewer, journey):  # noqa: F811
    response = viewer.get(URL + MAY + "&export=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == 4 * 5
    decay = {line["name"]: int(line["revenue"]) for line in lines if line["model"] == "time_decay"}
    assert decay == {
        "Andi": 10_028_090,
        "Mitra": 20_056_180,
        "ramadan": 29_803_369,
        "Langsung": 40_112_361,
    }
    assert {line["currency"] for line in lines} == {"IDR"}


def test_a_bad_period_is_told_beside_the_field(viewer, program):
    response = viewer.get(URL + "?first=2026-05-31&last=2026-05-01")
    assert response.status_code == 422
    assert response.context["form"].errors["last"]
    assert response.context["found"] is None


def test_an_empty_period_and_other_workspaces(viewer, program, outsider_client):
    response = viewer.get(URL)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert outsider_client.get(URL).status_code == 404


def test_a_manager_chooses_the_model_and_half_life_a_viewer_cannot(workspace, program, viewer):
    from tular.programs.models import Program

    manager = client_for(make_member(workspace, "atur@toko.example", Role.MANAGER))
    url = "/console/programs/pelanggan/attribution/model"
    assert 'name="half_life_days"' in manager.get(URL).content.decode()
    assert 'name="half_life_days"' not in viewer.get(URL).content.decode()
    assert viewer.post(url, {"model": "linear"}).status_code == 403
    page = manager.post(url, {"model": "time_decay", "half_life_days": "0"}, follow=True)
    assert Program.objects.get(slug="pelanggan").attribution["model"] == "last_touch"
    assert "1" in page.content.decode()  # the refusal names the least value
    manager.post(url, {"model": "time_decay", "half_life_days": "14"})
    saved = Program.objects.get(slug="pelanggan").attribution
    assert (saved["model"], saved["half_life_days"]) == ("time_decay", 14)
    manager.post(url, {"model": "position_based", "half_life_days": ""})
    saved = Program.objects.get(slug="pelanggan").attribution
    assert saved["model"] == "position_based" and "half_life_days" not in saved
