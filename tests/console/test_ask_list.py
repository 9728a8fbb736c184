"""The console's "who to ask next" page, its exports and readiness import, and the readiness
card on a participant's page (R4, R56)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.rewards.books import make_participant, make_program, make_referral
from tular.analytics import readiness
from tular.analytics.models import Readiness

PAGE = "/console/insight/ask/"


def _people(workspace):
    program = make_program(workspace, slug="pelanggan", name="Pelanggan Setia")
    andi = make_participant(program, "Andi Wijaya")
    budi = make_participant(program, "Budi Santoso")
    citra = make_participant(program, "Citra Lestari")
    readiness.readiness_set(participant=andi, satisfaction=5, relationship=5, reach=4)
    readiness.readiness_set(participant=budi, satisfaction=3, relationship=3, reach=3)
    readiness.nps_record(workspace=workspace, email=citra.email, score=10)
    make_referral(program, budi)
    return program, andi, budi, citra


def test_the_page_lists_who_to_ask_and_who_has_not_referred(manager_client, console_workspace):
    _program, andi, budi, citra = _people(console_workspace)
    response = manager_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Siapa yang diajak berikutnya" in page
    for person in (andi, budi, citra):
        assert f"/console/participants/{person.pk}/" in page
    intent = page[page.index('id="intent"') :]
    assert "Andi Wijaya" in intent and "Citra Lestari" in intent
    assert "Budi Santoso" not in intent  # he has referred
    assert f"/console/participants/{andi.pk}/ask/" in page  # the existing ask
    assert 'enctype="multipart/form-data"' in page


def test_a_viewer_sees_the_lists_but_cannot_import(viewer_client, console_workspace):
    _people(console_workspace)
    response = viewer_client.get(PAGE)
    assert response.status_code == 200
    assert "multipart/form-data" not in response.content.decode()
    upload = SimpleUploadedFile("r.csv", b"email,satisfaction,relationship,reach\n")
    assert viewer_client.post(PAGE, {"file": upload}).status_code == 403


def test_both_lists_download_as_csv_and_xlsx(manager_client, console_workspace):
    _program, andi, *_ = _people(console_workspace)
    response = manager_client.get(PAGE + "?export=csv&table=next")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Nama" and rows[1][:2] == ["Andi Wijaya", andi.email]
    assert len(rows) == 4  # header + Andi, Budi, Citra
    response = manager_client.get(PAGE + "?export=xlsx&table=intent")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Andi Wijaya", "Citra Lestari"]
    assert manager_client.get(PAGE + "?export=pdf&table=next").status_code == 404


def test_import_all_or_nothing_with_the_rows_to_fix(manager_client, console_workspace):
    *_rest, citra = _people(console_workspace)
    bad = f"email,satisfaction,relationship,reach\n{citra.email},4,4,4\nnobody@example.com,3,3,3\n"
    response = manager_client.post(PAGE, {"file": SimpleUploadedFile("r.csv", bad.encode())})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Baris 3" in page
    assert not Readiness.objects.filter(participant=citra).exists()
    good = f"surel;kepuasan;hubungan;jangkauan\n{citra.email};4;4;5\n"
    response = manager_client.post(PAGE, {"file": SimpleUploadedFile("r.csv", good.encode())})
    assert response.status_code == 302
    assert Readiness.objects.get(participant=citra).total == 13
    response = manager_client.post(PAGE, {"file": SimpleUploadedFile("r.csv", b"a,b\n1,2\n")})
    assert response.status_code == 422
    assert "invalid-feedback" in response.content.decode()
    template = manager_client.get("/console/insight/ask/template.csv")
    assert template.content.decode().startswith("email,program,satisfaction")


def test_the_readiness_card_on_a_participants_page(manager_client, console_workspace):
    program = make_program(console_workspace, slug="pelanggan")
    dewi = make_participant(program, "Dewi")
    page = manager_client.get(f"/console/participants/{dewi.pk}/").content.decode()
    assert 'id="readiness-card"' in page and "belum dinilai" in page
    url = f"/console/insight/readiness/{dewi.pk}/"
    response = manager_client.post(url, {"satisfaction": "5", "relationship": "4", "reach": "9"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="reach-error"' in page and 'aria-invalid="true"' in page
    assert not Readiness.objects.exists()
    response = manager_client.post(
        url, {"satisfaction": "", "relationship": "4", "reach": "4"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and 'id="satisfaction-error"' in response.content.decode()
    response = manager_client.post(url, {"satisfaction": "5", "relationship": "4", "reach": "3"})
    assert (
        response.status_code == 302 and response["Location"] == f"/console/participants/{dewi.pk}/"
    )
    assert Readiness.objects.get(participant=dewi).total == 12
    page = manager_client.get(f"/console/participants/{dewi.pk}/").content.decode()
    assert "Perujuk prioritas" in page or "Priority referrer" in page


def test_a_viewer_sees_the_card_without_the_form(viewer_client, console_workspace):
    program = make_program(console_workspace, slug="pelanggan")
    dewi = make_participant(program, "Dewi")
    page = viewer_client.get(f"/console/participants/{dewi.pk}/").content.decode()
    assert 'id="readiness-card"' in page and "insight/readiness/" not in page
    url = f"/console/insight/readiness/{dewi.pk}/"
    response = viewer_client.post(url, {"satisfaction": 5, "relationship": 5, "reach": 5})
    assert response.status_code == 403


def test_another_workspaces_participant_is_404(outsider_client, console_workspace):
    program = make_program(console_workspace, slug="pelanggan")
    dewi = make_participant(program, "Dewi")
    url = f"/console/insight/readiness/{dewi.pk}/"
    response = outsider_client.post(url, {"satisfaction": 5, "relationship": 5, "reach": 5})
    assert response.status_code == 404
    assert not Readiness.objects.exists()
