"""A program's rules in plain words (R5), as the console shows them and the portal will.

`rules_in_words(program=…, language="id"|"en")` turns each reward rule and each setting that
decides when a reward is earned, confirmed, paid or taken back into one sentence a participant
understands. Pure: it reads the program's attributes (a saved or unsaved `Program`), never the
database, and formats money with Babel through `core.money`.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tular.core.money import format_money
from tular.programs.rules import CapPeriod, Recipient, RewardKind, Rule, Trigger

# The Babel locale of each language: international English shows US$ and IDR.
BABEL_LOCALE = {"id": "id", "en": "en_001"}


# The groups a participant reads the rules in (R5), in the portal's order.
GROUPS = ("counts", "you_earn", "friend_gets", "paid", "limits", "cancel")


def rules_in_words(*, program, language: str) -> list[str]:
    """One sentence per rule, then one per setting, in `language` ("id" or "en")."""
    return [sentence for _group, sentence in _sentences(program=program, language=language)]


def rules_in_groups(*, program, language: str) -> dict[str, list[str]]:
    """The same sentences as `rules_in_words`, each once, by what it is about (GROUPS): what
    counts as a referral, what you earn, what your friend gets, when it is paid, limits, and
    what happens on a refund or a cancellation."""
    groups: dict[str, list[str]] = {group: [] for group in GROUPS}
    for group, sentence in _sentences(program=program, language=language):
        groups[group].append(sentence)
    return groups


def _sentences(*, program, language: str) -> list[tuple[str, str]]:
    """(group, sentence) in the order `rules_in_words` says them."""
    locale = BABEL_LOCALE.get(language, "id")
    with translation.override(language):
        rules = [Rule.model_validate(rule) for rule in program.rules]
        said = []
        if program.status == "paused":
            said.append(
                ("counts", _("This program is paused: nothing is earned while it is paused."))
            )
        elif program.status == "archived":
            said.append(("counts", _("This program has ended: nothing more is earned.")))
        window = ngettext(
            "A referral counts when the person you invite arrives through your link or uses "
            "your code and signs up within %(days)d day.",
            "A referral counts when the person you invite arrives through your link or uses "
            "your code and signs up within %(days)d days.",
            program.window_days,
        ) % {"days": program.window_days}
        said.append(("counts", window))
        said.append(("counts", _("Referring yourself does not earn a reward.")))
        if not rules:
            said.append(("counts", _("This program has no rewards yet.")))
        for rule in rules:
            said += _rule_sentences(rule, program.currency, locale)
        if rules:
            said += _settings_sentences(program, rules, locale)
        if not program.monetary_rewards_allowed:
            said.append(("you_earn", _("This program gives non-cash rewards only.")))
        return said


def _money(amount: int, currency: str, locale: str) -> str:
    return format_money(amount, currency, locale)


def _percent(value: Decimal, locale: str) -> str:
    return _("%(number)s%%") % {"number": format_decimal(value, locale=locale)}


def _reward_text(rule: Rule, currency: str, locale: str) -> str:
    if rule.kind == RewardKind.fixed:
        return _money(rule.amount, currency, locale)
    if rule.kind == RewardKind.percent:
        return _("%(percent)s of the purchase") % {"percent": _percent(rule.percent, locale)}
    return _("“%(perk)s”") % {"perk": rule.perk}


def _rule_sentences(rule: Rule, currency: str, locale: str) -> list[tuple[str, str]]:
    side = "you_earn" if rule.recipient == Recipient.referrer else "friend_gets"
    reward = _reward_text(rule, currency, locale)
    if rule.recipient == Recipient.referrer:
        templates = {
            Trigger.signup: _("You earn %(reward)s when a friend you invite signs up."),
            Trigger.qualified: _("You earn %(reward)s when a lead you refer is qualified."),
            Trigger.won: _("You earn %(reward)s when a deal you refer is won."),
            Trigger.sale: _("You earn %(reward)s when a customer you refer pays."),
        }
    else:
        templates = {
            Trigger.signup: _("Your friend gets %(reward)s when they sign up through your link."),
            Trigger.qualified: _("Your friend gets %(reward)s when they are qualified."),
            Trigger.won: _("Your friend gets %(reward)s when their deal is won."),
            Trigger.sale: _("Your friend gets %(reward)s when they pay."),
        }
    sentences = [(side, templates[rule.trigger] % {"reward": reward})]
    if rule.trigger == Trigger.sale:
        if rule.duration_months:
            sentences.append(
                (
                    side,
                    ngettext(
                        "Every purchase in the first %(months)d month after the customer's first "
                        "purchase counts.",
                        "Every purchase in the first %(months)d months after the customer's first "
                        "purchase counts.",
                        rule.duration_months,
                    )
                    % {"months": rule.duration_months},
                )
            )
        else:
            sentences.append((side, _("Only the customer's first purchase counts.")))
    for tier in sorted(rule.tiers, key=lambda tier: tier.min_conversions):
        rate = (
            _percent(tier.percent, locale)
            if tier.percent is not None
            else _money(tier.amount, currency, locale)
        )
        sentences.append(
            (
                side,
                ngettext(
                    "From %(count)d paying customer referred, you earn %(rate)s instead.",
                    "From %(count)d paying customers referred, you earn %(rate)s instead.",
                    tier.min_conversions,
                )
                % {"count": tier.min_conversions, "rate": rate},
            )
        )
    if rule.cap is not None:
        amount = _money(rule.cap.amount, currency, locale)
        per = {
            CapPeriod.month: _("At most %(amount)s per month from this reward."),
            CapPeriod.quarter: _("At most %(amount)s per quarter from this reward."),
            CapPeriod.year: _("At most %(amount)s per year from this reward."),
            CapPeriod.lifetime: _("At most %(amount)s in total from this reward."),
        }[rule.cap.period]
        sentences.append(("limits", per % {"amount": amount}))
    return sentences


def _settings_sentences(program, rules: list[Rule], locale: str) -> list[tuple[str, str]]:
    said = []
    if program.hold_days:
        hold = ngettext(
            "A reward is confirmed and can be paid after a %(days)d-day hold.",
            "A reward is confirmed and can be paid after a %(days)d-day hold.",
            program.hold_days,
        ) % {"days": program.hold_days}
    else:
        hold = _("A reward is confirmed at once, without a hold.")
    said.append(("paid", hold))
    if any(rule.is_monetary for rule in rules):
        if program.auto_approve_below is not None:
            approval = _(
                "Rewards below %(amount)s are approved automatically; larger ones are "
                "checked by our team first."
            ) % {"amount": _money(program.auto_approve_below, program.currency, locale)}
        else:
            approval = _("Every cash reward is checked by our team before it is approved.")
        said.append(("paid", approval))
        if any(rule.trigger == Trigger.sale for rule in rules):
            said.append(
                (
                    "cancel",
                    _("If a purchase is refunded, its reward shrinks by the refunded share."),
                )
            )
        if program.clawback_days:
            clawback = ngettext(
                "If the customer cancels within %(days)d day of a reward, that reward is reversed.",
                "If the customer cancels within %(days)d days of a reward, that reward is "
                "reversed.",
                program.clawback_days,
            ) % {"days": program.clawback_days}
            said.append(("cancel", clawback))
    return said


def incentives_in_words(*, program, language: str) -> dict[str, str]:
    """What each side gets, as short phrases joining that side's rewards ("" when none):
    "friend" and "referrer" each told to themselves ("… when you pay", "… when a friend
    pays"), and "referrer_to_friend": the referrer's side told to the friend on the landing
    page ("… when you pay": the friend's own actions earn it)."""
    locale = BABEL_LOCALE.get(language, "id")
    with translation.override(language):
        to_self = {
            Trigger.signup: _("%(reward)s when you sign up"),
            Trigger.qualified: _("%(reward)s when you are qualified"),
            Trigger.won: _("%(reward)s when your deal is won"),
            Trigger.sale: _("%(reward)s when you pay"),
        }
        to_referrer = {
            Trigger.signup: _("%(reward)s when a friend signs up"),
            Trigger.qualified: _("%(reward)s when a lead is qualified"),
            Trigger.won: _("%(reward)s when a deal is won"),
            Trigger.sale: _("%(reward)s when a friend pays"),
        }
        sides = {"friend": [], "referrer": [], "referrer_to_friend": []}
        for raw in program.rules:
            rule = Rule.model_validate(raw)
            reward = {"reward": _reward_text(rule, program.currency, locale)}
            if rule.recipient == Recipient.referrer:
                sides["referrer"].append(to_referrer[rule.trigger] % reward)
                sides["referrer_to_friend"].append(to_self[rule.trigger] % reward)
            else:
                sides["friend"].append(to_self[rule.trigger] % reward)
        joiner = _(" and ")
        return {side: joiner.join(parts) for side, parts in sides.items()}
