"""Story: a manager uploads the customer list Excel saved, watches the progress bar, reads the
per-row report; then exports the filtered list to CSV and Excel."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.helpers import PROGRAM_BODY
from tular.participants.imports import MAX_BYTES, participants_import_run
from tular.participants.models import ImportJob, Participant
from tular.participants.services import participant_enrol
from tular.programs.services import program_create, program_validate
from tular.referrals.services import track_sale, track_signup

LIST = "/console/participants/"
IMPORT = f"{LIST}import/"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def shop(console_workspace):
    return program_create(workspace=console_workspace, config=program_validate(PROGRAM_BODY))


@pytest.fixture
def worker_at_once(settings, django_capture_on_commit_callbacks):
    """Upload, and let the worker run the import once the request's transaction commits
    (tasks run in-process as soon as they are enqueued)."""
    settings.TASKS = IMMEDIATE

    def upload_and_run(client, text, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return upload(client, text, **fields)

    return upload_and_run


def upload(client, text: str | bytes, name="pelanggan.csv", **fields):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **fields})


# ------------------------------------------------------------------------------------ import


def test_a_good_file_is_imported_and_reported(manager_client, shop, worker_at_once):
    # when
    response = worker_at_once(
        manager_client,
        "email,name,external_id\nandi@example.com,Andi,c1\nbudi@example.com,Budi,c2\n",
        program="pelanggan",
    )
    # then the job page, with its report
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{IMPORT}{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    page = manager_client.get(response["Location"])
    body = page.content.decode()
    assert "andi@example.com" in body
    assert "hx-get" not in body  # finished: no more polling
    assert Participant.objects.count() == 2


def test_a_bad_row_says_why_and_the_good_rows_are_created(manager_client, shop, worker_at_once):
    worker_at_once(
        manager_client,
        "program,email,name\npelanggan,andi@example.com,Andi\npelanggan,andi@,Oops\n"
        "pelanggan,andi@example.com,Twice\n",
    )
    job = ImportJob.objects.get()
    page = manager_client.get(f"{IMPORT}{job.pk}/?outcome=rejected")
    rows = page.context["page_obj"].object_list
    assert [(r["row"], r["reason"]) for r in rows] == [(3, "bad_email"), (4, "duplicate_in_file")]
    body = page.content.decode()
    assert str(rows[0]["reason_text"]) in body
    assert list(Participant.objects.values_list("email", flat=True)) == ["andi@example.com"]


def test_someone_already_enrolled_is_reported_as_existing(manager_client, shop, worker_at_once):
    andi = participant_enrol(program=shop, email="andi@example.com", external_id="c1")[0]
    worker_at_once(manager_client, "program,email,external_id\npelanggan,andi@example.com,c1\n")
    job = ImportJob.objects.get()
    assert [(e["outcome"], e["participant_id"]) for e in job.report] == [("existing", str(andi.pk))]


def test_a_semicolon_file_with_a_bom_from_excel(manager_client, shop, worker_at_once):
    text = "\ufeffsurel;nama;jenis\r\nsari@example.com;Sari;afiliasi\r\n"
    worker_at_once(manager_client, text.encode("utf-8"), program="pelanggan")
    sari = Participant.objects.get()
    assert (sari.email, sari.name) == ("sari@example.com", "Sari")


def test_an_oversize_file_is_refused_beside_the_field(manager_client, shop):
    response = upload(manager_client, b"email\n" + b"a" * MAX_BYTES, program="pelanggan")
    assert response.status_code == 200
    assert "5 MB" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_file_without_the_email_column_is_refused_beside_the_field(manager_client, shop):
    response = upload(manager_client, "name\nAndi\n", program="pelanggan")
    assert response.status_code == 200
    assert "email" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_the_progress_bar_polls_until_the_worker_is_done(manager_client, shop):
    # given an import the worker has not run yet (the task waits in the queue)
    upload(manager_client, "email\na@example.com\n", program="pelanggan")
    job = ImportJob.objects.get()
    url = f"{IMPORT}{job.pk}/"
    # when htmx asks while it waits
    waiting = manager_client.get(url, headers={"HX-Request": "true"})
    # then a fragment that asks again in a second
    assert waiting.status_code == 200
    fragment = waiting.content.decode()
    assert f'hx-get="{url}"' in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert "<html" not in fragment
    # when the worker has run it, the next poll reloads the page (with the report)
    participants_import_run(job_id=job.pk)
    done = manager_client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


@pytest.mark.parametrize("who", ["owner_client", "manager_client", "viewer_client"])
def test_members_read_an_imports_report(request, manager_client, shop, who):
    upload(manager_client, "email\na@example.com\n", program="pelanggan")
    job = ImportJob.objects.get()
    assert request.getfixturevalue(who).get(f"{IMPORT}{job.pk}/").status_code == 200


def test_an_outsider_never_sees_the_import(manager_client, outsider_client, shop):
    upload(manager_client, "email\na@example.com\n", program="pelanggan")
    job = ImportJob.objects.get()
    assert outsider_client.get(f"{IMPORT}{job.pk}/").status_code == 404


def test_the_template_downloads(viewer_client):
    response = viewer_client.get(f"{IMPORT}template.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("program,email,name,external_id,kind,locale")


# ------------------------------------------------------------------------------------ export


@pytest.fixture
def earners(console_workspace, shop):
    andi = participant_enrol(program=shop, email="andi@example.com", name="Andi")[0]
    participant_enrol(program=shop, email="budi@example.com", name="Budi", kind="affiliate")
    track_signup(
        workspace=console_workspace,
        event_id="s1",
        customer_external_id="shopper_1",
        email="shopper_1@example.com",
        code=andi.code,
    )
    track_sale(
        workspace=console_workspace,
        event_id="sale-1",
        customer_external_id="shopper_1",
        amount=12_345_600,  # Rp123.456 → 20 %: Rp24.691,20
        currency="IDR",
    )
    return andi


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_has_links_codes_and_balances(manager_client, earners):
    response = manager_client.get(f"{LIST}export/?format=csv&q=andi")
    assert response["Content-Disposition"].startswith('attachment; filename="participants-toko-')
    header, *rows = csv_rows(response)
    assert len(header) == 16
    assert len(rows) == 1
    andi = rows[0]
    assert (andi[0], andi[1], andi[2]) == ("Andi", "andi@example.com", "pelanggan")
    assert (andi[6], andi[7]) == (earners.code, f"http://testserver/r/{earners.code}")
    assert (andi[9], andi[10]) == ("0", "1")  # clicks, referrals
    assert andi[12:] == ["IDR", "24691.20", "0.00", "0.00"]


def test_the_xlsx_export_has_numbers_and_a_currency_column(manager_client, earners):
    response = manager_client.get(f"{LIST}export/?format=xlsx&earned=yes")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = list(book.active.iter_rows(values_only=True))
    assert len(header) == 16
    emails = {row[1]: row for row in rows}
    assert set(emails) == {"andi@example.com", "shopper_1@example.com"}
    andi = emails["andi@example.com"]
    assert andi[6] == earners.code
    assert andi[7].endswith(f"/r/{earners.code}")
    assert andi[12] == "IDR"
    assert Decimal(str(andi[13])) == Decimal("24691.2")
    assert isinstance(andi[13], float | int)  # a number Excel can add up, not text


def test_the_export_follows_the_filters(manager_client, earners):
    _header, *rows = csv_rows(manager_client.get(f"{LIST}export/?format=csv&kind=affiliate"))
    assert [row[1] for row in rows] == ["budi@example.com"]
    assert manager_client.get(f"{LIST}export/?format=pdf").status_code == 404


def test_a_large_export_streams_in_chunks(manager_client, shop):
    Participant.objects.bulk_create(
        [
            Participant(
                workspace_id=shop.workspace_id,
                program=shop,
                email=f"p{i}@example.com",
                email_normalised=f"p{i}@example.com",
                kind="customer",
                code=f"BULK{i:05d}",
            )
            for i in range(2500)
        ]
    )
    rows = csv_rows(manager_client.get(f"{LIST}export/?format=csv"))
    assert len(rows) == 2501
