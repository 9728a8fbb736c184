"""/api/v1/programs/{slug}/message-templates: a program's message templates (R39).

Every message of the catalogue (pipeline news, asks, scripts) in every language, as the
program sends it; PUT stores the program's own text (422 when it does not render: an unknown
merge field, another tag, a syntax error; nothing is saved), DELETE goes back to the default.
The same services as the console's "Message templates" tab (referrals.notify)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Router, Status
from pydantic import BaseModel, Field, StringConstraints

from tular.core.errors import NotFound
from tular.core.schemas import Strict
from tular.messaging import catalogue
from tular.messaging.templating import BODY_MAX, SUBJECT_MAX, templates_of
from tular.programs.models import Program
from tular.programs.services import program_get
from tular.referrals.notify import message_template_reset, message_template_save
from tular.workspaces.audit import Actor

router = Router(tags=["message templates"])

Language = Literal["id", "en"]


class MessageTemplateOut(BaseModel):
    key: str = Field(description="The message, e.g. `pipeline.won`, `ask.promo_code`.")
    group: Literal["pipeline", "asks", "scripts", "survey"]
    language: Language
    subject: str
    body: str = Field(description="Plain text with merge fields (`{{ referrer_name }}`).")
    overridden: bool = Field(description="true: the program's own text; false: the default.")
    merge_fields: list[str] = Field(description="The merge fields this message may use.")
    updated_at: datetime | None = None
    updated_by: str = ""


class MessageTemplateIn(Strict):
    subject: Annotated[str, StringConstraints(min_length=1, max_length=SUBJECT_MAX)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=BODY_MAX)]


def _program(request, slug: str) -> Program:
    program = program_get(workspace=request.workspace, slug=slug)
    if program is None:
        raise NotFound(f"No program with slug {slug!r} in this workspace.")
    return program


def _out(entry) -> dict:
    return {
        "key": entry.key,
        "group": entry.group,
        "language": entry.language,
        "subject": entry.subject,
        "body": entry.body,
        "overridden": entry.overridden,
        "merge_fields": list(catalogue.CATALOGUE[entry.key].fields),
        "updated_at": entry.updated_at,
        "updated_by": entry.updated_by,
    }


def _entry(program: Program, key: str, language: str) -> dict:
    if catalogue.message_of(key) is None:
        raise NotFound(f"No message {key!r}; the keys are listed by GET message-templates.")
    for entry in templates_of(program=program):
        if entry.key == key and entry.language == language:
            return _out(entry)
    raise NotFound(f"No language {language!r}.")  # pragma: no cover - Language is checked


@router.get("/{slug}/message-templates", response={200: list[MessageTemplateOut]})
def list_message_templates(request, slug: str):
    """Every message in every language, in the catalogue's order."""
    return [_out(entry) for entry in templates_of(program=_program(request, slug))]


@router.get("/{slug}/message-templates/{key}/{language}", response={200: MessageTemplateOut})
def get_message_template(request, slug: str, key: str, language: Language):
    return _entry(_program(request, slug), key, language)


@router.put("/{slug}/message-templates/{key}/{language}", response={200: MessageTemplateOut})
def put_message_template(
    request, slug: str, key: str, language: Language, payload: MessageTemplateIn
):
    """The program's own text. 422 (nothing saved) when it does not render; the default text
    as it is resets the message (`overridden: false`)."""
    program = _program(request, slug)
    if catalogue.message_of(key) is None:
        raise NotFound(f"No message {key!r}; the keys are listed by GET message-templates.")
    message_template_save(
        program=program,
        key=key,
        language=language,
        subject=payload.subject,
        body=payload.body,
        actor=Actor.for_api_key(request.api_key),
    )
    return _entry(program, key, language)


@router.delete("/{slug}/message-templates/{key}/{language}", response={204: None})
def reset_message_template(request, slug: str, key: str, language: Language):
    """Back to the default text (also when the message had none of its own)."""
    program = _program(request, slug)
    if catalogue.message_of(key) is None:
        raise NotFound(f"No message {key!r}; the keys are listed by GET message-templates.")
    message_template_reset(
        program=program, key=key, language=language, actor=Actor.for_api_key(request.api_key)
    )
    return Status(204, None)
