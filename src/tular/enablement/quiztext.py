"""A quiz written as plain text, as managers type it in the console:

    How many days does a registration protect an account?
    - 30
    * 90
    - 365

    Who approves a deal?
    * the program's team
    - the customer

A question is a line; its choices follow, one a line, starting with "-" (wrong) or "*" (the
right one, exactly one per question); a blank line ends a question.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tular.core.errors import Invalid
from tular.enablement.services import quiz_clean


def quiz_from_text(text: str) -> list[dict]:
    quiz: list[dict] = []
    current: dict | None = None
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if line[0] in "-*":
            if current is None:
                raise Invalid(
                    ["quiz"],
                    _("Line %(n)s: a choice must follow a question.") % {"n": number},
                )
            if line[0] == "*":
                if current["answer"] is not None:
                    raise Invalid(
                        ["quiz"],
                        _("Line %(n)s: a question has one right choice (*).") % {"n": number},
                    )
                current["answer"] = len(current["choices"])
            current["choices"].append(line[1:].strip())
            continue
        if current is not None and current["choices"]:
            raise Invalid(
                ["quiz"],
                _("Line %(n)s: leave a blank line before the next question.") % {"n": number},
            )
        if current is not None:  # a question over two lines
            current["question"] += " " + line
            continue
        current = {"question": line, "choices": [], "answer": None}
        quiz.append(current)
    return quiz_clean(quiz)


def quiz_to_text(quiz: list[dict]) -> str:
    blocks = []
    for item in quiz or []:
        lines = [item["question"]]
        for index, choice in enumerate(item["choices"]):
            lines.append(("* " if index == item["answer"] else "- ") + choice)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
