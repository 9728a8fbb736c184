"""Enrolling participants from a CSV file, in the worker, all or nothing (R3).

`participants_import_start` checks the file (size, encoding, columns, number of rows), keeps it
in an `ImportJob` and enqueues the worker's task once the transaction commits.
`participants_import_run` (the task) then

1. checks every row first: program, e-mail, kind, language, lengths, a duplicate inside the
   file, someone already enrolled (same external id in the program; without an external id,
   the same e-mail) — updating `processed` as it goes, for the progress bar;
2. writes every new participant in ONE transaction, together with the report and the job's
   `done`: a crash or a database error in the middle leaves no participant behind (the job is
   then `failed` with the reason, and the manager can import the file again).

Rejected rows are reported with their reason, never written. The file: UTF-8 (with or without
a BOM; Windows-1252 as a fallback), comma, semicolon or tab separated, headers in English or
Indonesian (`email` / `surel`, `name` / `nama`, `kind` / `jenis`, `locale` / `bahasa`…).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tular.core import clock
from tular.core.errors import Invalid
from tular.participants.codes import generate_code
from tular.participants.models import ImportJob, ImportStatus, Participant, ParticipantKind
from tular.participants.services import LANGUAGE_CODES, participant_build
from tular.programs.models import Program
from tular.workspaces.audit import Actor, audit_record

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CHUNK = 500  # rows checked (and looked up) at a time; also the bulk insert's batch
LEASE = timedelta(minutes=10)  # a running import not finished by then is taken over
LOST_AFTER = timedelta(minutes=2)  # a queued import no worker took is enqueued again
WRITE_ATTEMPTS = 2  # a concurrent enrolment between the check and the write: check again

COLUMNS = ("program", "email", "name", "external_id", "kind", "locale")
# Header names accepted for each column (compared lower-case, spaces and '-' read as '_').
HEADER_ALIASES = {
    "program": {"program", "program_slug", "programme", "slug", "kode_program"},
    "email": {"email", "e_mail", "surel", "alamat_email", "alamat_e_mail", "email_address"},
    "name": {"name", "nama", "nama_lengkap", "full_name"},
    "external_id": {"external_id", "id_eksternal", "external", "id_pelanggan", "customer_id"},
    "kind": {"kind", "jenis", "tipe", "type"},
    "locale": {"locale", "language", "lang", "bahasa"},
}
LOCALE_WORDS = {
    "id": "id",
    "ind": "id",
    "indonesia": "id",
    "bahasa indonesia": "id",
    "en": "en",
    "eng": "en",
    "english": "en",
    "inggris": "en",
    "bahasa inggris": "en",
}

# Why a row was rejected: a code kept in the report, its words shown in the reader's language.
REASONS = {
    "missing_email": gettext_lazy("The e-mail is empty."),
    "bad_email": gettext_lazy("The e-mail address is not valid."),
    "missing_program": gettext_lazy("The program is empty."),
    "unknown_program": gettext_lazy("There is no program with this slug in this workspace."),
    "bad_kind": gettext_lazy("Unknown kind of participant."),
    "bad_locale": gettext_lazy("Unknown language: use id or en."),
    "too_long": gettext_lazy("A value is longer than 200 characters."),
    "duplicate_in_file": gettext_lazy("The same person appears earlier in the file."),
    "missing_columns": gettext_lazy("The row has fewer columns than the header."),
}
# Why a whole import failed (nothing was written).
ERRORS = {
    "conflict": gettext_lazy(
        "Someone in the file was enrolled at the same time. Nothing was imported: import the "
        "file again."
    ),
    "database": gettext_lazy(
        "The database refused the import. Nothing was imported: import the file again."
    ),
}


class Outcome:
    created = "created"
    existing = "existing"
    rejected = "rejected"


# ---------------------------------------------------------------------------------------------
# Reading the file


def normalise_header(raw: str) -> str:
    return raw.strip().strip("\ufeff").lower().replace("-", "_").replace(" ", "_")


def _column_of(header: str) -> str | None:
    name = normalise_header(header)
    for column, aliases in HEADER_ALIASES.items():
        if name in aliases:
            return column
    return None


def decode(data: bytes) -> str:
    """The file as text: UTF-8 with or without a BOM, else Windows-1252 (Excel's "CSV" on
    Windows); a file that is neither, or holds NUL characters, is not a CSV we can read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise Invalid(
                ["file"], _("The file is not a CSV in UTF-8. Save it as “CSV UTF-8” and try again.")
            ) from None
    if "\x00" in text:
        raise Invalid(["file"], _("This is not a CSV file."))
    return text


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_rows(
    text: str, *, column_of: Callable[[str], str | None] | None = None
) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """(column → index in a row, [(row number as a spreadsheet shows it, cells)]). Blank rows
    are left out but keep their number; the header is row 1. `column_of` names the column a
    header stands for (None: not one we read); the participants' columns by default. Also the
    reader of the pipeline's lead import (referrals.imports)."""
    column_of = column_of or _column_of
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise Invalid(
            ["file"], _("The file cannot be read as CSV: %(error)s") % {"error": exc}
        ) from None
    if not records:
        raise Invalid(["file"], _("The file is empty."))
    positions: dict[str, int] = {}
    for index, header in enumerate(records[0]):
        column = column_of(header)
        if column is not None and column not in positions:
            positions[column] = index
    rows = [
        (number, cells)
        for number, cells in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]
    return positions, rows


def check_size(data: bytes, *, limit: int = MAX_BYTES) -> None:
    """Invalid when an upload is larger than `limit` bytes."""
    if len(data) > limit:
        raise Invalid(
            ["file"],
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": limit // (1024 * 1024)},
        )


def check_columns(missing: list[str], *, columns) -> None:
    """Invalid naming the `missing` columns and every column the file may have (`columns`),
    when any is missing. The lead import's and the readiness import's message."""
    if missing:
        raise Invalid(
            ["file"],
            _("The file has no column %(columns)s. The first row must name the columns: %(all)s.")
            % {"columns": ", ".join(missing), "all": ", ".join(columns)},
        )


def check_rows(rows: list, *, limit: int = MAX_ROWS) -> None:
    """Invalid when a file has a header but no rows, or more than `limit` rows."""
    if not rows:
        raise Invalid(["file"], _("The file has a header but no rows."))
    if len(rows) > limit:
        raise Invalid(
            ["file"],
            _("The file has %(rows)s rows; at most %(limit)s can be imported at once.")
            % {"rows": len(rows), "limit": limit},
        )


def check_file(data: bytes, *, program_chosen: bool) -> tuple[str, int]:
    """(the text, the number of rows) of a file we can import, else Invalid saying why."""
    check_size(data)
    text = decode(data)
    positions, rows = read_rows(text)
    needed = ["email"] if program_chosen else ["program", "email"]
    missing = [column for column in needed if column not in positions]
    if missing:
        raise Invalid(
            ["file"],
            _("The file has no column %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(missing)},
        )
    check_rows(rows)
    return text, len(rows)


def template_csv() -> str:
    """A file to fill in: the header and one example row."""
    return (
        ",".join(COLUMNS)
        + "\r\n"
        + ",".join(["pelanggan", "andi@example.com", "Andi Wijaya", "cust_42", "customer", "id"])
        + "\r\n"
    )


# ---------------------------------------------------------------------------------------------
# Starting an import


def participants_import_start(
    *,
    workspace,
    data: bytes,
    filename: str = "",
    program: Program | None = None,
    actor: Actor | None = None,
) -> ImportJob:
    """Check the file and queue its import; the worker runs it after the commit. 422 (`Invalid`,
    field `file`) for a file too large, unreadable, without the needed columns or with too many
    rows: nothing is queued then."""
    if program is not None and program.workspace_id != workspace.pk:
        raise Invalid(["program"], "no such program in this workspace")
    text, total = check_file(data, program_chosen=program is not None)
    with transaction.atomic():
        job = ImportJob.objects.create(
            workspace=workspace,
            program=program,
            filename=filename[:200],
            content=text,
            total=total,
            created_by=(actor.label if actor else "")[:200],
        )
        audit_record(
            workspace=workspace,
            actor=actor,
            action="participant.import",
            target=job,
            after={"filename": job.filename, "rows": total, "program_id": program and program.pk},
        )
        job_id = str(job.pk)
        # robust: the job is kept whatever the queue says; a lost task is found by the
        # periodic job (participants/jobs.py).
        transaction.on_commit(lambda: import_participants.enqueue(job_id), robust=True)
    return job


@task
def import_participants(job_id: str) -> str:
    """The worker's task: run one import (safe to run twice: the claim lets one through)."""
    job = participants_import_run(job_id=job_id)
    return job.status if job is not None else "not claimed"


# ---------------------------------------------------------------------------------------------
# Running it (the worker)


def _claim(job_id) -> ImportJob | None:
    now = clock.now()
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ImportStatus.queued)
            | Q(status=ImportStatus.running, started_at__lt=now - LEASE)
        )
        .update(status=ImportStatus.running, started_at=now, processed=0)
    )
    if claimed != 1:
        return None
    return ImportJob.objects.select_related("program", "workspace").get(pk=job_id)


def _kind_words() -> dict[str, str]:
    """Each kind by its code and by its name in both languages (`pelanggan` → customer)."""
    words = {}
    for value, label in ParticipantKind.choices:
        words[value] = value
        for language in LANGUAGE_CODES:
            with translation.override(language):
                words[str(label).strip().lower()] = value
    return words


class _Checker:
    """Checks rows one chunk at a time; remembers what earlier chunks held."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.programs: dict[str, Program | None] = {}
        self.kinds = _kind_words()
        default = job.workspace.default_language
        self.default_locale = default if default in LANGUAGE_CODES else "id"
        self.seen: dict[tuple, int] = {}  # key → the row that had it first
        self.report: list[dict] = []
        self.new: list[Participant] = []

    def program_of(self, slug: str) -> Program | None:
        if slug not in self.programs:
            self.programs[slug] = Program.objects.filter(
                workspace_id=self.job.workspace_id, slug=slug
            ).first()
        return self.programs[slug]

    def check(self, number: int, cells: list[str], positions: dict[str, int]) -> dict:
        """The row's report entry; a row that can be enrolled carries its unsaved participant."""

        def cell(column: str) -> str:
            index = positions.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        email = cell("email")
        entry = {"row": number, "email": email}

        def rejected(reason: str, detail: str = "") -> dict:
            return {**entry, "outcome": Outcome.rejected, "reason": reason, "detail": detail}

        if not email:
            short = len(cells) <= positions["email"]
            return rejected("missing_columns" if short else "missing_email")
        program = self.job.program
        if program is None:
            slug = cell("program")
            if not slug:
                return rejected("missing_program")
            program = self.program_of(slug)
            if program is None:
                return rejected("unknown_program", slug[:100])
        kind_text = cell("kind")
        kind = self.kinds.get(kind_text.lower()) if kind_text else None
        if kind_text and kind is None:
            return rejected("bad_kind", kind_text[:100])
        locale_text = cell("locale")
        locale = LOCALE_WORDS.get(locale_text.lower()) if locale_text else self.default_locale
        if locale is None:
            return rejected("bad_locale", locale_text[:100])
        try:
            participant = participant_build(
                program=program,
                email=email,
                external_id=cell("external_id") or None,
                name=cell("name"),
                kind=kind,
                locale=locale,
            )
        except Invalid as refused:
            field = refused.extra["errors"][0]["loc"][-1]
            reason = "bad_email" if field == "email" else "too_long"
            return rejected(reason, refused.detail)
        key = (
            (program.pk, "external_id", participant.external_id)
            if participant.external_id
            else (program.pk, "email", participant.email_normalised)
        )
        if key in self.seen:
            return rejected("duplicate_in_file", str(self.seen[key]))
        self.seen[key] = number
        return {**entry, "outcome": Outcome.created, "participant": participant, "key": key}

    def find_existing(self, entries: list[dict]) -> None:
        """Mark the chunk's rows whose person is already enrolled as `existing`."""
        by_external: dict = {}
        by_email: dict = {}
        for entry in entries:
            if entry["outcome"] != Outcome.created:
                continue
            program_id, what, value = entry["key"]
            (by_external if what == "external_id" else by_email).setdefault(program_id, {})[
                value
            ] = entry
        for lookup, groups in (("external_id", by_external), ("email_normalised", by_email)):
            for program_id, wanted in groups.items():
                found = Participant.objects.filter(
                    program_id=program_id, **{f"{lookup}__in": list(wanted)}
                ).values_list(lookup, "pk")
                for value, pk in found:
                    entry = wanted.get(value)
                    if entry is not None and entry["outcome"] == Outcome.created:
                        entry["outcome"] = Outcome.existing
                        entry["participant_id"] = str(pk)

    def run(self, positions, rows) -> _Checker:
        for start in range(0, len(rows), CHUNK):
            chunk = [
                self.check(number, cells, positions)
                for number, cells in rows[start : start + CHUNK]
            ]
            self.find_existing(chunk)
            for entry in chunk:
                participant = entry.pop("participant", None)
                entry.pop("key", None)
                if entry["outcome"] == Outcome.created:
                    entry["participant_id"] = str(participant.pk)
                    self.new.append(participant)
                self.report.append(entry)
            ImportJob.objects.filter(pk=self.job.pk).update(processed=min(start + CHUNK, len(rows)))
        return self


def _give_codes(participants: list[Participant]) -> None:
    """A fresh code for each, none taken yet (checked a chunk at a time)."""
    for start in range(0, len(participants), CHUNK):
        chunk = participants[start : start + CHUNK]
        pending = chunk
        while pending:
            wanted = {}
            for participant in pending:
                code = generate_code()
                while code in wanted:
                    code = generate_code()
                wanted[code] = participant
            taken = set(
                Participant.objects.filter(code__in=list(wanted)).values_list("code", flat=True)
            )
            pending = []
            for code, participant in wanted.items():
                if code in taken:
                    pending.append(participant)
                else:
                    participant.code = code


def _write(job: ImportJob, checker: _Checker) -> bool:
    """Every new participant, the report and `done`, in one transaction. False (and nothing
    written) when another worker took the job over after our lease ran out."""
    counts = dict.fromkeys((Outcome.created, Outcome.existing, Outcome.rejected), 0)
    for entry in checker.report:
        counts[entry["outcome"]] += 1
    with transaction.atomic():
        _give_codes(checker.new)
        Participant.objects.bulk_create(checker.new, batch_size=CHUNK)
        updated = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.running, started_at=job.started_at
        ).update(
            status=ImportStatus.done,
            processed=job.total,
            created_count=counts[Outcome.created],
            existing_count=counts[Outcome.existing],
            rejected_count=counts[Outcome.rejected],
            report=checker.report,
            content="",
            error="",
            finished_at=clock.now(),
        )
        if updated != 1:
            transaction.set_rollback(True)
            return False
    return True


def participants_import_run(*, job_id) -> ImportJob | None:
    """Run a queued import (see the module's docstring); None when another worker has it."""
    job = _claim(job_id)
    if job is None:
        return None
    positions, rows = read_rows(job.content)
    error = "database"
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            if not _write(job, _Checker(job).run(positions, rows)):
                return None
            job.refresh_from_db()
            return job
        except IntegrityError:
            # Someone was enrolled between the check and the write: check the file again.
            logger.warning("import %s: conflict while writing (attempt %s)", job.pk, attempt)
            error = "conflict"
        except DatabaseError:
            logger.exception("import %s: the database refused the write", job.pk)
            error = "database"
            break
    ImportJob.objects.filter(
        pk=job.pk, status=ImportStatus.running, started_at=job.started_at
    ).update(status=ImportStatus.failed, error=error, finished_at=clock.now())
    job.refresh_from_db()
    return job


def imports_lost() -> list:
    """Imports no worker is running: queued for a while (the task was lost) or running past
    their lease (the worker died)."""
    now = clock.now()
    return list(
        ImportJob.objects.filter(
            Q(status=ImportStatus.queued, created_at__lt=now - LOST_AFTER)
            | Q(status=ImportStatus.running, started_at__lt=now - LEASE)
        ).values_list("pk", flat=True)
    )
