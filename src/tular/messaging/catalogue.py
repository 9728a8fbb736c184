"""The messages a program sends its referrers, each with a default text in every language.

Four groups (R19, R39, R45):

- `pipeline`: what the referrer is told about a lead they referred, one message per step
  (`pipeline.<status>`), `pipeline.reopened` when a closed lead is reopened, and
  `pipeline.quiet`, the progress note sent when a lead sits in one status longer than the
  program's quiet limit. Sent by `referrals.notify`.
- `asks`: the five e-mail scenarios of the seed "Cara Membuat Program Rujukan Pelanggan yang
  Luar Biasa" (ask a current customer; ask with a promo code; ask a long-time customer; a
  casual thanks to a long-time customer; a one-time customer).
- `survey`: the one-question satisfaction survey sent after a reward is paid (R45), with five
  one-click score links (sent by analytics.survey).
- `scripts`: the professional-services scripts of the seed "Referral Generation System" (the
  specific, open and reciprocal asks, the copyable one-liner, the forwardable intro e-mail).

The default texts live in files beside this module, `defaults/<language>/<key>.txt`: the
subject on the first line, a blank line, then the body. A program's manager overrides any of
them per language (`MessageTemplate`, saved through `messaging.templates.template_save`).

Texts are Django templates limited to merge fields (`{{ referrer_name }}`) and
`{% if %}…{% else %}…{% endif %}`; every value is a plain string (docs/emails.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)

PIPELINE = "pipeline"
ASKS = "asks"
SCRIPTS = "scripts"
SURVEY = "survey"
GROUPS = {
    PIPELINE: _("Pipeline news to the referrer"),
    ASKS: _("Asks for a referral"),
    SCRIPTS: _("Professional-services scripts"),
    SURVEY: _("Satisfaction survey"),
}

# Every merge field, what it holds (docs/emails.md lists the same).
MERGE_FIELDS = {
    "referrer_name": _("the referrer's name"),
    "program_name": _("the program's name"),
    "company": _("your company (the workspace's name)"),
    "sender_name": _("who signs: the team member sending it, else your company"),
    "referral_link": _("the referrer's referral link"),
    "referral_code": _("the referrer's code"),
    "promo_code": _("the code a friend enters at checkout (the referrer's code)"),
    "reward": _("what the referrer earns, in words (from the program's rules)"),
    "friend_reward": _("what the friend gets, in words (from the program's rules)"),
    "portal_link": _("the referrer's portal, where they follow their referrals"),
    "lead_name": _("the referred lead's name (else their e-mail address)"),
    "lead_company": _("the referred lead's company"),
    "status": _("the lead's status, in words"),
    "reason": _("the reason given with the change (why it was lost, for instance)"),
    "acknowledge_hours": _("the program's promise: acknowledged within so many hours"),
    "quiet_days": _("the program's quiet limit in days"),
    "reward_amount": _("the reward this step granted the referrer (won, qualified)"),
    "reward_expected": _("when that reward arrives, as a sentence"),
    "case_study_link": _("the link where the referrer says yes or no to a case study"),
    "survey_link_1": _("the survey's one-click answer 1 (not satisfied at all)"),
    "survey_link_2": _("the survey's one-click answer 2"),
    "survey_link_3": _("the survey's one-click answer 3"),
    "survey_link_4": _("the survey's one-click answer 4"),
    "survey_link_5": _("the survey's one-click answer 5 (very satisfied)"),
}
COMMON_FIELDS = (
    "referrer_name",
    "program_name",
    "company",
    "sender_name",
    "referral_link",
    "referral_code",
    "promo_code",
    "reward",
    "friend_reward",
    "portal_link",
)
PIPELINE_FIELDS = (
    *COMMON_FIELDS,
    "lead_name",
    "lead_company",
    "status",
    "reason",
    "acknowledge_hours",
    "quiet_days",
    "reward_amount",
    "reward_expected",
    "case_study_link",
)
SURVEY_FIELDS = (*COMMON_FIELDS, *(f"survey_link_{score}" for score in range(1, 6)))
FIELDS_OF_GROUP = {
    PIPELINE: PIPELINE_FIELDS,
    ASKS: COMMON_FIELDS,
    SCRIPTS: COMMON_FIELDS,
    SURVEY: SURVEY_FIELDS,
}


@dataclass(frozen=True)
class Message:
    key: str
    group: str
    label: str  # lazy: what the console calls it

    @property
    def fields(self) -> tuple[str, ...]:
        return FIELDS_OF_GROUP[self.group]


CATALOGUE: dict[str, Message] = {
    message.key: message
    for message in (
        Message("pipeline.submitted", PIPELINE, _("Submitted: thanks, we'll review it")),
        Message("pipeline.acknowledged", PIPELINE, _("Acknowledged")),
        Message("pipeline.contacted", PIPELINE, _("Contacted")),
        Message("pipeline.qualified", PIPELINE, _("Qualified lead")),
        Message("pipeline.proposal", PIPELINE, _("Proposal sent")),
        Message("pipeline.won", PIPELINE, _("Won: the reward and when it arrives")),
        Message("pipeline.lost", PIPELINE, _("Not a fit: thanks and the reason")),
        Message("pipeline.dark", PIPELINE, _("Went dark: we tried several times")),
        Message("pipeline.reopened", PIPELINE, _("Reopened")),
        Message("pipeline.quiet", PIPELINE, _("Progress note after a quiet spell")),
        Message("ask.current_customer", ASKS, _("Ask a current customer")),
        Message("ask.promo_code", ASKS, _("Ask with a promo code")),
        Message("ask.long_time_customer", ASKS, _("Ask a long-time customer")),
        Message("ask.thanks_long_time_customer", ASKS, _("Casual thanks to a long-time customer")),
        Message("ask.one_time_customer", ASKS, _("A one-time customer")),
        Message("script.specific_ask", SCRIPTS, _("The specific ask")),
        Message("script.open_ask", SCRIPTS, _("The open ask")),
        Message("script.reciprocal_ask", SCRIPTS, _("The reciprocal ask")),
        Message("script.one_liner", SCRIPTS, _("A one-liner to copy")),
        Message("script.intro_email", SCRIPTS, _("An intro e-mail to forward")),
        Message("survey.satisfaction", SURVEY, _("One-question survey after a reward is paid")),
    )
}
KEYS = tuple(CATALOGUE)


def message_of(key: str) -> Message | None:
    return CATALOGUE.get(key)


def pipeline_key(status: str, *, reopened: bool = False) -> str | None:
    """The message for a lead that moved to `status` ("pipeline.won"); None for a status
    without one (the statuses of tracked sign-ups)."""
    key = "pipeline.reopened" if reopened else f"pipeline.{status}"
    return key if key in CATALOGUE else None


@cache
def default_text(key: str, language: str) -> tuple[str, str]:
    """(subject, body) of the default text of `key` in `language`."""
    if key not in CATALOGUE or language not in LANGUAGES:
        raise KeyError((key, language))
    raw = (DEFAULTS_DIR / language / f"{key}.txt").read_text(encoding="utf-8")
    subject, _blank, body = raw.partition("\n\n")
    return subject.strip(), body.strip() + "\n"
