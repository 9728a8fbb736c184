"""Message templates: a program's own text or the catalogue's default, checked, stored, filled.

    subject, body, source = template_for(program=program, key="pipeline.won", language="id")
    rendered = template_fill(subject=subject, body=body, context={...plain strings...})

A text is a Django template compiled by an engine that knows nothing but `{% if %}` and a few
letter filters (`messaging.mergetags`), with autoescaping off (the result is plain text; the
HTML part escapes it). `template_check` refuses a text that does not compile, uses another
tag, or names a field that is not a merge field of its message (`catalogue.FIELDS_OF_GROUP`):
what is saved always renders. Values are plain strings, so a field has nothing to call or
look into (`{{ reward.amount }}` is refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, TextNode, Variable, VariableNode
from django.template.defaulttags import IfNode
from django.utils.translation import gettext as _

from tular.core import clock
from tular.core.errors import Invalid
from tular.messaging.catalogue import CATALOGUE, LANGUAGES, default_text, message_of
from tular.messaging.mergetags import ALLOWED_FILTERS
from tular.messaging.models import MessageTemplate

SUBJECT_MAX = MessageTemplate._meta.get_field("subject").max_length
BODY_MAX = 20_000


class _MergeEngine(Engine):
    default_builtins = []


ENGINE = _MergeEngine(builtins=["tular.messaging.mergetags"], autoescape=False)

DEFAULT = "default"
OVERRIDE = "override"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


@dataclass(frozen=True)
class Chosen:
    subject: str
    body: str
    source: str  # DEFAULT or OVERRIDE


def _compile(source: str, loc: str) -> Template:
    try:
        return Template(source, engine=ENGINE)
    except TemplateSyntaxError as exc:
        raise Invalid([loc], _explain(exc, source)) from None
    except (ValueError, TypeError, IndexError, KeyError) as exc:  # a parser's odd corner
        raise Invalid([loc], _("This text does not render: %(error)s") % {"error": exc}) from None


_INVALID_TAG = re.compile(r"Invalid block tag on line (\d+): '([^']+)'")
_INVALID_FILTER = re.compile(r"Invalid filter: '([^']+)'")


def _explain(exc: TemplateSyntaxError, source: str) -> str:
    said = str(exc)
    if found := _INVALID_TAG.search(said):
        line, tag = found.groups()
        if tag.startswith("end") or tag in ("else", "elif"):
            return _("Line %(line)s: {%% %(tag)s %%} does not close anything here.") % {
                "line": line,
                "tag": tag,
            }
        return _(
            "Line %(line)s: the tag {%% %(tag)s %%} is not allowed; only "
            "{%% if %%} … {%% else %%} … {%% endif %%} is."
        ) % {"line": line, "tag": tag}
    if found := _INVALID_FILTER.search(said):
        return _("The filter |%(filter)s is not allowed; these are: %(allowed)s.") % {
            "filter": found.group(1),
            "allowed": ", ".join(ALLOWED_FILTERS),
        }
    if "Unclosed tag" in said:
        return _("An {% if %} is not closed: add {% endif %}.")
    return _("This text does not render: %(error)s") % {"error": said}


def _variables(template: Template):
    """Every variable the template reads: in {{ … }}, in filter arguments and in {% if %}."""
    expressions: list[FilterExpression] = []
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        expressions.append(node.filter_expression)
    for node in template.nodelist.get_nodes_by_type(IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            expressions.extend(_condition_expressions(condition))
    for expression in expressions:
        if isinstance(expression.var, Variable) and expression.var.lookups is not None:
            yield expression.var
        for _function, arguments in expression.filters:
            for is_variable, argument in arguments:
                if is_variable and argument.lookups is not None:
                    yield argument


def _condition_expressions(condition):
    """The FilterExpressions of an {% if %} condition (a tree of smartif operators)."""
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value
    for side in ("first", "second"):
        child = getattr(condition, side, None)
        if child is not None:
            yield from _condition_expressions(child)


def template_check(*, key: str, subject: str, body: str) -> None:
    """Raise Invalid (loc ["subject"] or ["body"]) unless both parts render with `key`'s merge
    fields: compiled by the merge engine, no other tag or filter, no unknown field."""
    message = message_of(key)
    if message is None:
        raise Invalid(["key"], _("There is no message %(key)s.") % {"key": key})
    if not subject.strip():
        raise Invalid(["subject"], _("Write a subject."))
    if len(subject) > SUBJECT_MAX:
        raise Invalid(
            ["subject"], _("The subject is longer than %(max)d characters.") % {"max": SUBJECT_MAX}
        )
    if not body.strip():
        raise Invalid(["body"], _("Write the message."))
    if len(body) > BODY_MAX:
        raise Invalid(
            ["body"], _("The message is longer than %(max)d characters.") % {"max": BODY_MAX}
        )
    allowed = set(message.fields)
    for loc, source in (("subject", subject), ("body", body)):
        template = _compile(source, loc)
        for node in template.nodelist.get_nodes_by_type(TextNode):
            if any(mark in node.s for mark in ("{{", "}}", "{%", "%}")):
                raise Invalid(
                    [loc],
                    _(
                        "A merge field or a tag is not closed: write {{ field }} and "
                        "{% if field %} … {% endif %} in full."
                    ),
                )
        for variable in _variables(template):
            name = variable.var
            if len(variable.lookups) > 1:
                raise Invalid(
                    [loc],
                    _("{{ %(name)s }}: a merge field is a plain text; write {{ %(field)s }}.")
                    % {"name": name, "field": variable.lookups[0]},
                )
            if name not in allowed:
                raise Invalid(
                    [loc],
                    _(
                        "{{ %(name)s }} is not a merge field of this message. "
                        "You can use: %(fields)s."
                    )
                    % {
                        "name": name,
                        "fields": ", ".join(f"{{{{ {field} }}}}" for field in message.fields),
                    },
                )


def template_fill(*, subject: str, body: str, context: dict) -> Rendered:
    """Render a checked text with `context` (merge field → plain string; missing ones are
    empty). The subject becomes one line; runs of blank lines in the body become one."""
    values = {name: "" if value is None else str(value) for name, value in context.items()}
    rendered_subject = " ".join(
        Template(subject, engine=ENGINE).render(Context(values, autoescape=False)).split()
    )
    text = Template(body, engine=ENGINE).render(Context(values, autoescape=False))
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text) + "\n"
    return Rendered(subject=rendered_subject, text=text)


def template_for(*, program, key: str, language: str) -> Chosen:
    """The program's own text of `key` in `language` if a manager wrote one, else the default."""
    saved = MessageTemplate.objects.filter(program=program, key=key, language=language).first()
    if saved is not None:
        return Chosen(subject=saved.subject, body=saved.body, source=OVERRIDE)
    subject, body = default_text(key, language)
    return Chosen(subject=subject, body=body, source=DEFAULT)


@dataclass(frozen=True)
class Entry:
    key: str
    group: str
    language: str
    subject: str
    body: str
    overridden: bool
    updated_at: object = None
    updated_by: str = ""


def templates_of(*, program) -> list[Entry]:
    """Every message of the catalogue in every language, as the program sends it (its own
    text where written, else the default), in the catalogue's order. One query."""
    saved = {(row.key, row.language): row for row in program.message_templates.all()}
    entries = []
    for key, message in CATALOGUE.items():
        for language in LANGUAGES:
            row = saved.get((key, language))
            if row is not None:
                entries.append(
                    Entry(
                        key=key,
                        group=message.group,
                        language=language,
                        subject=row.subject,
                        body=row.body,
                        overridden=True,
                        updated_at=row.updated_at,
                        updated_by=row.updated_by,
                    )
                )
            else:
                subject, body = default_text(key, language)
                entries.append(Entry(key, message.group, language, subject, body, overridden=False))
    return entries


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise Invalid(
            ["language"],
            _("The language must be one of: %(languages)s.") % {"languages": ", ".join(LANGUAGES)},
        )


def template_save(
    *, program, key: str, language: str, subject: str, body: str, by: str = ""
) -> MessageTemplate | None:
    """Store the program's own text of `key` in `language` (Invalid, nothing written, when it
    does not render). Saving the default text as it is removes the override instead (None),
    so the message keeps following the default."""
    _check_language(language)
    subject = subject.strip()
    body = body.replace("\r\n", "\n").strip() + "\n"
    template_check(key=key, subject=subject, body=body)
    if (subject, body) == default_text(key, language):
        template_reset(program=program, key=key, language=language)
        return None
    with transaction.atomic():
        row, _created = MessageTemplate.objects.update_or_create(
            program=program,
            key=key,
            language=language,
            defaults={
                "workspace_id": program.workspace_id,
                "subject": subject,
                "body": body,
                "updated_at": clock.now(),
                "updated_by": by[:200],
            },
        )
    return row


def template_reset(*, program, key: str, language: str) -> bool:
    """Back to the default text. True when there was an override to remove."""
    _check_language(language)
    if message_of(key) is None:
        raise Invalid(["key"], _("There is no message %(key)s.") % {"key": key})
    deleted, _rows = MessageTemplate.objects.filter(
        program=program, key=key, language=language
    ).delete()
    return bool(deleted)
