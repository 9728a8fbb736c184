"""Closing the loop (R19, R39, R61): the referrer hears about their lead at every step, a lead
that sits still sends a progress note, and a program's managers send asks from templates.

- `referral_notify(referral=…, change=…)`: called by the pipeline (referrals.pipeline) inside
  its transaction after each `ReferralChange`; queues `pipeline.<to_status>` (or
  `pipeline.reopened`) in the referrer's language through the outbox, recording the template
  and the referral on the row, and sets `referral.referrer_notified_at`.
- `quiet_notes_send()`: the radio-silence job's body (referrals/jobs.py): a lead in an open
  status whose status and last note to the referrer are both older than the program's
  `quiet_days` sends `pipeline.quiet`, once per quiet period.
- `ask_send(participant=…, key=…)`: an ask or a script from the console (marketing: never to
  an address that unsubscribed).
- `message_template_save` / `message_template_reset` / `template_preview`: the console's and
  the API's editing of a program's templates, audited.
- `case_study_url` / `case_study_referral`: the signed link of the won message where the
  referrer says yes or no to a case study (the page is portal.views.case_study).

Every text is a message template (messaging.catalogue, messaging.templating) filled with plain
strings; the merge fields are listed in docs/emails.md.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.colour import readable
from tular.core.errors import Conflict, Invalid
from tular.core.money import format_money, minor_units
from tular.messaging import catalogue
from tular.messaging.models import OutboundEmail, Suppression
from tular.messaging.services import email_queue
from tular.messaging.templating import (
    Rendered,
    template_check,
    template_fill,
    template_for,
    template_reset,
    template_save,
)
from tular.participants.models import Participant
from tular.participants.services import referral_url
from tular.participants.signin import language_of_person
from tular.programs.models import Program
from tular.programs.rules import Recipient, Trigger
from tular.programs.wording import BABEL_LOCALE, incentives_in_words
from tular.referrals.models import Referral, ReferralChange, ReferralStatus
from tular.rewards.models import Reward
from tular.rewards.selectors import reward_expected
from tular.workspaces.audit import Actor, audit_record

logger = logging.getLogger(__name__)

S = ReferralStatus
# The steps where a lead can sit still (the pipeline's open statuses).
OPEN = (S.submitted, S.acknowledged, S.contacted, S.qualified, S.proposal)
CASE_STUDY_SALT = "tular.referrals.case-study"
FALLBACK_BASE = "http://localhost:8000"
QUIET_BATCH = 200
# A placeholder the manager must fill in ("[the clients you look for]"): not sent as it is.
PLACEHOLDER = re.compile(r"\[[^\]\n]{2,}\]")
ASKS_PER_DAY = 1


# ---------------------------------------------------------------- the context of a message


def public_base(base_url: str | None = None) -> str:
    return (settings.TULAR_PUBLIC_URL or base_url or FALLBACK_BASE).rstrip("/")


def referrer_language(participant: Participant) -> str:
    """The language the referrer reads: theirs on record, else the workspace's."""
    return language_of_person(None, [participant], participant.workspace)


def _portal_link(program: Program, base: str) -> str:
    return base + reverse("portal:leads", args=[program.slug])


def brand_of(workspace, base: str) -> dict:
    logo = (
        base + reverse("console:brand-logo", args=[workspace.slug]) if workspace.logo_type else ""
    )
    return {
        "name": workspace.name,
        "logo_url": logo,
        "brand_colour": readable(workspace.brand_color),
    }


def common_context(
    *, participant: Participant, language: str, base: str, sender_name: str = ""
) -> dict:
    """The merge fields every message has (catalogue.COMMON_FIELDS)."""
    program = participant.program
    workspace = participant.workspace
    sides = incentives_in_words(program=program, language=language)
    return {
        "referrer_name": participant.name,
        "program_name": program.name,
        "company": workspace.name,
        "sender_name": sender_name or workspace.name,
        "referral_link": referral_url(participant.code, base),
        "referral_code": participant.code,
        "promo_code": participant.code,
        "reward": sides["referrer"],
        "friend_reward": sides["friend"],
        "portal_link": _portal_link(program, base),
    }


def _owner_name(referral: Referral) -> str:
    owner = referral.owner
    if owner is None:
        return ""
    return (owner.get_full_name() or "").strip()


def _date(moment: datetime, *, workspace, language: str) -> str:
    try:
        zone = ZoneInfo(workspace.time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("Asia/Jakarta")
    return format_date(
        moment.astimezone(zone).date(), format="long", locale=BABEL_LOCALE.get(language, "id")
    )


def expected_in_words(state: str, moment: datetime | None, *, workspace, language: str) -> str:
    """When a reward arrives, as a sentence (rewards.selectors.reward_expected's state)."""
    with translation.override(language):
        when = _date(moment, workspace=workspace, language=language) if moment else ""
        sentences = {
            "hold": _(
                "It is confirmed when its holding period ends on %(date)s and paid with the "
                "next payout after that."
            ),
            "hold_over": _(
                "Its holding period is over: it is confirmed at the next check and paid with "
                "the next payout."
            ),
            "review": _(
                "Our team checks it first; your portal shows it as soon as it is approved."
            ),
            "payout": _("It is in the payout of %(date)s."),
            "next_payout": _("It is approved and paid with the next payout."),
            "perk": _("It is confirmed; we will be in touch to hand it over."),
            "paid": _("It was paid on %(date)s."),
        }
        sentence = sentences.get(state, "")
        return sentence % {"date": when} if "%(date)s" in sentence else sentence


def reward_words(*, referral: Referral, trigger: str, language: str) -> tuple[str, str]:
    """(amount, when) of the referrer's rewards this referral earned on `trigger` (qualified,
    won): "Rp500.000" (several currencies and perks joined), and when it arrives, as the
    portal says it. ("", "") when the step earned the referrer nothing."""
    rewards = list(
        Reward.objects.filter(
            referral=referral,
            trigger=trigger,
            recipient=Recipient.referrer,
            participant_id=referral.participant_id,
        )
        .select_related("payout")
        .order_by("created_at", "pk")
    )
    rewards = [reward for reward in rewards if reward.status not in ("rejected", "reversed")]
    if not rewards:
        return "", ""
    locale = BABEL_LOCALE.get(language, "id")
    totals: dict[str, int] = {}
    perks = []
    for reward in rewards:
        if reward.amount is None:
            perks.append(reward.perk)
        else:
            net = reward.amount - reward.reversed_amount
            totals[reward.currency] = totals.get(reward.currency, 0) + net
    parts = [format_money(amount, currency, locale) for currency, amount in sorted(totals.items())]
    parts += [perk for perk in perks if perk]
    with translation.override(language):
        amount = _(" and ").join(parts)
    state, moment = reward_expected(rewards[0], clock.now())
    when = expected_in_words(state, moment, workspace=referral.workspace, language=language)
    return amount, when


def pipeline_context(
    *, referral: Referral, language: str, base: str, reason: str = "", key: str = ""
) -> dict:
    """Every merge field of a pipeline message about `referral`."""
    context = common_context(
        participant=referral.participant,
        language=language,
        base=base,
        sender_name=_owner_name(referral),
    )
    program = referral.program
    with translation.override(language):
        status = str(S(referral.status).label) if referral.status in S.values else referral.status
    amount = when = ""
    if key in ("pipeline.qualified", "pipeline.won"):
        amount, when = reward_words(referral=referral, trigger=referral.status, language=language)
    case_study = ""
    if key == "pipeline.won" and program.ask_case_study and referral.case_study in ("", "asked"):
        case_study = case_study_url(referral=referral, base=base)
    context.update(
        {
            "lead_name": referral.name or referral.email,
            "lead_company": referral.company,
            "status": status,
            "reason": reason,
            "acknowledge_hours": str(program.sla_acknowledge_hours),
            "quiet_days": str(program.quiet_days),
            "reward_amount": amount,
            "reward_expected": when,
            "case_study_link": case_study,
        }
    )
    return context


# ---------------------------------------------------------------- pipeline news


def referral_notify(*, referral: Referral, change: ReferralChange) -> None:
    """Tell the referrer about `change` (the ReferralChange just written): the program's
    `pipeline.<to_status>` message, `pipeline.reopened` for a reopened lead, in the referrer's
    language, queued in the caller's transaction and sent after its commit. Sets
    `referrer_notified_at` unless the address unsubscribed and the program keeps pipeline news
    from such addresses (the outbox records it as suppressed). On `won` with the program's
    `ask_case_study`, the message carries the case-study link and the referral is marked
    `asked` (the caller grants the step's rewards before, so the message names them)."""
    key = catalogue.pipeline_key(change.to_status, reopened=change.reopened)
    if key is None:
        return
    program = referral.program
    if key == "pipeline.won" and program.ask_case_study and not referral.case_study:
        referral.case_study = "asked"
        Referral.objects.filter(pk=referral.pk).update(case_study="asked")
    _pipeline_send(referral=referral, key=key, reason=change.reason)


def _queue(
    *, participant: Participant, key: str, chosen, rendered, language: str, base: str, **extra
) -> OutboundEmail:
    """Queue a rendered catalogue message to a referrer, recording which template it came from
    (pipeline news and asks alike)."""
    return email_queue(
        to=participant.email,
        kind=key,
        subject=rendered.subject,
        text=rendered.text,
        language=language,
        workspace=participant.workspace,
        brand=brand_of(participant.workspace, base),
        template_key=key,
        template_source=chosen.source,
        base_url=base,
        **extra,
    )


def _pipeline_send(*, referral: Referral, key: str, reason: str = "") -> OutboundEmail | None:
    participant = referral.participant
    program = referral.program
    language = referrer_language(participant)
    base = public_base()
    chosen = template_for(program=program, key=key, language=language)
    rendered = template_fill(
        subject=chosen.subject,
        body=chosen.body,
        context=pipeline_context(
            referral=referral, language=language, base=base, reason=reason, key=key
        ),
    )
    try:
        email = _queue(
            participant=participant,
            key=key,
            chosen=chosen,
            rendered=rendered,
            language=language,
            base=base,
            category=OutboundEmail.Category.PIPELINE,
            obey_unsubscribe=not program.pipeline_mail_despite_unsubscribe,
            referral=referral,
        )
    except Invalid:  # an address the outbox cannot take must not stop the pipeline
        logger.warning("referral %s: the referrer's address cannot be mailed", referral.pk)
        return None
    if email.status != OutboundEmail.Status.SUPPRESSED:
        now = clock.now()
        Referral.objects.filter(pk=referral.pk).update(referrer_notified_at=now)
        referral.referrer_notified_at = now
    return email


def quiet_notes_send(*, limit: int = QUIET_BATCH) -> int:
    """Send `pipeline.quiet` for every lead that sat in an open status longer than its
    program's `quiet_days` (0: never) with no news to the referrer for as long. Each lead is
    claimed by a conditional UPDATE of `referrer_notified_at` in the note's transaction, so two
    workers (or two runs) send one note, and the next one comes a quiet period later. Returns
    how many notes were queued."""
    now = clock.now()
    sent = 0
    programs = Program.objects.filter(quiet_days__gt=0, referrals__status__in=OPEN).distinct()
    for program in programs.select_related("workspace"):
        cutoff = now - timedelta(days=program.quiet_days)
        candidates = Referral.objects.filter(
            program=program, status__in=OPEN, status_changed_at__lte=cutoff
        ).filter(Q(referrer_notified_at__isnull=True) | Q(referrer_notified_at__lte=cutoff))
        if not program.pipeline_mail_despite_unsubscribe:
            unsubscribed = Suppression.objects.filter(workspace_id=program.workspace_id)
            candidates = candidates.exclude(
                participant__email_normalised__in=unsubscribed.values("email")
            )
        for referral in candidates.select_related(
            "program__workspace", "participant__workspace", "participant__program", "workspace"
        ).order_by("status_changed_at", "pk")[:limit]:
            with transaction.atomic():
                claim = Referral.objects.filter(pk=referral.pk, status__in=OPEN).filter(
                    Q(referrer_notified_at__isnull=True)
                    if referral.referrer_notified_at is None
                    else Q(referrer_notified_at=referral.referrer_notified_at)
                )
                if claim.update(referrer_notified_at=now) != 1:
                    continue  # another worker sent it, or the lead moved meanwhile
                referral.referrer_notified_at = now
                if _pipeline_send(referral=referral, key="pipeline.quiet") is not None:
                    sent += 1
    return sent


# ---------------------------------------------------------------- the case-study question


def case_study_token(*, referral: Referral) -> str:
    return signing.dumps({"r": str(referral.pk)}, salt=CASE_STUDY_SALT)


def case_study_url(*, referral: Referral, base: str) -> str:
    return base + reverse("portal:case-study", args=[case_study_token(referral=referral)])


def case_study_referral(*, token: str) -> Referral | None:
    """The won referral a case-study link is about; None for a link this installation did not
    sign or whose referral is gone."""
    try:
        payload = signing.loads(token, salt=CASE_STUDY_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), str):
        return None
    return (
        Referral.objects.select_related("program", "workspace", "participant")
        .filter(pk=payload["r"])
        .first()
    )


# ---------------------------------------------------------------- templates in the console


SAMPLES = {
    "id": {
        "referrer_name": "Sari Wulandari",
        "lead_name": "Budi Santoso",
        "lead_company": "PT Maju Jaya",
        "reason": "Anggaran mereka untuk tahun ini sudah habis.",
        "code": "SARI-7K2M",
    },
    "en": {
        "referrer_name": "Sari Wulandari",
        "lead_name": "Budi Santoso",
        "lead_company": "PT Maju Jaya",
        "reason": "Their budget for this year is spent.",
        "code": "SARI-7K2M",
    },
}


def sample_context(*, program: Program, key: str, language: str, sender_name: str = "") -> dict:
    """Made-up but realistic merge fields for a preview of `key` in `language`: a sample
    referrer and lead, the program's own rewards and settings."""
    sample = SAMPLES.get(language, SAMPLES["en"])
    base = public_base()
    workspace = program.workspace
    sides = incentives_in_words(program=program, language=language)
    locale = BABEL_LOCALE.get(language, "id")
    with translation.override(language):
        status_key = key.removeprefix("pipeline.")
        status = S(status_key).label if status_key in S.values else S.qualified.label
        context = {
            "referrer_name": sample["referrer_name"],
            "program_name": program.name,
            "company": workspace.name,
            "sender_name": sender_name or workspace.name,
            "referral_link": referral_url(sample["code"], base),
            "referral_code": sample["code"],
            "promo_code": sample["code"],
            "reward": sides["referrer"],
            "friend_reward": sides["friend"],
            "portal_link": _portal_link(program, base),
            "lead_name": sample["lead_name"],
            "lead_company": sample["lead_company"],
            "status": str(status),
            "reason": sample["reason"] if key in ("pipeline.lost", "pipeline.dark") else "",
            "acknowledge_hours": str(program.sla_acknowledge_hours),
            "quiet_days": str(program.quiet_days),
            "reward_amount": "",
            "reward_expected": "",
            "case_study_link": "",
        }
    if key in ("pipeline.won", "pipeline.qualified"):
        amount = _sample_amount(program, Trigger(key.removeprefix("pipeline.")))
        if amount is not None:
            context["reward_amount"] = format_money(amount, program.currency, locale)
            context["reward_expected"] = expected_in_words(
                "hold",
                clock.now() + timedelta(days=program.hold_days),
                workspace=workspace,
                language=language,
            )
    if key == "pipeline.won" and program.ask_case_study:
        context["case_study_link"] = base + reverse("portal:case-study", args=["contoh"])
    if key == "survey.satisfaction":  # the five one-click answers (analytics.survey)
        survey_page = base + reverse("portal:survey", args=["contoh"])
        context.update({f"survey_link_{n}": f"{survey_page}?score={n}" for n in range(1, 6)})
    return context


def _sample_amount(program: Program, trigger: Trigger) -> int | None:
    """The referrer's fixed reward of `trigger` in the program's rules; a round sample when
    the rules have none that is fixed (a percentage of a deal)."""
    has_rule = False
    for rule in program.rules:
        if rule.get("recipient") == Recipient.referrer and rule.get("trigger") == trigger:
            has_rule = True
            if rule.get("kind") == "fixed" and rule.get("amount"):
                return int(rule["amount"])
    if not has_rule:
        return None
    units = 500_000 if program.currency == "IDR" else 100  # a percentage of a sample deal
    return units * 10 ** minor_units(program.currency)


def template_preview(
    *, program: Program, key: str, language: str, subject: str, body: str, sender_name: str = ""
) -> Rendered:
    """`subject` and `body` checked (Invalid as a save would refuse them) and filled with the
    sample of `sample_context`."""
    template_check(key=key, subject=subject, body=body)
    return template_fill(
        subject=subject,
        body=body,
        context=sample_context(
            program=program, key=key, language=language, sender_name=sender_name
        ),
    )


def message_template_save(
    *, program: Program, key: str, language: str, subject: str, body: str, actor: Actor
):
    """A manager's text of one message (Invalid, nothing written, when it does not render;
    the default text as it is resets it). Audited."""
    with transaction.atomic():
        row = template_save(
            program=program,
            key=key,
            language=language,
            subject=subject,
            body=body,
            by=actor.label,
        )
        audit_record(
            workspace=program.workspace_id,
            actor=actor,
            action="program.message_template",
            target=program,
            after={"key": key, "language": language, "overridden": row is not None},
        )
    return row


def message_template_reset(*, program: Program, key: str, language: str, actor: Actor) -> bool:
    """Back to the default text of `key` in `language`. Audited when there was one."""
    with transaction.atomic():
        removed = template_reset(program=program, key=key, language=language)
        if removed:
            audit_record(
                workspace=program.workspace_id,
                actor=actor,
                action="program.message_template",
                target=program,
                after={"key": key, "language": language, "overridden": False},
            )
    return removed


# ---------------------------------------------------------------- asks


def _ask_message(key: str):
    message = catalogue.message_of(key)
    if message is None or message.group == catalogue.PIPELINE:
        raise Invalid(["key"], _("Choose one of the asks or scripts."))
    return message


def ask_render(*, participant: Participant, key: str, sender_name: str = "") -> tuple:
    """(chosen template, rendered text, language) of ask `key` for `participant`."""
    _ask_message(key)
    language = referrer_language(participant)
    chosen = template_for(program=participant.program, key=key, language=language)
    rendered = template_fill(
        subject=chosen.subject,
        body=chosen.body,
        context=common_context(
            participant=participant,
            language=language,
            base=public_base(),
            sender_name=sender_name,
        ),
    )
    return chosen, rendered, language


def ask_send(
    *, participant: Participant, key: str, actor: Actor, sender_name: str = ""
) -> OutboundEmail:
    """E-mail the referrer one of the program's asks or scripts, in their language, as
    marketing: not sent (recorded as suppressed) when they unsubscribed. Refused while the text
    still has a [placeholder] to fill in, and beyond ASKS_PER_DAY asks a day to one person.
    Audited."""
    chosen, rendered, language = ask_render(
        participant=participant, key=key, sender_name=sender_name
    )
    if PLACEHOLDER.search(rendered.subject) or PLACEHOLDER.search(rendered.text):
        raise Invalid(
            ["key"],
            _(
                "This text still has a placeholder in [brackets] to fill in: edit the template "
                "in the program's message templates first."
            ),
        )
    base = public_base()
    with transaction.atomic():
        Participant.objects.select_for_update(no_key=True).filter(pk=participant.pk).first()
        since = clock.now() - timedelta(days=1)
        recent = OutboundEmail.objects.filter(
            workspace_id=participant.workspace_id,
            to__iexact=participant.email,
            category=OutboundEmail.Category.MARKETING,
            status__in=(OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENT),
            created_at__gt=since,
        ).count()
        if recent >= ASKS_PER_DAY:
            raise Conflict(
                _("%(email)s was already asked today: asks feel personal when they are rare.")
                % {"email": participant.email}
            )
        email = _queue(
            participant=participant,
            key=key,
            chosen=chosen,
            rendered=rendered,
            language=language,
            base=base,
            category=OutboundEmail.Category.MARKETING,
        )
        audit_record(
            workspace=participant.workspace_id,
            actor=actor,
            action="participant.ask_sent",
            target=participant,
            after={"key": key, "language": language, "status": email.status},
        )
    return email
