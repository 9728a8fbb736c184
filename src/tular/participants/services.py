"""Enrolment of participants and what is known about them."""

import contextlib
import functools

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tular.core import rows
from tular.core.changes import figures_changed
from tular.core.errors import Conflict, FieldConflict, Invalid, NotFound
from tular.core.reads import JoinedRead
from tular.participants.codes import CUSTOM_CODE, generate_code, normalise_code
from tular.participants.models import PARTNER_KINDS, CampaignCode, Participant, ParticipantKind
from tular.programs.models import Program
from tular.workspaces.audit import Actor, audit_record

# Program kind → the kind of participant it enrols when the caller does not say.
DEFAULT_PARTICIPANT_KIND = {
    "customer": ParticipantKind.customer,
    "affiliate": ParticipantKind.affiliate,
    "reseller": ParticipantKind.reseller,
    "technology_partner": ParticipantKind.partner,
    "service_partner": ParticipantKind.partner,
    "employee": ParticipantKind.employee,
    "network": ParticipantKind.network,
}
CODE_ATTEMPTS = 8


@functools.lru_cache(maxsize=4096)
def normalise_email(raw: str) -> str:
    """The canonical form used to compare people: validated, domain lower-cased, local part too.

    Remembered per process (a pure function of the text; an invalid address raises each time):
    a sign-up asks it three times, and email-validator's parse was a tenth of a sign-up's CPU."""
    try:
        valid = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(["email"], str(exc)) from None
    return valid.normalized.lower()


def referral_url(code: str, base_url: str | None = None) -> str:
    base = settings.TULAR_PUBLIC_URL or base_url or "http://localhost:8000"
    return f"{base}/r/{code}"


def _valid_code(code: str) -> str:
    code = normalise_code(code)
    if not CUSTOM_CODE.match(code):
        raise Invalid(["code"], "3-32 letters, digits, '-' or '_', starting with a letter or digit")
    return code


LANGUAGE_CODES = frozenset(language for language, _ in settings.LANGUAGES)


def participant_build(
    *,
    program: Program,
    email: str,
    external_id: str | None = None,
    name: str = "",
    kind: str | None = None,
    locale: str = "id",
) -> Participant:
    """A participant validated as enrolment validates it, not saved and without a code yet.

    422 (`Invalid`, naming the field) for a bad e-mail, kind, language or a value too long."""
    email_normalised = normalise_email(email)
    for field, value in (("name", name or ""), ("external_id", external_id or "")):
        if len(value) > 200:
            raise Invalid([field], "at most 200 characters")
    if kind is not None and kind not in ParticipantKind.values:
        raise Invalid(["kind"], f"unknown kind {kind!r}")
    if locale not in LANGUAGE_CODES:
        raise Invalid(["locale"], f"unsupported language {locale!r}; use 'id' or 'en'")
    return Participant(
        workspace_id=program.workspace_id,
        program=program,
        external_id=external_id,
        email=email.strip(),
        email_normalised=email_normalised,
        name=name or "",
        kind=kind or DEFAULT_PARTICIPANT_KIND[program.kind],
        locale=locale,
    )


def participant_snapshot(participant: Participant) -> dict:
    """What the audit log keeps of a participant."""
    return {field: getattr(participant, field) for field in ("program_id", *UPDATABLE)}


def participant_enrol(
    *,
    program: Program,
    email: str,
    external_id: str | None = None,
    name: str = "",
    kind: str | None = None,
    locale: str = "id",
    code: str | None = None,
    actor: Actor | None = None,
    savepoint: bool = True,
) -> tuple[Participant, bool]:
    """Enrol someone in a program. Returns (participant, created).

    `savepoint=False` (a tracked sign-up enrolling its friend inside the event's transaction)
    writes without a savepoint of its own: a concurrent enrolment of the same external id
    then fails the caller's transaction with IntegrityError (the sign-up answers 409, as its
    referral's own unique key would make it anyway), and a drawn code that is taken (1 in
    10^40) is not drawn again. Two statements fewer on every sign-up.

    The same (program, external_id) again returns the existing participant unchanged, also when
    two calls race: the unique constraint decides, not a read-then-write. When someone enrols
    by hand (`actor`: a console user, an API key) the enrolment is in the audit log; automatic
    enrolments (a referred friend) are not."""
    normalise_email(email)  # a bad e-mail is a 422 even for someone already enrolled
    if external_id is not None:
        existing = _enrolled(program.pk, external_id)
        if existing is not None:
            return existing, False
    if code is not None:
        code = _valid_code(code)
        if CampaignCode.objects.filter(code=code).exists():
            raise Conflict(f"the code {code!r} is taken")
    participant = participant_build(
        program=program,
        email=email,
        external_id=external_id,
        name=name,
        kind=kind,
        locale=locale,
    )
    for _attempt in range(CODE_ATTEMPTS):
        participant.code = code or generate_code()
        try:
            with transaction.atomic() if savepoint else contextlib.nullcontext():
                # One INSERT without the ORM's compiler (every sign-up enrols its friend); no
                # post_save is sent, so the rollups are told the day here.
                rows.insert(Participant, [participant])
                figures_changed(program_id=program.pk, moments=[participant.created_at])
                if actor is not None:
                    audit_record(
                        workspace=program.workspace_id,
                        actor=actor,
                        action="participant.enrol",
                        target=participant,
                        after=participant_snapshot(participant),
                    )
            return participant, True
        except IntegrityError:
            if not savepoint:  # the caller's transaction is spoilt: it decides
                raise
            if external_id is not None:
                existing = Participant.objects.filter(program=program, external_id=external_id)
                if existing.exists():  # a concurrent enrolment of the same person won
                    return existing.get(), False
            if code is not None:
                raise Conflict(f"the code {code!r} is taken") from None
            # A random code collided: draw again.
    raise Conflict("could not draw a free code; try again")  # pragma: no cover - 1 in 10^40


# `Participant.objects.filter(program=..., external_id=...)[:1]` (unique together), compiled once.
_enrolled = JoinedRead((("a", Participant, None),), where=("program", "external_id"))


UPDATABLE = ("name", "email", "locale", "kind", "external_id", "code")


def participant_check_update(*, participant: Participant, changes: dict) -> dict:
    """The columns `changes` would write, validated as on enrolment; nothing is written.

    `changes` holds any of name, email, locale, kind, external_id and code. 422 for an invalid
    value; 409 for an external id taken in the program or a code taken by anyone."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise Invalid([unknown[0]], "cannot be changed")
    values = {}
    for field, longest in (("name", 200), ("external_id", 200)):
        if len(changes.get(field) or "") > longest:
            raise Invalid([field], f"at most {longest} characters")
    if "name" in changes:
        values["name"] = changes["name"] or ""
    if "email" in changes:
        values["email_normalised"] = normalise_email(changes["email"] or "")
        values["email"] = changes["email"].strip()
    if "locale" in changes:
        if changes["locale"] not in {language for language, _ in settings.LANGUAGES}:
            raise Invalid(
                ["locale"], f"unsupported language {changes['locale']!r}; use 'id' or 'en'"
            )
        values["locale"] = changes["locale"]
    if "kind" in changes:
        if changes["kind"] not in ParticipantKind.values:
            raise Invalid(["kind"], f"unknown kind {changes['kind']!r}")
        values["kind"] = changes["kind"]
    if "external_id" in changes:
        values["external_id"] = changes["external_id"] or None
    if "code" in changes:
        if changes["code"] is None:
            raise Invalid(["code"], "a participant always has a code")
        values["code"] = _valid_code(changes["code"])
    changed = {
        field: value for field, value in values.items() if getattr(participant, field) != value
    }
    others = Participant.objects.exclude(pk=participant.pk)
    if (
        changed.get("external_id") is not None
        and others.filter(
            program_id=participant.program_id, external_id=changed["external_id"]
        ).exists()
    ):
        raise FieldConflict(
            f"the external id {changed['external_id']!r} is taken in this program",
            field="external_id",
        )
    if "code" in changed and (
        others.filter(code=changed["code"]).exists()
        or CampaignCode.objects.filter(code=changed["code"]).exists()
    ):
        raise FieldConflict(f"the code {changed['code']!r} is taken", field="code")
    return changed


def participant_update(
    *, participant: Participant, changes: dict, actor: Actor | None = None
) -> Participant:
    """Change what is known about a participant: any of name, email, locale, kind, external_id
    and code. Validated as on enrolment (422, nothing changes); a code or an external id already
    taken is a 409. A new code replaces the old one: links with the old code stop working. The
    change is in the audit log with who made it (`actor`; None: the system)."""
    with transaction.atomic():
        locked = (
            Participant.objects.select_for_update(no_key=True, of=("self",))
            .select_related("program")
            .get(pk=participant.pk)
        )
        changed = participant_check_update(participant=locked, changes=changes)
        if not changed:
            return locked
        before = {field: getattr(locked, field) for field in changed}
        for field, value in changed.items():
            setattr(locked, field, value)
        try:
            with transaction.atomic():
                locked.save(update_fields=list(changed))
        except IntegrityError:  # taken by a concurrent change between the check and the write
            raise Conflict("the code or the external id was just taken; try again") from None
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="participant.update",
            target=locked,
            before=before,
            after=changed,
        )
    return locked


def participants_set_language(*, workspace, email_normalised: str, language: str) -> int:
    """The person's own choice of language (the portal's switch): every participant of this
    address in the workspace reads `language` from now on (e-mails too). Returns how many rows
    changed. 422 for a language that is not offered."""
    if language not in LANGUAGE_CODES:
        raise Invalid(["locale"], f"unsupported language {language!r}; use 'id' or 'en'")
    return (
        Participant.objects.filter(workspace=workspace, email_normalised=email_normalised)
        .exclude(locale=language)
        .update(locale=language)
    )


def partner_for(*, program: Program, external_id: str) -> Participant:
    """The partner a request names by its external id in the program (deals, tickets); 404
    when unknown."""
    partner = Participant.objects.filter(
        program=program, external_id=external_id, kind__in=PARTNER_KINDS
    ).first()
    if partner is None:
        raise NotFound(
            _("No partner with that id in program %(program)s.") % {"program": program.slug}
        )
    return partner
