"""Story: a manager imports leads from a CSV file on the pipeline's import page: a file with a
bad row imports nothing and shows the per-row report; a file with wrong headers gets one
message naming the missing column; a good file lands in the pipeline. And the program's
pipeline settings (service levels, follow-ups) are edited on the program's Pipeline tab."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import PROGRAM_BODY
from tests.rewards.books import make_participant
from tular.participants.models import Participant
from tular.programs.models import Program
from tular.referrals.models import Referral
from tular.workspaces.models import AuditEntry

HEADER = "referrer_external_id;lead_name;lead_email;lead_company"


@pytest.fixture
def andi(program):
    andi = make_participant(program, "Andi", email="andi@toko.example")
    Participant.objects.filter(pk=andi.pk).update(external_id="cust_42")
    return andi


def upload(client, program, *lines, header=HEADER):
    data = "\ufeff" + "\n".join([header, *lines]) + "\n"
    return client.post(
        "/console/pipeline/import/",
        {
            "program": program.slug,
            "file": SimpleUploadedFile("leads.csv", data.encode(), content_type="text/csv"),
        },
    )


def test_a_good_file_lands_in_the_pipeline(manager_client, program, andi):
    response = upload(
        manager_client,
        program,
        "cust_42;Citra;citra@ptmaju.co.id;PT Maju",
        "cust_42;Dewi;dewi@dewi-jaya.co.id;",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 lead diimpor ke Ajak Teman." in page
    assert page.count('import-row"') == 2
    assert set(Referral.objects.values_list("name", "intake")) == {
        ("Citra", "csv"),
        ("Dewi", "csv"),
    }


def test_one_bad_row_imports_nothing_and_the_report_says_which(manager_client, program, andi):
    response = upload(
        manager_client,
        program,
        "cust_42;Citra;citra@ptmaju.co.id;PT Maju",
        "cust_99;Eko;eko@eko.co.id;",
        "cust_42;Fajar;bukan-alamat;",
    )
    page = response.content.decode()
    assert "Tidak ada yang diimpor" in page
    assert "2 baris bermasalah, jadi tidak ada baris yang diimpor." in page
    bad = [row for row in page.split('import-row"')[1:] if "Galat" in row]
    assert [row.split('data-row="')[1].split('"')[0] for row in bad] == ["3", "4"]
    assert "cust_99" in bad[0]
    assert not Referral.objects.exists()


def test_wrong_headers_are_one_message(manager_client, program, andi):
    response = upload(manager_client, program, "Citra;citra@ptmaju.co.id", header="nama;surel")
    page = response.content.decode()
    assert (
        "File tidak punya kolom referrer_external_id / referrer_email, lead_name, lead_email."
        in (page)
    )
    assert "import-report" not in page
    assert not Referral.objects.exists()


def test_a_viewer_cannot_import_and_the_template_downloads(viewer_client, program):
    assert viewer_client.get("/console/pipeline/import/").status_code == 403
    response = viewer_client.get("/console/pipeline/import/template.csv")
    assert response.content.decode().startswith("referrer_external_id,referrer_email,lead_name")


# ---------------------------------------------------------------- the program's pipeline tab


def test_the_pipeline_settings_are_saved_through_the_program_service(manager_client, program):
    url = f"/console/programs/{program.slug}/pipeline/"
    page = manager_client.get(url).content.decode()
    assert 'value="24"' in page and 'value="168"' in page
    response = manager_client.post(
        url,
        {
            "sla_acknowledge_hours": "4",
            "sla_contact_hours": "24",
            "sla_meeting_hours": "72",
            "quiet_days": "7",
            "dark_recontact_days": "30",
            "lead_score_boost": "50",
            "ask_case_study": "on",
        },
    )
    assert response.status_code == 302
    program = Program.objects.get(pk=program.pk)
    assert (
        program.sla_acknowledge_hours,
        program.sla_contact_hours,
        program.sla_meeting_hours,
        program.quiet_days,
        program.dark_recontact_days,
        program.lead_score_boost,
        program.pipeline_mail_despite_unsubscribe,
        program.ask_case_study,
    ) == (4, 24, 72, 7, 30, 50, False, True)
    entry = AuditEntry.objects.filter(action="program.update").last()
    assert entry.after["sla_acknowledge_hours"] == 4


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sla_acknowledge_hours", "0"),
        ("quiet_days", "-1"),
        ("lead_score_boost", "abc"),
        ("sla_contact_hours", "12"),  # before the acknowledge level (24)
    ],
)
def test_bad_pipeline_settings_are_refused_beside_the_field(manager_client, program, field, value):
    data = {
        "sla_acknowledge_hours": "24",
        "sla_contact_hours": "48",
        "sla_meeting_hours": "168",
        "quiet_days": "14",
        "dark_recontact_days": "90",
        "lead_score_boost": "20",
        field: value,
    }
    response = manager_client.post(f"/console/programs/{program.slug}/pipeline/", data)
    assert response.status_code == 422
    assert "invalid-feedback" in response.content.decode()
    assert Program.objects.get(pk=program.pk).sla_contact_hours == 48


def test_a_viewer_reads_the_pipeline_settings(viewer_client, program):
    url = f"/console/programs/{program.slug}/pipeline/"
    page = viewer_client.get(url).content.decode()
    assert "disabled" in page
    assert viewer_client.post(url, {"quiet_days": "3"}).status_code == 403


def test_the_api_shows_and_changes_the_pipeline_settings(api):
    response = api.post("/api/v1/programs", {**PROGRAM_BODY, "sla_meeting_hours": 72})
    assert response.status_code == 201, response.content
    assert response.json()["sla_meeting_hours"] == 72
    slug = PROGRAM_BODY["slug"]
    body = api.get(f"/api/v1/programs/{slug}").json()
    assert body["sla_acknowledge_hours"] == 24
    assert body["ask_case_study"] is True
    response = api.request("PATCH", f"/api/v1/programs/{slug}", {"sla_acknowledge_hours": 0})
    assert response.status_code == 422
    # the levels come in order: a first contact before the acknowledgement is refused
    response = api.request("PATCH", f"/api/v1/programs/{slug}", {"sla_contact_hours": 12})
    assert response.status_code == 422
    response = api.request("PATCH", f"/api/v1/programs/{slug}", {"quiet_days": 3})
    assert response.status_code == 200
    assert response.json()["quiet_days"] == 3
