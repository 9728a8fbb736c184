"""A program's words for referrers and their friends, with defaults (R9, R10, R48).

`copy_for(program=…, language=…)` answers every text the landing page and the portal's share
panel need: what a manager wrote in the console (`ProgramCopy`, per language) or, where the
field is blank, a default built from the program's name and its rules. So a new program has a
complete landing page and share message at once, and a manager only overrides what they want.

`copy_save(...)` stores a manager's edits (the console's form and, later, the API call it);
merge fields in the share texts are `{link}`, `{code}` and `{name}` (the referrer's name), and a
text that names an unknown field is refused, so a saved message always renders.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import Invalid
from tular.programs.models import LandingElement, LandingStat, Program, ProgramCopy
from tular.programs.wording import incentives_in_words
from tular.workspaces.audit import Actor, audit_record

LANGUAGES = [code for code, _name in settings.LANGUAGES]
MERGE_FIELDS = ("link", "code", "name")
MAX_FAQ = 8
MAX_MESSAGES = 5
TEXT_FIELDS = ("headline", "value_proposition", "incentive", "button", "social_proof")


@dataclass(frozen=True)
class Copy:
    """Every text of a program in one language, defaults filled in."""

    language: str
    headline: str
    value_proposition: str
    incentive: str  # what the friend gets, one line
    # what the referrer gets, told to the friend on the landing page ("" when nothing)
    referrer_incentive: str
    button: str
    social_proof: str  # "" = the page shows its own count of referred friends
    faq: list[dict] = field(default_factory=list)
    share_message: str = ""
    messages: list[str] = field(default_factory=list)
    test_element: str = ""
    test_text: str = ""

    def variant(self, name: str) -> Copy:
        """This copy as variant `name` shows it: "b" swaps in the A/B test's text."""
        if name != "b" or not self.test_element:
            return self
        return replace(self, **{self.test_element: self.test_text})


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def defaults(*, program: Program, language: str) -> dict:
    """The default texts of `program` in `language` (what a blank field means)."""
    language = language_of(language)
    sides = incentives_in_words(program=program, language=language)
    with translation.override(language):
        friend = sides["friend"]
        incentive = (
            _("You get %(reward)s.") % {"reward": friend}
            if friend
            else _("Join through a friend's invitation.")
        )
        referrer = (
            _("The friend who invited you gets %(reward)s.")
            % {"reward": sides["referrer_to_friend"]}
            if sides["referrer_to_friend"]
            else ""
        )
        workspace = program.workspace.name
        faq = [
            {
                "q": _("What do I get?"),
                "a": incentive
                if friend
                else _("You join %(program)s through a friend.") % {"program": program.name},
            },
            {
                "q": _("How do I join?"),
                "a": _("Fill in the short form on this page. It takes less than a minute."),
            },
            {
                "q": _("What happens to my data?"),
                "a": _(
                    "%(workspace)s uses your name and e-mail address to create your account "
                    "and to thank the friend who invited you. Nothing is sold or shared with "
                    "anyone else."
                )
                % {"workspace": workspace},
            },
        ]
        share = _("Hi! I use %(workspace)s and I think you'll like it.") % {"workspace": workspace}
        if friend:
            share += " " + _("Sign up through my link and you get %(reward)s:") % {"reward": friend}
        else:
            share += " " + _("Sign up through my link:")
        share += " {link}"
        messages = [
            share,
            _(
                "Hello,\n\nI have been using %(workspace)s and thought of you. If you want to "
                "try it, this link lets them know I sent you: {link}\n\nOr use my code {code} "
                "when you sign up.\n\nBest regards,\n{name}"
            )
            % {"workspace": workspace},
            _("Looking for a recommendation? I trust %(workspace)s: {link}")
            % {"workspace": workspace},
        ]
        return {
            "headline": _("Join %(program)s") % {"program": program.name},
            "value_proposition": _(
                "%(workspace)s is recommended by people you know. Sign up in under a minute."
            )
            % {"workspace": workspace},
            "incentive": incentive,
            "referrer_incentive": referrer,
            "button": _("Sign up now"),
            "social_proof": "",
            "faq": faq,
            "share_message": share,
            "messages": messages,
        }


def copy_for(*, program: Program, language: str) -> Copy:
    """The program's texts in `language`: the manager's where written, else the defaults."""
    language = language_of(language)
    base = defaults(program=program, language=language)
    saved = ProgramCopy.objects.filter(program=program, language=language).first()
    if saved is not None:
        for name in (*TEXT_FIELDS, "share_message"):
            if getattr(saved, name):
                base[name] = getattr(saved, name)
        if saved.faq:
            base["faq"] = saved.faq
        if saved.messages:
            base["messages"] = saved.messages
        if saved.test_element and saved.test_text:
            base["test_element"] = saved.test_element
            base["test_text"] = saved.test_text
    return Copy(language=language, **base)


def fill(text: str, *, link: str, code: str, name: str) -> str:
    """A share text with its merge fields replaced (unknown braces are left as they are)."""
    values = {"link": link, "code": code, "name": name}
    return re.sub(r"\{(link|code|name)\}", lambda m: values[m.group(1)], text)


def _check_merge_fields(text: str, *, where: list) -> None:
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        message = _("Curly braces must be a merge field: {link}, {code} or {name}.")
        raise Invalid(where, message) from None
    unknown = names - set(MERGE_FIELDS)
    if unknown:
        raise Invalid(
            where,
            _("Unknown merge field {%(name)s}: use {link}, {code} or {name}.")
            % {"name": sorted(unknown)[0]},
        )


@transaction.atomic
def copy_save(
    *, program: Program, language: str, changes: dict, actor: Actor | None = None
) -> ProgramCopy:
    """Store a manager's texts for `program` in `language`. Blank = the default. Starting or
    changing the A/B test resets its counts (a test compares variants over the same time)."""
    if language not in LANGUAGES:
        raise Invalid(["language"], _("Choose Indonesian or English."))
    copy, _created = ProgramCopy.objects.select_for_update().get_or_create(
        program=program, language=language
    )
    before = (copy.test_element, copy.test_text)
    for name in TEXT_FIELDS:
        if name in changes:
            value = str(changes[name] or "").strip()
            limit = ProgramCopy._meta.get_field(name).max_length
            if len(value) > limit:
                raise Invalid([name], _("At most %(n)d characters.") % {"n": limit})
            setattr(copy, name, value)
    if "share_message" in changes:
        value = str(changes["share_message"] or "").strip()
        _check_merge_fields(value, where=["share_message"])
        copy.share_message = value
    if "messages" in changes:
        messages = [str(m).strip() for m in changes["messages"] or [] if str(m).strip()]
        if len(messages) > MAX_MESSAGES:
            raise Invalid(["messages"], _("At most %(n)d messages.") % {"n": MAX_MESSAGES})
        for index, message in enumerate(messages):
            _check_merge_fields(message, where=["messages", index])
        copy.messages = messages
    if "faq" in changes:
        faq = []
        for index, item in enumerate(changes["faq"] or []):
            q, a = str(item.get("q", "")).strip(), str(item.get("a", "")).strip()
            if not q and not a:
                continue
            if not q or not a:
                raise Invalid(["faq", index], _("Give both the question and its answer."))
            faq.append({"q": q[:200], "a": a[:1000]})
        if len(faq) > MAX_FAQ:
            raise Invalid(["faq"], _("At most %(n)d questions.") % {"n": MAX_FAQ})
        copy.faq = faq
    if "test_element" in changes or "test_text" in changes:
        element = str(changes.get("test_element", copy.test_element) or "")
        text = str(changes.get("test_text", copy.test_text) or "").strip()
        if element and element not in LandingElement.values:
            raise Invalid(["test_element"], _("Choose the headline, the incentive or the button."))
        if element and not text:
            raise Invalid(["test_text"], _("Write the text variant B shows."))
        limit = ProgramCopy._meta.get_field(element).max_length if element else 300
        if len(text) > limit:
            raise Invalid(["test_text"], _("At most %(n)d characters.") % {"n": limit})
        copy.test_element, copy.test_text = (element, text) if element else ("", "")
    if (copy.test_element, copy.test_text) != before:
        copy.test_started_at = clock.now() if copy.test_element else None
        LandingStat.objects.filter(program=program, language=language).delete()
    copy.save()
    audit_record(
        workspace=program.workspace,
        actor=actor,
        action="program.copy_update",
        target=program,
        after={"language": language, "fields": sorted(changes)},
    )
    return copy
