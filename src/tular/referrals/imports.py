"""Importing leads into a program's pipeline from a CSV file, all or nothing (R12).

`referrals_import` reads the file (UTF-8 with or without a BOM, comma or semicolon separated;
the decoding is `participants.imports.decode`), checks every row first — the referrer named by
`referrer_external_id` or `referrer_email` is in the program, the lead's fields pass
`pipeline.lead_check`, the lead is not the referrer — and writes nothing when any row is bad:
the manager gets the per-row report, fixes the file and uploads it again. When every row is
good, each one goes through `pipeline.referral_submit(intake="csv")` in ONE transaction (so a
refusal in the middle leaves no lead behind). A lead already in the pipeline, or earlier in the
file, with the same e-mail or company domain is a possible duplicate: reported, not refused
(referral_submit marks it `duplicate_of`).

Columns: referrer_external_id or referrer_email (at least one), lead_name, lead_email, and
optionally lead_company, lead_phone, notes, heard_from. Small files only (the import runs in
the request): at most MAX_ROWS rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from tular.core.errors import DomainError, Invalid
from tular.participants.imports import (
    check_columns,
    check_rows,
    check_size,
    decode,
    normalise_header,
    read_rows,
)
from tular.participants.models import Participant
from tular.participants.services import normalise_email
from tular.programs.models import Program
from tular.referrals import pipeline
from tular.workspaces.audit import Actor, audit_record

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000

REFERRER_COLUMNS = ("referrer_external_id", "referrer_email")
REQUIRED = ("lead_name", "lead_email")
OPTIONAL = ("lead_company", "lead_phone", "notes", "heard_from")
COLUMNS = (*REFERRER_COLUMNS, *REQUIRED, *OPTIONAL)


@dataclass
class ImportRow:
    """One row of the report: its number as a spreadsheet shows it (the header is row 1)."""

    number: int
    lead_name: str = ""
    lead_email: str = ""
    referrer: str = ""
    error: str = ""
    duplicate: str = ""  # what it may duplicate: a lead's name, or "row N"
    duplicate_id: str = ""  # the lead already in the pipeline, when there is one
    referral_id: str = ""  # the lead written (only after a successful import)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    imported: bool = False

    @property
    def bad(self) -> list[ImportRow]:
        return [row for row in self.rows if row.error]

    @property
    def duplicates(self) -> list[ImportRow]:
        return [row for row in self.rows if row.duplicate]


def _column(raw: str) -> str | None:
    name = normalise_header(raw)
    return name if name in COLUMNS else None


def read_file(data: bytes) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """(column → its index, [(row number, cells)]) of a file we can import, else Invalid with
    one clear message (size, encoding, a missing column, no rows, too many rows). Read as the
    participants' import reads its files (`participants.imports`)."""
    check_size(data, limit=MAX_BYTES)
    positions, rows = read_rows(decode(data), column_of=_column)
    missing = [column for column in REQUIRED if column not in positions]
    if not any(column in positions for column in REFERRER_COLUMNS):
        missing.insert(0, "referrer_external_id / referrer_email")
    check_columns(missing, columns=COLUMNS)
    check_rows(rows, limit=MAX_ROWS)
    return positions, rows


def _referrer(program: Program, values: dict) -> Participant:
    external_id = values.get("referrer_external_id", "")
    if external_id:
        return pipeline.referrer_for(program=program, external_id=external_id)
    email = values.get("referrer_email", "")
    if not email:
        raise Invalid(["referrer"], _("Name the referrer (referrer_external_id or e-mail)."))
    participant = Participant.objects.filter(
        program=program, email_normalised=normalise_email(email)
    ).first()
    if participant is None:
        raise Invalid(
            ["referrer_email"],
            _("No referrer with that e-mail in program %(program)s.") % {"program": program.slug},
        )
    return participant


def _check(program: Program, positions: dict, rows: list) -> tuple[ImportReport, list]:
    """The report of every row and, for the good ones, what to submit."""
    report = ImportReport()
    ready = []
    seen: dict[str, int] = {}  # e-mail or company domain → the first row that has it
    for number, cells in rows:
        values = {
            column: (cells[index].strip() if index < len(cells) else "")
            for column, index in positions.items()
        }
        row = ImportRow(
            number=number,
            lead_name=values.get("lead_name", ""),
            lead_email=values.get("lead_email", ""),
            referrer=values.get("referrer_external_id") or values.get("referrer_email", ""),
        )
        report.rows.append(row)
        try:
            referrer = _referrer(program, values)
            lead = pipeline.lead_check(
                name=values.get("lead_name", ""),
                email=values.get("lead_email", ""),
                company=values.get("lead_company", ""),
                phone=values.get("lead_phone", ""),
                notes=values.get("notes", ""),
                heard_from=values.get("heard_from", ""),
            )
            email_normalised = normalise_email(lead["email"])
            if email_normalised == referrer.email_normalised:
                raise Invalid(["lead", "email"], _("A referrer cannot refer themselves."))
        except Invalid as refused:
            row.error = refused.detail
            continue
        domain = pipeline.company_domain_of(email_normalised)
        existing = pipeline.possible_duplicate(
            program=program, email_normalised=email_normalised, company_domain=domain
        )
        earlier = seen.get(email_normalised) or (seen.get(domain) if domain else None)
        if existing is not None:
            row.duplicate = str(existing)
            row.duplicate_id = str(existing.pk)
        elif earlier is not None:
            row.duplicate = _("row %(number)s") % {"number": earlier}
        seen.setdefault(email_normalised, number)
        if domain:
            seen.setdefault(domain, number)
        ready.append((row, referrer, lead))
    return report, ready


def referrals_check(*, program: Program, data: bytes) -> ImportReport:
    """The per-row report of a file without writing anything (Invalid for an unreadable file
    or wrong headers)."""
    positions, rows = read_file(data)
    report, _ready = _check(program, positions, rows)
    return report


def referrals_import(*, program: Program, data: bytes, actor: Actor) -> ImportReport:
    """Import every row of the file into the program's pipeline, or none: the report says
    which rows are bad (`imported` False) or which leads were written (`imported` True)."""
    positions, rows = read_file(data)
    report, ready = _check(program, positions, rows)
    if report.bad:
        return report
    try:
        with transaction.atomic():
            for row, referrer, lead in ready:
                referral = pipeline.referral_submit(
                    referrer=referrer,
                    name=lead["name"],
                    email=lead["email"],
                    company=lead["company"],
                    phone=lead["phone"],
                    notes=lead["notes"],
                    heard_from=lead["heard_from"],
                    intake="csv",
                    actor=actor,
                )
                row.referral_id = str(referral.pk)
            audit_record(
                workspace=program.workspace,
                actor=actor,
                action="referrals.import",
                target=program,
                after={"rows": len(ready)},
            )
    except DomainError as refused:
        # Something changed between the check and the write: nothing stays, the row says why.
        failed = next((row for row, *_rest in ready if not row.referral_id), ready[-1][0])
        failed.error = refused.detail
        for row, *_rest in ready:
            row.referral_id = ""
        return report
    report.imported = True
    return report


def template_csv() -> str:
    """A file to fill in: the header and one example row."""
    example = [
        "cust_42",
        "",
        "Citra Lestari",
        "citra@ptmaju.co.id",
        "PT Maju",
        "0812 3456 7890",
        "Needs a new accounting system by March",
        "LinkedIn",
    ]
    return ",".join(COLUMNS) + "\r\n" + ",".join(example) + "\r\n"
