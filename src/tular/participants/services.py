"""Enrolment of participants and what is known about them."""

from django.conf import settings
from django.db import IntegrityError, transaction
from email_validator import EmailNotValidError, validate_email

from tular.core.errors import Conflict, Invalid
from tular.participants.codes import CUSTOM_CODE, generate_code, normalise_code
from tular.participants.models import Participant, ParticipantKind
from tular.programs.models import Program

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


def normalise_email(raw: str) -> str:
    """The canonical form used to compare people: validated, domain lower-cased, local part too."""
    try:
        valid = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(["email"], str(exc)) from None
    return valid.normalized.lower()


def referral_url(code: str, base_url: str | None = None) -> str:
    base = settings.TULAR_PUBLIC_URL or base_url or "http://localhost:8000"
    return f"{base}/r/{code}"


def participant_enrol(
    *,
    program: Program,
    email: str,
    external_id: str | None = None,
    name: str = "",
    kind: str | None = None,
    locale: str = "id",
    code: str | None = None,
) -> tuple[Participant, bool]:
    """Enrol someone in a program. Returns (participant, created).

    The same (program, external_id) again returns the existing participant unchanged, also when
    two calls race: the unique constraint decides, not a read-then-write.
    """
    email_normalised = normalise_email(email)
    if external_id is not None:
        existing = Participant.objects.filter(program=program, external_id=external_id).first()
        if existing:
            return existing, False
    if code is not None:
        code = normalise_code(code)
        if not CUSTOM_CODE.match(code):
            raise Invalid(
                ["code"], "3-32 letters, digits, '-' or '_', starting with a letter or digit"
            )
    if locale not in {language for language, _ in settings.LANGUAGES}:
        raise Invalid(["locale"], f"unsupported language {locale!r}; use 'id' or 'en'")
    participant = Participant(
        workspace_id=program.workspace_id,
        program=program,
        external_id=external_id,
        email=email.strip(),
        email_normalised=email_normalised,
        name=name,
        kind=kind or DEFAULT_PARTICIPANT_KIND[program.kind],
        locale=locale,
    )
    for _attempt in range(CODE_ATTEMPTS):
        participant.code = code or generate_code()
        try:
            with transaction.atomic():
                participant.save(force_insert=True)
            return participant, True
        except IntegrityError:
            if external_id is not None:
                existing = Participant.objects.filter(program=program, external_id=external_id)
                if existing.exists():  # a concurrent enrolment of the same person won
                    return existing.get(), False
            if code is not None:
                raise Conflict(f"the code {code!r} is taken") from None
            # A random code collided: draw again.
    raise Conflict("could not draw a free code; try again")  # pragma: no cover - 1 in 10^40
