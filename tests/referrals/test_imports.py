"""CSV import of leads (referrals.imports): every row checked first, nothing half-imported, a
per-row report, possible duplicates reported rather than refused, one clear message for wrong
headers. Andi (cust_42) and Sari (sari@toko.example) refer; Toko Maju's program is "hadiah"."""

import pytest
from django.utils import translation

from tests.rewards.books import make_participant, make_program
from tular.core.errors import Invalid
from tular.participants.models import Participant
from tular.referrals import pipeline
from tular.referrals.imports import (
    COLUMNS,
    MAX_ROWS,
    referrals_check,
    referrals_import,
    template_csv,
)
from tular.referrals.models import Referral, ReferralChange
from tular.workspaces.audit import Actor
from tular.workspaces.models import AuditEntry
from tular.workspaces.services import workspace_get_or_create

HEADER = ",".join(COLUMNS)
ACTOR = Actor(label="manager@toko.example")


@pytest.fixture
def program(db):
    workspace, _ = workspace_get_or_create(slug="toko", name="Toko Maju")
    return make_program(workspace)


@pytest.fixture
def andi(program):
    andi = make_participant(program, "Andi", email="andi@toko.example")
    Participant.objects.filter(pk=andi.pk).update(external_id="cust_42")
    andi.refresh_from_db()
    return andi


@pytest.fixture
def sari(program):
    return make_participant(program, "Sari", email="sari@toko.example")


def csv_of(*rows, header=HEADER, sep=",", bom=False) -> bytes:
    text = "\r\n".join([header.replace(",", sep), *(row.replace(",", sep) for row in rows)])
    return (("\ufeff" if bom else "") + text + "\r\n").encode()


GOOD = [
    "cust_42,,Citra Lestari,citra@ptmaju.co.id,PT Maju,0812 1,Needs it by March,LinkedIn",
    ",sari@toko.example,Dewi,dewi@gmail.com,,,,",
]


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("bom", [False, True])
def test_a_good_file_is_imported_whole(program, andi, sari, sep, bom):
    report = referrals_import(program=program, data=csv_of(*GOOD, sep=sep, bom=bom), actor=ACTOR)
    assert report.imported is True
    assert [row.number for row in report.rows] == [2, 3]
    assert all(row.referral_id for row in report.rows)
    citra = Referral.objects.get(email="citra@ptmaju.co.id")
    assert citra.participant == andi
    assert (citra.name, citra.company, citra.phone) == ("Citra Lestari", "PT Maju", "0812 1")
    assert (citra.lead_notes, citra.heard_from, citra.intake) == (
        "Needs it by March",
        "LinkedIn",
        "csv",
    )
    assert citra.status == "submitted" and citra.due_kind == "acknowledge"
    assert Referral.objects.get(email="dewi@gmail.com").participant == sari
    assert ReferralChange.objects.filter(actor="manager@toko.example").count() == 2
    assert AuditEntry.objects.filter(action="referrals.import").count() == 1


def test_one_bad_row_and_nothing_is_written(program, andi, sari):
    data = csv_of(
        *GOOD,
        "cust_99,,Eko,eko@eko.co.id,,,,",  # an unknown referrer
        "cust_42,,,fajar@fajar.co.id,,,,",  # no name
        "cust_42,,Gita,not-an-address,,,,",  # a bad e-mail
        "cust_42,,Andi again,andi@toko.example,,,,",  # the referrer themselves
        ",nobody@toko.example,Hadi,hadi@hadi.co.id,,,,",  # an unknown referrer's e-mail
        ",,Ina,ina@ina.co.id,,,,",  # no referrer at all
    )
    report = referrals_import(program=program, data=data, actor=ACTOR)
    assert report.imported is False
    assert not Referral.objects.exists()
    assert not ReferralChange.objects.exists()
    errors = {row.number: row.error for row in report.rows}
    assert errors[2] == errors[3] == ""
    assert "cust" not in errors[4] and "hadiah" in errors[4]  # No referrer with that id in …
    assert errors[5] and errors[6] and errors[7] and errors[8] and errors[9]
    assert [row.number for row in report.bad] == [4, 5, 6, 7, 8, 9]


def test_referrals_check_reports_without_writing(program, andi):
    report = referrals_check(program=program, data=csv_of(GOOD[0]))
    assert [row.error for row in report.rows] == [""]
    assert not Referral.objects.exists()


@translation.override("id")
def test_possible_duplicates_are_reported_not_refused(program, andi):
    earlier = pipeline.referral_submit(
        referrer=andi, name="Budi", email="budi@ptmaju.co.id", company="PT Maju"
    )
    data = csv_of(
        "cust_42,,Citra,citra@ptmaju.co.id,PT Maju,,,",  # same company domain as Budi
        "cust_42,,Dewi,dewi@dewi-jaya.co.id,,,,",
        "cust_42,,Dewi (2),dewi@dewi-jaya.co.id,,,,",  # the same e-mail, one row earlier
    )
    report = referrals_import(program=program, data=data, actor=ACTOR)
    assert report.imported is True
    rows = {row.number: row for row in report.rows}
    assert rows[2].duplicate_id == str(earlier.pk)
    assert rows[3].duplicate == ""
    assert rows[4].duplicate == "baris 3"  # in the manager's language (here Indonesian)
    assert Referral.objects.get(name="Citra").duplicate_of == earlier
    assert Referral.objects.get(name="Dewi (2)").duplicate_of == Referral.objects.get(name="Dewi")


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("referrer_external_id,lead_email", "lead_name"),
        ("lead_name,lead_email", "referrer_external_id / referrer_email"),
        ("name,email,company", "referrer_external_id / referrer_email, lead_name, lead_email"),
    ],
)
def test_wrong_headers_are_one_message_naming_the_missing_column(program, andi, header, missing):
    with translation.override("en"), pytest.raises(Invalid) as refused:
        referrals_import(program=program, data=csv_of("a,b", header=header), actor=ACTOR)
    assert f"no column {missing}." in refused.value.detail
    assert not Referral.objects.exists()


@translation.override("en")
def test_an_empty_file_or_one_without_rows_is_refused(program):
    with pytest.raises(Invalid, match="empty"):
        referrals_import(program=program, data=b"", actor=ACTOR)
    with pytest.raises(Invalid, match="no rows"):
        referrals_import(program=program, data=csv_of(), actor=ACTOR)


def test_too_many_rows_are_refused(program, andi):
    rows = [f"cust_42,,Lead {n},lead{n}@example.com,,,," for n in range(MAX_ROWS + 1)]
    with pytest.raises(Invalid, match=str(MAX_ROWS)):
        referrals_import(program=program, data=csv_of(*rows), actor=ACTOR)


def test_a_failure_while_writing_leaves_nothing_behind(program, andi, monkeypatch):
    """Something changed between the check and the write (here: the second submission is
    refused): the first lead, already written, is rolled back too."""
    real = pipeline.referral_submit
    calls = []

    def refuse_the_second(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 2:
            raise Invalid(["lead", "email"], "refused while writing")
        return real(**kwargs)

    monkeypatch.setattr(pipeline, "referral_submit", refuse_the_second)
    data = csv_of(GOOD[0], "cust_42,,Dewi,dewi@dewi-jaya.co.id,,,,")
    report = referrals_import(program=program, data=data, actor=ACTOR)
    assert report.imported is False
    assert [row.error for row in report.rows] == ["", "refused while writing"]
    assert not any(row.referral_id for row in report.rows)
    assert not Referral.objects.exists()


def test_the_template_is_a_file_the_import_reads(program, andi):
    report = referrals_check(program=program, data=template_csv().encode())
    assert [row.error for row in report.rows] == [""]


def test_a_referrer_of_another_program_is_unknown(program, andi):
    other = make_program(program.workspace, slug="lain")
    report = referrals_import(program=other, data=csv_of(GOOD[0]), actor=ACTOR)
    assert report.imported is False
    assert "lain" in report.rows[0].error
