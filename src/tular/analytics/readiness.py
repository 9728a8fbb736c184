"""Who is ready to refer (R4, R56): readiness scores, NPS answers, "who to ask next" and the
intent-vs-action list.

- `readiness_set`: satisfaction, relationship and network reach, each 1-5, for one participant
  (the console's card, `PUT /api/v1/participants/{id}/readiness`, the CSV import). Their sum is
  the readiness total; PRIORITY (12) or more makes a priority referrer. Audited.
- `readiness_import`: a CSV of scores, all or nothing, with a per-row report (read with the
  participants' import reader: size, encoding, delimiter, header names).
- `nps_record`: one NPS answer (0-10; 9-10 a promoter) from `POST /api/v1/nps`, idempotent on
  the caller's id. An answer belongs to an e-mail address: it counts for every participant with
  that (normalised) address in the workspace, whichever program they are in.
- `ask_list`: who to ask next. Participants with a readiness score or a promoter's answer,
  ordered by readiness total (promoters first among equals), then by how long ago they were
  last asked (never asked first); those asked within the last ASKED_WITHIN_DAYS days and
  detractors (latest answer 0-6) are left out. An ask is an e-mail of the asks or scripts
  (messaging.catalogue groups `asks` and `scripts`, sent by referrals.notify.ask_send).
- `intent_vs_action`: promoters (latest answer 9-10) and priority referrers who have not
  referred anyone yet (no Referral with them as the referrer; a priority referrer whose latest
  answer is a detractor's is left out): the gap between saying and
  doing that S3 measures ("83 % would recommend, 29 % do"), as an ask list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from tular.analytics.models import NpsAnswer, Readiness
from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging import catalogue
from tular.messaging.models import OutboundEmail
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
from tular.referrals.models import Referral
from tular.workspaces.audit import Actor, audit_record

PRIORITY = 12  # a readiness total from which a participant is a priority referrer
PROMOTER = 9  # an NPS score from which the person is a promoter
DETRACTOR_BELOW = 7  # 0-6: a detractor, not asked
ASKED_WITHIN_DAYS = 30
SCORES = ("satisfaction", "relationship", "reach")
SOURCES = ("console", "csv", "api")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# The e-mails that count as an ask: the asks and the scripts a manager sends from the console.
ASK_KEYS = tuple(
    key
    for key, message in catalogue.CATALOGUE.items()
    if message.group in (catalogue.ASKS, catalogue.SCRIPTS)
)


# ---------------------------------------------------------------------------------- readiness


def _score(name: str, value) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        number = None
    if number is None or not 1 <= number <= 5:
        raise Invalid([name], _("Give a whole number from 1 to 5."))
    return number


def readiness_check(*, satisfaction, relationship, reach) -> dict[str, int]:
    """The three scores as integers; Invalid naming the first one that is not 1-5."""
    values = {"satisfaction": satisfaction, "relationship": relationship, "reach": reach}
    return {name: _score(name, values[name]) for name in SCORES}


def readiness_set(
    *,
    participant: Participant,
    satisfaction,
    relationship,
    reach,
    source: str = "console",
    actor: Actor | None = None,
) -> Readiness:
    """Record the participant's three scores (Invalid, nothing written, when one is not 1-5).
    Audited with the scores before and after."""
    scores = readiness_check(satisfaction=satisfaction, relationship=relationship, reach=reach)
    if source not in SOURCES:
        raise ValueError(f"unknown readiness source {source!r}")
    with transaction.atomic():
        row = Readiness.objects.select_for_update().filter(participant=participant).first()
        before = {name: getattr(row, name) for name in SCORES} if row else None
        if row is None:
            row = Readiness(participant=participant, workspace_id=participant.workspace_id)
        for name, value in scores.items():
            setattr(row, name, value)
        row.total = sum(scores.values())
        row.source = source
        row.updated_at = clock.now()
        row.updated_by = (actor.label if actor else "")[:200]
        row.save()
        audit_record(
            workspace=participant.workspace_id,
            actor=actor,
            action="participant.readiness",
            target=participant,
            before=before,
            after={**scores, "total": row.total, "source": source},
        )
    return row


def readiness_of(participant: Participant) -> Readiness | None:
    return Readiness.objects.filter(participant=participant).first()


def is_priority(total: int | None) -> bool:
    return total is not None and total >= PRIORITY


# ---------------------------------------------------------------------------------- the import

IMPORT_COLUMNS = ("email", "participant_id", "program", *SCORES)
IMPORT_ALIASES = {
    "email": {"email", "e_mail", "surel", "alamat_email", "email_address"},
    "participant_id": {"participant_id", "id_peserta", "participant", "id"},
    "program": {"program", "program_slug", "slug", "kode_program"},
    "satisfaction": {"satisfaction", "kepuasan"},
    "relationship": {"relationship", "hubungan", "kedekatan"},
    "reach": {"reach", "network_reach", "jangkauan", "jangkauan_jaringan", "jaringan"},
}


@dataclass
class ReadinessRow:
    """One row of the report: its number as a spreadsheet shows it (the header is row 1)."""

    number: int
    who: str = ""
    total: int | None = None
    error: str = ""
    participants: list = field(default_factory=list)  # found (only for a good row)


@dataclass
class ReadinessReport:
    rows: list[ReadinessRow] = field(default_factory=list)
    imported: bool = False
    updated: int = 0  # participants whose scores were written

    @property
    def bad(self) -> list[ReadinessRow]:
        return [row for row in self.rows if row.error]


def _import_column(raw: str) -> str | None:
    name = normalise_header(raw)
    for column, aliases in IMPORT_ALIASES.items():
        if name in aliases:
            return column
    return None


def _read(data: bytes | str) -> tuple[dict[str, int], list]:
    if isinstance(data, str):
        data = data.encode("utf-8")
    check_size(data, limit=MAX_BYTES)
    positions, rows = read_rows(decode(data), column_of=_import_column)
    missing = [column for column in SCORES if column not in positions]
    if "email" not in positions and "participant_id" not in positions:
        missing.insert(0, "email / participant_id")
    check_columns(missing, columns=IMPORT_COLUMNS)
    check_rows(rows, limit=MAX_ROWS)
    return positions, rows


def _people(workspace, values: dict, programs: dict) -> list[Participant]:
    """The participants a row names (Invalid when none)."""
    people = Participant.objects.filter(workspace=workspace)
    slug = values.get("program", "")
    if slug:
        if slug not in programs:
            programs[slug] = Program.objects.filter(workspace=workspace, slug=slug).first()
        if programs[slug] is None:
            raise Invalid(["program"], _("There is no program with this slug in this workspace."))
        people = people.filter(program=programs[slug])
    participant_id = values.get("participant_id", "")
    if participant_id:
        found = [p for p in people.filter(pk__in=[participant_id]) if str(p.pk) == participant_id]
        if not found:
            raise Invalid(["participant_id"], _("No participant with this id in this workspace."))
        return found
    email = values.get("email", "")
    if not email:
        raise Invalid(["email"], _("Give the participant's e-mail or id."))
    found = list(people.filter(email_normalised=normalise_email(email)).order_by("created_at"))
    if not found:
        raise Invalid(["email"], _("No participant with this e-mail in this workspace."))
    return found


def _valid_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def readiness_check_file(*, workspace, data: bytes | str) -> ReadinessReport:
    """The per-row report of a file, writing nothing (Invalid for an unreadable file)."""
    positions, rows = _read(data)
    report = ReadinessReport()
    programs: dict = {}
    seen: dict[str, int] = {}
    for number, cells in rows:
        values = {
            column: (cells[index].strip() if index < len(cells) else "")
            for column, index in positions.items()
        }
        row = ReadinessRow(number=number, who=values.get("email") or values.get("participant_id"))
        report.rows.append(row)
        try:
            if values.get("participant_id") and not _valid_uuid(values["participant_id"]):
                raise Invalid(
                    ["participant_id"], _("No participant with this id in this workspace.")
                )
            scores = readiness_check(**{name: values.get(name, "") for name in SCORES})
            people = _people(workspace, values, programs)
        except Invalid as refused:
            name = refused.extra["errors"][0]["loc"][-1]
            row.error = f"{name}: {refused.detail}" if name in SCORES else refused.detail
            continue
        for person in people:
            earlier = seen.get(str(person.pk))
            if earlier is not None:
                row.error = _("The same participant appears earlier in the file (row %(row)s).") % {
                    "row": earlier
                }
                break
            seen[str(person.pk)] = number
        if row.error:
            continue
        row.total = sum(scores.values())
        row.participants = [(person, scores) for person in people]
    return report


def readiness_import(*, workspace, data: bytes | str, actor: Actor | None = None):
    """Write every row's scores, or none: the report says which rows are bad (`imported`
    False) or how many participants were scored (`imported` True). Invalid (nothing written)
    for a file too large, unreadable, without the needed columns or with too many rows."""
    report = readiness_check_file(workspace=workspace, data=data)
    if report.bad:
        return report
    with transaction.atomic():
        for row in report.rows:
            for person, scores in row.participants:
                readiness_set(participant=person, source="csv", actor=actor, **scores)
                report.updated += 1
        audit_record(
            workspace=workspace,
            actor=actor,
            action="readiness.import",
            target=workspace,
            after={"rows": len(report.rows), "participants": report.updated},
        )
    report.imported = True
    return report


def template_csv() -> str:
    """A file to fill in: the header and one example row."""
    return "email,program,satisfaction,relationship,reach\r\nandi@example.com,,5,4,4\r\n"


# ---------------------------------------------------------------------------------- NPS


def nps_record(
    *,
    workspace,
    score,
    email: str | None = None,
    participant_id=None,
    comment: str = "",
    answered_at: datetime | None = None,
    external_id: str = "",
    source: str = "api",
) -> tuple[NpsAnswer, bool]:
    """(the answer, created). A repeat with the same `external_id` returns the stored answer
    and changes nothing. The person is a participant of the workspace (`participant_id`) or an
    e-mail address (linked to the first participant enrolled with it; it counts for all of
    them). Invalid (422) for a score outside 0-10, no person, an unknown participant or an
    address that is not one."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise Invalid(["score"], _("Give a whole number from 0 to 10."))
    external_id = (external_id or "").strip()
    if len(external_id) > 200:
        raise Invalid(["id"], _("At most 200 characters."))
    if len(comment or "") > 2000:
        raise Invalid(["comment"], _("At most 2000 characters."))
    if external_id:
        existing = NpsAnswer.objects.filter(workspace=workspace, external_id=external_id).first()
        if existing is not None:
            return existing, False
    participant = None
    if participant_id:
        participant = Participant.objects.filter(workspace=workspace, pk=participant_id).first()
        if participant is None:
            raise Invalid(["participant_id"], _("No participant with this id in this workspace."))
        email_normalised = participant.email_normalised
    elif email:
        email_normalised = normalise_email(email.strip())
        participant = (
            Participant.objects.filter(workspace=workspace, email_normalised=email_normalised)
            .order_by("created_at", "pk")
            .first()
        )
    else:
        raise Invalid(["email"], _("Give the person's e-mail or participant id."))
    now = clock.now()
    answer = NpsAnswer(
        workspace=workspace,
        participant=participant,
        email_normalised=email_normalised,
        score=score,
        comment=(comment or "").strip(),
        answered_at=answered_at or now,
        source=source,
        external_id=external_id,
        created_at=now,
    )
    try:
        with transaction.atomic():
            answer.save(force_insert=True)
    except IntegrityError:
        # The same external id stored meanwhile by a concurrent call: that one stands.
        existing = NpsAnswer.objects.filter(workspace=workspace, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False
    return answer, True


def nps_latest(*, workspace, email_normalised: str) -> NpsAnswer | None:
    return (
        NpsAnswer.objects.filter(workspace=workspace, email_normalised=email_normalised)
        .order_by("-answered_at", "-created_at")
        .first()
    )


# ---------------------------------------------------------------------------------- the lists


def _latest_nps():
    return Subquery(
        NpsAnswer.objects.filter(
            workspace_id=OuterRef("workspace_id"), email_normalised=OuterRef("email_normalised")
        )
        .order_by("-answered_at", "-created_at")
        .values("score")[:1]
    )


def _last_asked():
    return Subquery(
        OutboundEmail.objects.filter(
            workspace_id=OuterRef("workspace_id"),
            to__iexact=OuterRef("email"),
            template_key__in=ASK_KEYS,
            status__in=(OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENT),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _annotated(workspace, program):
    people = Participant.objects.filter(workspace=workspace)
    if program is not None:
        people = people.filter(program=program)
    return people.select_related("program").annotate(
        readiness_total=F("readiness__total"),
        satisfaction=F("readiness__satisfaction"),
        relationship=F("readiness__relationship"),
        reach=F("readiness__reach"),
        nps=_latest_nps(),
        last_asked_at=_last_asked(),
        promoter=Case(
            When(nps__gte=PROMOTER, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


@dataclass
class AskRow:
    participant: Participant
    total: int | None
    satisfaction: int | None
    relationship: int | None
    reach: int | None
    nps: int | None
    last_asked_at: datetime | None
    referred: bool = False

    @property
    def promoter(self) -> bool:
        return self.nps is not None and self.nps >= PROMOTER

    @property
    def priority(self) -> bool:
        return is_priority(self.total)


def _row(person, *, referred: bool = False) -> AskRow:
    return AskRow(
        participant=person,
        total=person.readiness_total,
        satisfaction=person.satisfaction,
        relationship=person.relationship,
        reach=person.reach,
        nps=person.nps,
        last_asked_at=person.last_asked_at,
        referred=referred,
    )


def ask_list(
    *,
    workspace,
    program: Program | None = None,
    limit: int | None = 50,
    asked_within_days: int = ASKED_WITHIN_DAYS,
) -> list[AskRow]:
    """Who to ask next (see the module's docstring), best first, at most `limit` (None: all)."""
    since = clock.now() - timedelta(days=asked_within_days)
    people = (
        _annotated(workspace, program)
        .filter(Q(readiness_total__isnull=False) | Q(nps__gte=PROMOTER))
        # Spelled out: a NULL (no answer, never asked) must pass, and NOT (NULL < 7) is NULL.
        .filter(Q(nps__isnull=True) | Q(nps__gte=DETRACTOR_BELOW))
        .filter(Q(last_asked_at__isnull=True) | Q(last_asked_at__lt=since))
        .order_by(
            F("readiness_total").desc(nulls_last=True),
            F("promoter").desc(),
            F("nps").desc(nulls_last=True),
            F("last_asked_at").asc(nulls_first=True),
            "created_at",
            "pk",
        )
    )
    if limit is not None:
        people = people[:limit]
    return [_row(person) for person in people]


def intent_vs_action(
    *, workspace, program: Program | None = None, limit: int | None = None
) -> list[AskRow]:
    """Promoters and priority referrers who have not referred yet, the most ready first."""
    referred = Referral.objects.filter(participant_id=OuterRef("pk"))
    people = (
        _annotated(workspace, program)
        .filter(Q(readiness_total__gte=PRIORITY) | Q(nps__gte=PROMOTER))
        .filter(Q(nps__isnull=True) | Q(nps__gte=DETRACTOR_BELOW))
        .filter(~Exists(referred))
        .order_by(
            F("readiness_total").desc(nulls_last=True),
            F("nps").desc(nulls_last=True),
            F("last_asked_at").asc(nulls_first=True),
            "created_at",
            "pk",
        )
    )
    if limit is not None:
        people = people[:limit]
    return [_row(person) for person in people]


@dataclass
class IntentGap:
    """Of the promoters and priority referrers (`willing`), how many have referred."""

    willing: int
    referred: int

    @property
    def percent_referred(self) -> int | None:
        return round(100 * self.referred / self.willing) if self.willing else None


def intent_gap(*, workspace, program: Program | None = None) -> IntentGap:
    referred = Referral.objects.filter(participant_id=OuterRef("pk"))
    willing = (
        _annotated(workspace, program)
        .filter(Q(readiness_total__gte=PRIORITY) | Q(nps__gte=PROMOTER))
        .filter(Q(nps__isnull=True) | Q(nps__gte=DETRACTOR_BELOW))
    )
    return IntentGap(willing=willing.count(), referred=willing.filter(Exists(referred)).count())
