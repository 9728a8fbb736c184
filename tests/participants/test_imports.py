"""Story: a manager imports a contact list; every valid row gets a link, bad rows are reported
with the reason, and an import never stops half-way."""

import pytest
from django.db import connection

from tular.core.errors import Invalid
from tular.participants.imports import (
    MAX_BYTES,
    import_participants,
    imports_lost,
    participants_import_run,
    participants_import_start,
    template_csv,
)
from tular.participants.models import ImportJob, Participant
from tular.participants.services import participant_enrol
from tular.programs.models import Program
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry
from tular.workspaces.services import workspace_get_or_create


@pytest.fixture
def shop(workspace, program):
    return Program.objects.get(workspace=workspace, slug=program["slug"])


def run(workspace, text: str | bytes, **kwargs) -> ImportJob:
    data = text.encode() if isinstance(text, str) else text
    job = participants_import_start(workspace=workspace, data=data, filename="list.csv", **kwargs)
    done = participants_import_run(job_id=job.pk)
    assert done is not None
    return done


def outcomes(job) -> list[tuple]:
    return [(e["row"], e["email"], e["outcome"], e.get("reason")) for e in job.report]


def test_a_good_file_enrols_everyone_with_a_link(workspace, shop):
    # given
    text = (
        "program,email,name,external_id,kind,locale\n"
        "pelanggan,andi@example.com,Andi,c1,customer,id\n"
        "pelanggan,budi@example.com,Budi,c2,,en\n"
        "pelanggan,citra@example.com,Citra,,affiliate,\n"
    )
    # when
    job = run(workspace, text, actor=Actor.system("test"))
    # then
    assert job.status == "done"
    assert (job.total, job.processed, job.created_count, job.rejected_count) == (3, 3, 3, 0)
    people = {p.email: p for p in Participant.objects.filter(program=shop)}
    assert set(people) == {"andi@example.com", "budi@example.com", "citra@example.com"}
    assert people["budi@example.com"].locale == "en"
    assert people["budi@example.com"].kind == "customer"  # the program's usual kind
    assert people["citra@example.com"].kind == "affiliate"
    assert len({p.code for p in people.values()}) == 3
    assert {e["participant_id"] for e in job.report} == {str(p.pk) for p in people.values()}
    assert job.content == ""  # the file is not kept once imported
    assert AuditEntry.objects.filter(action="participant.import", target_id=str(job.pk)).exists()


def test_a_bad_row_is_reported_and_the_good_rows_are_created(workspace, shop):
    # given a file with a bad e-mail, an unknown program, an empty e-mail, a bad kind and a
    # duplicate inside the file
    text = (
        "program,email,name,external_id,kind\n"
        "pelanggan,andi@example.com,Andi,c1,\n"
        "pelanggan,not-an-email,X,c2,\n"
        "nope,budi@example.com,Budi,c3,\n"
        "pelanggan,,Nobody,c4,\n"
        "pelanggan,dewi@example.com,Dewi,c5,wizard\n"
        "pelanggan,andi2@example.com,Andi again,c1,\n"
        "pelanggan,eka@example.com,Eka,c6,pelanggan\n"
    )
    # when
    job = run(workspace, text)
    # then
    assert outcomes(job) == [
        (2, "andi@example.com", "created", None),
        (3, "not-an-email", "rejected", "bad_email"),
        (4, "budi@example.com", "rejected", "unknown_program"),
        (5, "", "rejected", "missing_email"),
        (6, "dewi@example.com", "rejected", "bad_kind"),
        (7, "andi2@example.com", "rejected", "duplicate_in_file"),
        (8, "eka@example.com", "created", None),  # the kind's Indonesian name
    ]
    assert job.report[5]["detail"] == "2"  # first seen in row 2
    assert (job.created_count, job.existing_count, job.rejected_count) == (2, 0, 5)
    assert set(Participant.objects.values_list("email", flat=True)) == {
        "andi@example.com",
        "eka@example.com",
    }


def test_someone_already_enrolled_is_existing_and_left_as_is(workspace, shop):
    # given one by external id and one (without an id) by e-mail
    first, _ = participant_enrol(program=shop, email="andi@example.com", external_id="c1")
    second, _ = participant_enrol(program=shop, email="Budi@Example.com", name="Budi")
    text = "email,name,external_id\nandi.new@example.com,Andi,c1\nbudi@example.com,B,\n"
    # when the program is chosen in the form instead of a column
    job = run(workspace, text, program=shop)
    # then
    assert [(e["outcome"], e["participant_id"]) for e in job.report] == [
        ("existing", str(first.pk)),
        ("existing", str(second.pk)),
    ]
    assert Participant.objects.count() == 2
    assert Participant.objects.get(pk=first.pk).email == "andi@example.com"  # unchanged


def test_a_semicolon_file_with_a_bom_and_indonesian_headers(workspace, shop):
    # given what Excel in Indonesia saves
    text = (
        "\ufeffProgram;Surel;Nama;ID Eksternal;Jenis;Bahasa\r\n"
        "pelanggan;sari@example.com;Sari Dewi;k9;Pelanggan;Indonesia\r\n"
        ";;;;;\r\n"
    )
    # when
    job = run(workspace, text.encode("utf-8"))
    # then the blank row is skipped
    assert job.total == 1
    participant = Participant.objects.get()
    assert (participant.email, participant.name, participant.external_id) == (
        "sari@example.com",
        "Sari Dewi",
        "k9",
    )
    assert (participant.kind, participant.locale) == ("customer", "id")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"name,kind\nAndi,customer\n", "email"),
        (b"email\nandi@example.com\n", "program"),
        (b"program,email\n", "no rows"),
        (b"", "empty"),
        (b"program,email\x00\n", "not a CSV"),
    ],
)
def test_a_file_we_cannot_import_is_refused_at_once(workspace, shop, data, says):
    with pytest.raises(Invalid) as refused:
        participants_import_start(workspace=workspace, data=data)
    assert says in refused.value.detail
    assert not ImportJob.objects.exists()


def test_too_large_or_too_many_rows(workspace, shop, settings):
    with pytest.raises(Invalid, match="larger than 5 MB"):
        participants_import_start(workspace=workspace, data=b"a" * (MAX_BYTES + 1))
    many = "email\n" + "".join(f"p{i}@example.com\n" for i in range(20_001))
    with pytest.raises(Invalid, match="20000"):
        participants_import_start(workspace=workspace, data=many.encode(), program=shop)


def test_nothing_is_half_imported_when_the_database_refuses_a_row(workspace, shop):
    # given a real constraint the checks do not know about: one e-mail per program
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNIQUE INDEX test_one_email_per_program "
            "ON participants_participant (program_id, email_normalised)"
        )
    participant_enrol(program=shop, email="taken@example.com", external_id="old")
    text = (
        "email,external_id\n"
        + "".join(f"p{i}@example.com,n{i}\n" for i in range(1200))
        + "taken@example.com,new\n"  # passes the checks (another external id), fails the write
    )
    # when
    job = run(workspace, text, program=shop)
    # then no row of the file was written, and the job says why
    assert job.status == "failed"
    assert job.error == "conflict"
    assert Participant.objects.count() == 1
    assert job.created_count == 0


def test_a_job_runs_once_even_if_its_task_runs_twice(workspace, shop):
    job = participants_import_start(
        workspace=workspace, data=b"email\na@example.com\n", program=shop
    )
    assert participants_import_run(job_id=job.pk).status == "done"
    assert participants_import_run(job_id=job.pk) is None
    assert Participant.objects.count() == 1


def test_the_task_is_enqueued_after_the_commit(
    workspace, shop, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        job = participants_import_start(
            workspace=workspace, data=b"email\na@example.com\n", program=shop
        )
    job.refresh_from_db()
    assert job.status == "done"
    assert import_participants.func.__name__ == "import_participants"


def test_a_lost_import_is_found_again(workspace, shop, frozen_clock):
    job = participants_import_start(
        workspace=workspace, data=b"email\na@example.com\n", program=shop
    )
    assert imports_lost() == []
    frozen_clock.advance(minutes=3)
    assert imports_lost() == [job.pk]


def test_another_workspaces_program_cannot_be_chosen(shop):
    other = workspace_get_or_create(slug="lain", name="Lain")[0]
    with pytest.raises(Invalid):
        participants_import_start(workspace=other, data=b"email\na@example.com\n", program=shop)


def test_the_template_is_a_file_that_imports(workspace, shop):
    job = run(workspace, template_csv())
    assert outcomes(job) == [(2, "andi@example.com", "created", None)]
