"""A program's landing page, /join/{program_slug} (R10): which program and which referrer a
visit is about, the A/B test's variant of each visitor and its counts, and the sign-up.

A landing-page sign-up is `referrals.services.track_signup`, exactly as the API's
`POST /api/v1/track/signup`: the friend's e-mail address (normalised) is its
`customer_external_id`, the `tular_click` cookie set by /r/CODE its click, `?via=CODE` (or the
code the friend types) its code. So a customer who signs up on the landing page is the same
customer the shop's own backend reports later with that e-mail address as its id.

The A/B test (`ProgramCopy.test_element` / `test_text`, per language) shows each visitor one
variant and keeps showing it: a cookie per program remembers the visitor's variant per
language and the test it was drawn for. A visitor is counted once per language and test, when
that cookie entry is first written; a sign-up is counted for the variant the visitor saw.
`programs.copy.copy_save` resets the counts when the test changes (a new `test_started_at`),
and the cookie entries of the old test then count as new visitors of the new one.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from django.db.models import F

from tular.core import clock
from tular.participants.codes import normalise_code
from tular.participants.models import Participant
from tular.participants.services import normalise_email, participant_update
from tular.programs.models import LandingStat, Program, ProgramStatus
from tular.referrals.models import Referral, ReferralStatus
from tular.referrals.services import track_signup
from tular.tracking.attribution import participant_for

VARIANTS = ("a", "b")
AB_COOKIE_DAYS = 90
# Programs whose friends are businesses: the form asks for their company.
B2B_KINDS = {"reseller", "technology_partner", "service_partner", "network"}
# Below this many referred friends the page does not boast about them.
SOCIAL_PROOF_MINIMUM = 5


def program_for(*, slug: str, via: str | None) -> tuple[Program | None, Participant | None]:
    """The program of /join/<slug> and the participant `via` names (None when it names nobody
    of that program). A slug is unique per workspace only: the program of the `via` code's
    participant when it has that slug, else the program with the slug in the oldest workspace.
    An archived program has no landing page (None)."""
    referrer = None
    code = normalise_code(via or "")
    if code:
        referrer = (
            Participant.objects.select_related("program__workspace")
            .filter(code=code, program__slug=slug)
            .first()
        )
    if referrer is not None:
        program = referrer.program
    else:
        program = (
            Program.objects.select_related("workspace")
            .filter(slug=slug)
            .order_by("workspace__created_at", "workspace_id")
            .first()
        )
    if program is None or program.status == ProgramStatus.archived:
        return None, None
    return program, referrer


def participant_of_code(*, program: Program, code: str | None) -> Participant | None:
    """The participant of `program` with `code` (as typed), else None."""
    code = normalise_code(code or "")
    if not code:
        return None
    return Participant.objects.filter(program=program, code=code).first()


def participant_of_click(*, program: Program, click_id: str | None) -> Participant | None:
    """The participant whose link the visitor clicked (the `tular_click` cookie), when that
    click is of this program and inside its attribution window — what `track_signup` would
    credit — else None."""
    if not click_id:
        return None
    participant, click = participant_for(
        workspace=program.workspace, click_id=click_id, code=None, at=clock.now()
    )
    if participant is None or click is None or participant.program_id != program.pk:
        return None
    return participant


def first_name(participant: Participant) -> str:
    name = (participant.name or "").strip()
    return name.split()[0] if name else ""


def asks_company(program: Program) -> bool:
    return program.kind in B2B_KINDS


def referred_count(program: Program) -> int:
    """How many people joined the program through a friend (flagged and rejected sign-ups
    left out), for the page's social proof."""
    return (
        Referral.objects.filter(program=program)
        .exclude(status__in=[ReferralStatus.flagged, ReferralStatus.rejected])
        .count()
    )


# ---------------------------------------------------------------- the A/B test


ROBOT = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp/|telegram|slack|discord"
    r"|embedly|curl/|wget/|python-requests",
    re.IGNORECASE,
)


def is_robot(user_agent: str) -> bool:
    """A link preview (WhatsApp, Telegram, Facebook…) or a crawler: shown variant A and not
    counted as a visitor."""
    return bool(ROBOT.search(user_agent or ""))


def ab_cookie_name(program: Program) -> str:
    """One cookie per program. The end of the id (a UUIDv7's random part): its start is a
    timestamp, the same for programs created within a minute of each other."""
    return f"tular_ab_{program.pk.hex[-10:]}"


def test_token(started_at) -> str:
    """Names the test a variant was drawn for ("0": no test running)."""
    return str(int(started_at.timestamp())) if started_at else "0"


def parse_ab_cookie(value: str | None) -> dict[str, tuple[str, str]]:
    """ "id.b.1767225600,en.a.0" → {"id": ("b", "1767225600"), "en": ("a", "0")}; anything
    malformed is left out (that visitor is drawn again)."""
    entries = {}
    for part in (value or "").split(",")[:4]:
        pieces = part.split(".")
        if len(pieces) == 3 and pieces[1] in VARIANTS and pieces[2].isdigit():
            entries[pieces[0][:8]] = (pieces[1], pieces[2])
    return entries


def format_ab_cookie(entries: dict[str, tuple[str, str]]) -> str:
    return ",".join(f"{lang}.{variant}.{token}" for lang, (variant, token) in entries.items())


@dataclass(frozen=True)
class Visit:
    variant: str
    # The cookie's new value when this visitor is new to this language's test, else None.
    cookie: str | None


def landing_visit(
    *, program: Program, language: str, test_running: bool, started_at, cookie: str | None
) -> Visit:
    """The variant this visitor sees: the one drawn before for this language and test, else a
    new draw (50/50 while a test runs, "a" otherwise), counted as a new visitor."""
    entries = parse_ab_cookie(cookie)
    token = test_token(started_at if test_running else None)
    seen = entries.get(language)
    if seen is not None and seen[1] == token:
        return Visit(variant=seen[0], cookie=None)
    variant = VARIANTS[secrets.randbelow(2)] if test_running else "a"
    entries[language] = (variant, token)
    count(program=program, language=language, variant=variant, field="visitors")
    return Visit(variant=variant, cookie=format_ab_cookie(entries))


def variant_of(*, cookie: str | None, language: str, shown: str) -> str:
    """The variant a visitor signing up saw: their cookie's, else the one the form says."""
    seen = parse_ab_cookie(cookie).get(language)
    if seen is not None:
        return seen[0]
    return shown if shown in VARIANTS else "a"


def count(*, program: Program, language: str, variant: str, field: str) -> None:
    """One more visitor or sign-up: an UPDATE … SET n = n + 1 (no lost count when visitors
    arrive together); the row is created the first time, and a concurrent creation is
    caught by the unique constraint in get_or_create."""
    assert field in ("visitors", "signups")
    rows = LandingStat.objects.filter(program=program, language=language, variant=variant)
    if rows.update(**{field: F(field) + 1}):
        return
    stat, created = LandingStat.objects.get_or_create(
        program=program, language=language, variant=variant, defaults={field: 1}
    )
    if not created:
        LandingStat.objects.filter(pk=stat.pk).update(**{field: F(field) + 1})


def landing_stats(*, program: Program, language: str) -> dict[str, dict]:
    """{"a": {"visitors", "signups", "conversion"}, "b": …} of `program` in `language`;
    conversion is a percentage (None without visitors)."""
    found = {
        stat.variant: stat
        for stat in LandingStat.objects.filter(program=program, language=language)
    }
    stats = {}
    for variant in VARIANTS:
        stat = found.get(variant)
        visitors = stat.visitors if stat else 0
        signups = stat.signups if stat else 0
        stats[variant] = {
            "visitors": visitors,
            "signups": signups,
            "conversion": round(100 * signups / visitors, 1) if visitors else None,
        }
    return stats


# ---------------------------------------------------------------- the sign-up


@dataclass(frozen=True)
class LandingSignup:
    attributed: bool
    new: bool  # a new referral (not a customer referred before, not a repeated form)
    flagged: bool


def landing_signup(
    *,
    program: Program,
    email: str,
    name: str,
    company: str = "",
    click_id: str | None,
    code: str | None,
    language: str,
    ip: str | None,
    user_agent: str,
) -> LandingSignup:
    """Record a landing page's sign-up as `track_signup` (the e-mail as the customer's id) and
    give the friend, newly enrolled in the program, the page's language."""
    workspace = program.workspace
    customer = normalise_email(email)
    before = clock.now()
    known = Referral.objects.filter(workspace=workspace, customer_external_id=customer).exists()
    result = track_signup(
        workspace=workspace,
        event_id=f"landing:{uuid.uuid4().hex}",
        customer_external_id=customer,
        email=email,
        name=name,
        company=company,
        click_id=click_id,
        code=code,
        ip=ip,
        user_agent=user_agent,
    )
    if not result.attributed:
        return LandingSignup(attributed=False, new=False, flagged=False)
    flagged = result.status == ReferralStatus.flagged
    if not known:
        friend = _friend_of(result.referral_id)
        if friend is not None and friend.created_at >= before and friend.locale != language:
            participant_update(participant=friend, changes={"locale": language})
    return LandingSignup(attributed=True, new=not known, flagged=flagged)


def _friend_of(referral_id) -> Participant | None:
    referral = Referral.objects.select_related("friend").filter(pk=referral_id).first()
    return referral.friend if referral is not None else None
