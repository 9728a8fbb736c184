"""The referrer-satisfaction survey (R45, issue 11): one question, "how satisfied are you with
the program", 1-5, sent after a reward is paid.

- `surveys_send()` (the worker's job, analytics/jobs.py): for each referrer's reward paid in
  the last RECENT_DAYS days that has no survey yet, and a referrer not surveyed in the last
  EVERY_DAYS days (90), writes a `SatisfactionSurvey` with the SHA-256 of a fresh token and
  queues the program's `survey.satisfaction` message (messaging.catalogue; marketing: never to
  an address that unsubscribed, which is then not surveyed at all) with five one-click links.
  The referrer's row is locked while checking, so two workers send one survey.
- `survey_for_token` / `survey_answer`: the portal page `/portal/survey/<token>` (GET shows the
  score the link carried, pre-selected; only the POST records it, since mail scanners open
  links). The answer can be changed from the same link.
- `satisfaction_summary`: average, count, distribution and response rate over a period.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from tular.analytics.models import SatisfactionSurvey
from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.models import OutboundEmail, Suppression
from tular.messaging.services import email_queue
from tular.messaging.templating import template_fill, template_for
from tular.participants.models import Participant
from tular.programs.rules import Recipient
from tular.referrals.notify import brand_of, common_context, public_base, referrer_language
from tular.rewards.models import Reward, RewardStatus

logger = logging.getLogger(__name__)

KEY = "survey.satisfaction"
EVERY_DAYS = 90  # at most one survey per referrer in this many days
RECENT_DAYS = 14  # rewards paid longer ago are not surveyed (a survey comes right after)
BATCH = 200
SCORES = (1, 2, 3, 4, 5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(token: str, *, base: str, score: int | None = None) -> str:
    url = base + reverse("portal:survey", args=[token])
    return f"{url}?score={score}" if score is not None else url


def _candidates(now: datetime):
    surveyed = SatisfactionSurvey.objects.filter(reward_id=OuterRef("pk"))
    recent = SatisfactionSurvey.objects.filter(
        participant_id=OuterRef("participant_id"), sent_at__gt=now - timedelta(days=EVERY_DAYS)
    )
    unsubscribed = Suppression.objects.filter(
        workspace_id=OuterRef("workspace_id"), email=OuterRef("participant__email_normalised")
    )
    return (
        Reward.objects.filter(
            status=RewardStatus.paid,
            recipient=Recipient.referrer,
            paid_at__gt=now - timedelta(days=RECENT_DAYS),
            paid_at__lte=now,
        )
        .filter(~Exists(surveyed), ~Exists(recent), ~Exists(unsubscribed))
        .select_related("participant__program", "participant__workspace", "program")
        .order_by("paid_at", "pk")
    )


def survey_send(*, reward: Reward) -> SatisfactionSurvey | None:
    """Survey the referrer of a paid reward, unless they were surveyed in the last EVERY_DAYS
    days or this reward already has its survey: None then."""
    participant = reward.participant
    now = clock.now()
    with transaction.atomic():
        # One survey per referrer at a time: the row lock makes concurrent workers queue up.
        Participant.objects.select_for_update(no_key=True).filter(pk=participant.pk).first()
        if SatisfactionSurvey.objects.filter(
            participant=participant, sent_at__gt=now - timedelta(days=EVERY_DAYS)
        ).exists():
            return None
        token = secrets.token_urlsafe(24)
        try:
            with transaction.atomic():
                survey = SatisfactionSurvey.objects.create(
                    workspace_id=reward.workspace_id,
                    program_id=reward.program_id,
                    participant=participant,
                    reward=reward,
                    token_hash=token_hash(token),
                    sent_at=now,
                )
        except IntegrityError:
            return None  # this reward's survey was written meanwhile
        language = referrer_language(participant)
        base = public_base()
        chosen = template_for(program=participant.program, key=KEY, language=language)
        context = common_context(participant=participant, language=language, base=base)
        for score in SCORES:
            context[f"survey_link_{score}"] = survey_url(token, base=base, score=score)
        rendered = template_fill(subject=chosen.subject, body=chosen.body, context=context)
        email = email_queue(
            to=participant.email,
            kind=KEY,
            subject=rendered.subject,
            text=rendered.text,
            language=language,
            workspace=participant.workspace,
            category=OutboundEmail.Category.MARKETING,
            brand=brand_of(participant.workspace, base),
            template_key=KEY,
            template_source=chosen.source,
            base_url=base,
        )
        if email.status == OutboundEmail.Status.SUPPRESSED:
            # Unsubscribed meanwhile: no survey was asked, so none counts as sent.
            transaction.set_rollback(True)
            return None
    return survey


def surveys_send(*, limit: int = BATCH) -> int:
    """The job: a survey for every paid reward that is due one (see the module's docstring).
    Returns how many were sent."""
    sent = 0
    for reward in _candidates(clock.now())[:limit]:
        try:
            if survey_send(reward=reward) is not None:
                sent += 1
        except Invalid:  # an address the outbox cannot take must not stop the others
            logger.warning("reward %s: the referrer's address cannot be mailed", reward.pk)
    return sent


# ---------------------------------------------------------------------------------- answers


def survey_for_token(*, token: str) -> SatisfactionSurvey | None:
    if not token or len(token) > 200:
        return None
    return (
        SatisfactionSurvey.objects.select_related("workspace", "program", "participant")
        .filter(token_hash=token_hash(token))
        .first()
    )


def score_of(value) -> int | None:
    """A score 1-5 from a form or a query string; None for anything else."""
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return score if score in SCORES else None


def survey_answer(*, survey: SatisfactionSurvey, score, comment: str = "") -> SatisfactionSurvey:
    """Record (or change) the answer. Invalid, nothing written, for a score that is not 1-5
    or a comment over 2000 characters."""
    number = score_of(score)
    if number is None:
        raise Invalid(["score"], _("Choose a score from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise Invalid(["comment"], _("At most 2000 characters."))
    survey.score = number
    survey.comment = comment
    survey.answered_at = clock.now()
    SatisfactionSurvey.objects.filter(pk=survey.pk).update(
        score=number, comment=comment, answered_at=survey.answered_at
    )
    return survey


# ---------------------------------------------------------------------------------- the measure


@dataclass
class SatisfactionSummary:
    sent: int
    answered: int
    average: Decimal | None  # 1-5, two decimals
    distribution: dict[int, int]  # score → answers
    response_rate: Decimal | None  # percent, one decimal

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "answered": self.answered,
            "average": None if self.average is None else str(self.average),
            "distribution": {str(score): count for score, count in self.distribution.items()},
            "response_rate": None if self.response_rate is None else str(self.response_rate),
        }


def _moment(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time.min, tzinfo=UTC)


def satisfaction_summary(
    *, workspace, program=None, period: tuple[date, date]
) -> SatisfactionSummary:
    """The surveys sent in `period` (first and last UTC day, both included): how many, how many
    answered, the average score, how many gave each score and the response rate
    (answered / sent * 100). None for the average and the rate when there is nothing to divide."""
    first, last = period
    surveys = SatisfactionSurvey.objects.filter(
        workspace=workspace,
        sent_at__gte=_moment(first),
        sent_at__lt=_moment(last + timedelta(days=1)),
    )
    if program is not None:
        surveys = surveys.filter(program=program)
    sent = surveys.count()
    counts = dict(
        surveys.filter(score__isnull=False)
        .values_list("score")
        .annotate(n=Count("pk"))
        .values_list("score", "n")
    )
    distribution = {score: counts.get(score, 0) for score in SCORES}
    answered = sum(distribution.values())
    average = None
    if answered:
        total = sum(score * count for score, count in distribution.items())
        average = (Decimal(total) / answered).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    rate = None
    if sent:
        rate = (Decimal(100 * answered) / sent).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return SatisfactionSummary(
        sent=sent,
        answered=answered,
        average=average,
        distribution=distribution,
        response_rate=rate,
    )
