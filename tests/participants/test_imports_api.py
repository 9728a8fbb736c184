"""Story: an integrator sends their CRM export to the API and polls the import's report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import assert_problem
from tular.participants.imports import participants_import_run
from tular.participants.models import Participant

PATH = "/api/v1/participants/imports"
CSV = "program,email,name,external_id\npelanggan,andi@example.com,Andi,c1\npelanggan,bad@,X,c2\n"


def send_csv(api, text: str, query: str = ""):
    return api.client.post(
        f"{PATH}{query}",
        data=text.encode(),
        content_type="text/csv",
        headers=api._headers(None),
    )


def test_a_csv_body_is_accepted_and_the_report_follows(api, program):
    # when
    response = send_csv(api, CSV)
    # then 202 with the job, queued for the worker
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["status"], job["total"], job["report"]) == ("queued", 2, [])
    # when the worker has run it
    participants_import_run(job_id=job["id"])
    body = api.get(f"{PATH}/{job['id']}").json()
    # then
    assert (body["status"], body["created"], body["rejected"]) == ("done", 1, 1)
    andi = Participant.objects.get(email="andi@example.com")
    assert body["report"] == [
        {
            "row": 2,
            "email": "andi@example.com",
            "outcome": "created",
            "reason": None,
            "detail": None,
            "participant_id": str(andi.pk),
        },
        {
            "row": 3,
            "email": "bad@",
            "outcome": "rejected",
            "reason": "bad_email",
            "detail": body["report"][1]["detail"],
            "participant_id": None,
        },
    ]


def test_a_multipart_upload_with_the_program_chosen(api, program):
    response = api.client.post(
        PATH,
        {
            "file": SimpleUploadedFile("list.csv", b"email;nama\nsari@example.com;Sari\n"),
            "program": "pelanggan",
        },
        headers=api._headers(None),
    )
    assert response.status_code == 202, response.content
    assert response.json()["program"] == "pelanggan"
    participants_import_run(job_id=response.json()["id"])
    assert Participant.objects.get().name == "Sari"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("name\nAndi\n", ""),  # no email column
        ("email\na@example.com\n", ""),  # no program column, none chosen
        ("email\na@example.com\n", "?program=nope"),  # an unknown program
    ],
)
def test_a_file_that_cannot_be_imported_is_a_422(api, program, text, query):
    assert_problem(send_csv(api, text, query), 422)


def test_another_body_type_is_a_422(api, program):
    assert_problem(api.post(PATH, {"file": "x"}), 422)


def test_an_outsider_or_a_publishable_key_sees_no_import(
    api, outsider_api, publishable_api, program
):
    job = send_csv(api, CSV).json()
    assert_problem(outsider_api.get(f"{PATH}/{job['id']}"), 404)
    assert_problem(api.get(f"{PATH}/not-an-id"), 404)
    assert_problem(send_csv(publishable_api, CSV), 403)
