"""Applications to partner programs: the public form (and the API) apply, managers approve or
reject (one or many, with a reason), or the program approves by itself.

Approval enrols the organisation as a partner participant of the program
(`participants.participant_enrol`), gives it its profile, its contact as the owner member and
the program's first tier, and e-mails the portal invitation (`participants.signin.
portal_invite`). Rejection e-mails the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from tular.core import clock
from tular.core.errors import Conflict, Invalid
from tular.messaging.services import email_send
from tular.participants.models import Participant
from tular.participants.services import normalise_email, participant_enrol
from tular.participants.signin import portal_invite, workspace_brand
from tular.partners.models import (
    ApplicationStatus,
    MemberRole,
    PartnerApplication,
    PartnerMember,
    PartnerProfile,
    PartnerProgramSettings,
    TierChangeSource,
)
from tular.partners.profiles import (
    DEFAULT_PARTNER_TYPE,
    PARTNER_PROGRAM_KINDS,
    clean_country,
    clean_partner_type,
    clean_text,
    clean_website,
)
from tular.partners.tiers import partner_set_tier, tiers_of
from tular.programs.models import Program
from tular.workspaces.audit import Actor, audit_record

LANGUAGES = {code for code, _name in settings.LANGUAGES}
AUTO = Actor.system("auto-approval")


def program_settings(program: Program) -> PartnerProgramSettings:
    """The program's partner settings (defaults when never saved: open, decided by hand)."""
    found = PartnerProgramSettings.objects.filter(program=program).first()
    return found or PartnerProgramSettings(program=program)


def program_settings_save(
    *, program: Program, applications_open: bool, auto_approve: bool, actor: Actor | None = None
) -> PartnerProgramSettings:
    with transaction.atomic():
        saved, _created = PartnerProgramSettings.objects.update_or_create(
            program=program,
            defaults={"applications_open": applications_open, "auto_approve": auto_approve},
        )
        audit_record(
            workspace=program.workspace_id,
            actor=actor,
            action="partner.program_settings",
            target=program,
            after={"applications_open": applications_open, "auto_approve": auto_approve},
        )
    return saved


def accepts_applications(program: Program) -> bool:
    return (
        program.kind in PARTNER_PROGRAM_KINDS
        and program.status == "active"
        and program_settings(program).applications_open
    )


def partner_apply(
    *,
    program: Program,
    company: str,
    contact_name: str,
    contact_email: str,
    partner_type: str | None = None,
    website: str = "",
    country: str = "",
    message: str = "",
    language: str = "id",
    base_url: str = "",
) -> PartnerApplication:
    """Store an application (422 for a bad value; 409 when the program takes none). The same
    address applying again while its application waits gets that application back. When the
    program approves by itself, the application is approved at once."""
    if not accepts_applications(program):
        raise Conflict("this program does not take applications")
    values = {
        "company": clean_text(company, field="company", longest=200, required=True),
        "contact_name": clean_text(contact_name, field="contact_name", longest=200, required=True),
        "website": clean_website(website),
        "country": clean_country(country),
        "message": clean_text(message, field="message", longest=2000),
        "partner_type": clean_partner_type(
            partner_type or DEFAULT_PARTNER_TYPE.get(program.kind, "referral")
        ),
    }
    email = normalise_email(contact_email)
    if language not in LANGUAGES:
        raise Invalid(["language"], "id or en")
    with transaction.atomic():
        waiting = PartnerApplication.objects.filter(
            program=program, contact_email__iexact=email, status=ApplicationStatus.pending
        ).first()
        if waiting is not None:
            return waiting
        application = PartnerApplication.objects.create(
            workspace_id=program.workspace_id,
            program=program,
            contact_email=email,
            language=language,
            **values,
        )
    if program_settings(program).auto_approve:
        return application_decide(
            application=application, approve=True, actor=AUTO, base_url=base_url
        )
    return application


def application_decide(
    *,
    application: PartnerApplication,
    approve: bool,
    reason: str = "",
    actor: Actor | None = None,
    base_url: str = "",
) -> PartnerApplication:
    """Approve or reject a pending application (409 when it was already decided). A rejection
    needs a reason (422), which the applicant is e-mailed."""
    reason = clean_text(reason, field="reason", longest=500, required=not approve)
    base = (settings.TULAR_PUBLIC_URL or base_url or "http://localhost:8000").rstrip("/")
    with transaction.atomic():
        locked = (
            PartnerApplication.objects.select_for_update(no_key=True, of=("self",))
            .select_related("program", "program__workspace")
            .get(pk=application.pk)
        )
        if locked.status != ApplicationStatus.pending:
            raise Conflict(f"the application was already {locked.status}")
        locked.status = ApplicationStatus.approved if approve else ApplicationStatus.rejected
        locked.reason = reason
        locked.decided_by = (actor or AUTO).label[:200]
        locked.decided_at = clock.now()
        if approve:
            locked.participant = _enrol(locked, actor=actor, base=base)
        else:
            email_send(
                to=locked.contact_email,
                kind="partner_application_rejected",
                template="partner_application_rejected",
                workspace=locked.program.workspace,
                language=locked.language,
                context={
                    **workspace_brand(locked.program.workspace, base),
                    "name": locked.contact_name,
                    "company": locked.company,
                    "program_name": locked.program.name,
                    "reason": reason,
                },
            )
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at", "participant"])
        audit_record(
            workspace=locked.workspace_id,
            actor=actor,
            action="partner.application_" + locked.status,
            target=locked,
            after={"company": locked.company, "reason": reason},
        )
    return locked


def _enrol(application: PartnerApplication, *, actor, base: str) -> Participant:
    program = application.program
    existing = (
        Participant.objects.filter(
            program=program, email_normalised=normalise_email(application.contact_email)
        )
        .order_by("created_at")
        .first()
    )
    participant = (
        existing
        or participant_enrol(
            program=program,
            email=application.contact_email,
            name=application.company,
            locale=application.language,
            actor=actor,
        )[0]
    )
    if participant.kind not in ("partner", "reseller"):
        raise Conflict(
            f"{application.contact_email} already takes part in this program as a "
            f"{participant.kind}, not as a partner"
        )
    profile, _created = PartnerProfile.objects.get_or_create(
        participant=participant,
        defaults={
            "workspace_id": participant.workspace_id,
            "legal_name": application.company,
            "website": application.website,
            "country": application.country,
            "partner_type": application.partner_type,
            "description": application.message[:2000],
        },
    )
    PartnerMember.objects.get_or_create(
        profile=profile,
        email_normalised=participant.email_normalised,
        defaults={
            "name": application.contact_name,
            "email": application.contact_email,
            "role": MemberRole.owner,
            "invited_at": clock.now(),
        },
    )
    tiers = tiers_of(program)
    if tiers and participant.tier_id is None:
        partner_set_tier(
            participant=participant,
            tier=tiers[0],
            actor=actor,
            reason="approved application",
            source=TierChangeSource.application,
        )
    try:
        with transaction.atomic():
            portal_invite(participant=participant, base_url=base, actor=actor)
    except Conflict:
        pass  # invited often enough today already: the approval stands
    return participant


@dataclass(frozen=True)
class BulkResult:
    decided: list
    skipped: list  # (application id, why)


def applications_decide(
    *,
    workspace,
    ids: list,
    approve: bool,
    reason: str = "",
    actor: Actor | None = None,
    base_url: str = "",
) -> BulkResult:
    """Decide many applications of the workspace the same way, each in its own transaction:
    one that was already decided (or fails) is skipped with why, the others stand."""
    if not approve:
        clean_text(reason, field="reason", longest=500, required=True)
    decided, skipped = [], []
    found = {
        str(application.pk): application
        for application in PartnerApplication.objects.filter(workspace=workspace, pk__in=ids)
    }
    for key in [str(each) for each in ids]:
        application = found.get(key)
        if application is None:
            skipped.append((key, "not found"))
            continue
        try:
            decided.append(
                application_decide(
                    application=application,
                    approve=approve,
                    reason=reason,
                    actor=actor,
                    base_url=base_url,
                )
            )
        except (Conflict, Invalid) as exc:
            skipped.append((key, exc.detail))
    return BulkResult(decided=decided, skipped=skipped)
