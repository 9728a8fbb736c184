"""Every user-facing string is translated into Indonesian and English, and compiled.

When one of these tests fails after you added or changed a string:
  1. add the msgid with its translation to BOTH src/tular/locale/id/LC_MESSAGES/django.po and
     src/tular/locale/en/LC_MESSAGES/django.po (formal Indonesian, "Anda"), by hand or with
     `cd src/tular && uv run tular manage makemessages -l id -l en --add-location=file
     --no-obsolete` if GNU gettext is installed;
  2. run `uv run python scripts/compile_messages.py` (no gettext needed);
  3. commit the .po and the .mo files together.
"""

import ast
import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils.translation import trim_whitespace

import tular

SOURCE = Path(tular.__file__).resolve().parent
ROOT = SOURCE.parent.parent
LOCALE = SOURCE / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
COMPILE = "uv run python scripts/compile_messages.py"
HOW_TO_FIX = (
    "Add each msgid with its translation to both src/tular/locale/id/LC_MESSAGES/django.po and "
    f"src/tular/locale/en/LC_MESSAGES/django.po, then run `{COMPILE}` and commit the .po and "
    ".mo files together."
)


def _load_compiler():
    path = ROOT / "scripts" / "compile_messages.py"
    spec = importlib.util.spec_from_file_location("compile_messages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compile_messages = _load_compiler()


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def catalogue(language: str):
    with po_path(language).open("rb") as po_file:
        return read_po(po_file, locale=language)


# ---------------------------------------------------------------- the source scanner

# name → (index of the context argument or None, index of the msgid argument)
GETTEXT_CALLS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
TRANSLATE_TAG = re.compile(
    r"""\{%\s*trans(?:late)?\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<context>.*?)(?P=cq))?[^%]*%\}"""
)
BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b(?P<options>[^%]*)%\}(?P<body>.*?)"
    r"\{%\s*endblocktrans(?:late)?\s*%\}",
    re.DOTALL,
)
BLOCK_CONTEXT = re.compile(r"""\bcontext\s+(["'])(.*?)\1""")
BLOCK_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
PLURAL_TAG = re.compile(r"\{%\s*plural\s*%\}")


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def python_msgids(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call with literal arguments in a Python file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        context_at, msgid_at = GETTEXT_CALLS[name]
        if len(node.args) <= msgid_at:
            continue
        msgid = _literal(node.args[msgid_at])
        context = _literal(node.args[context_at]) if context_at is not None else None
        if msgid and (context_at is None or context is not None):
            found.add((context, msgid))
    return found


def block_msgid(options: str, body: str) -> str:
    """The msgid Django makes of a {% blocktranslate %} body (singular part)."""
    singular = PLURAL_TAG.split(body)[0]
    # Literal % is doubled, then {{ var }} becomes %(var)s, as in Django's templatize.
    text = BLOCK_VARIABLE.sub(r"%(\1)s", singular.replace("%", "%%"))
    return trim_whitespace(text) if re.search(r"\btrimmed\b", options) else text


def template_msgids(path: Path) -> set[tuple[str | None, str]]:
    text = path.read_text(encoding="utf-8")
    found = {(m["context"], m["msgid"]) for m in TRANSLATE_TAG.finditer(text)}
    for match in BLOCK_TAG.finditer(text):
        context = BLOCK_CONTEXT.search(match["options"])
        found.add((context[2] if context else None, block_msgid(match["options"], match["body"])))
    return found


def source_msgids() -> dict[tuple[str | None, str], str]:
    """Every translatable literal in src/tular → the file it was first seen in."""
    found: dict[tuple[str | None, str], str] = {}
    for path in sorted(SOURCE.rglob("*")):
        if "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            keys = python_msgids(path)
        elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
            keys = template_msgids(path)
        else:
            continue
        for key in keys:
            found.setdefault(key, str(path.relative_to(SOURCE)))
    return found


def test_the_scanner_finds_python_and_template_strings():
    msgids = {msgid for _context, msgid in source_msgids()}
    assert "participant" in msgids  # gettext_lazy in a model
    assert "Link not found" in msgids  # {% translate %}
    assert "We could not find the code <code>%(code)s</code>." in " ".join(msgids)


def test_the_scanner_reads_blocktranslate_like_django():
    assert block_msgid(" trimmed ", "\n  Hello\n  {{ name }}, 100%\n") == "Hello %(name)s, 100%%"
    assert block_msgid("", "One {{ n }}{% plural %}Many") == "One %(n)s"


# ---------------------------------------------------------------- the catalogues


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_catalogue(language):
    assert po_path(language).exists(), f"missing {po_path(language)}. {HOW_TO_FIX}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_not_fuzzy(language):
    # given
    catalog = catalogue(language)
    # then
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (message.fuzzy or not (all(message.string) if message.pluralizable else message.string))
    ]
    assert not untranslated, (
        f"{po_path(language).relative_to(ROOT)} has messages without a translation, or marked "
        f"'#, fuzzy' (fuzzy ones are not used): {untranslated}. Translate them, remove the "
        f"fuzzy flag, then run `{COMPILE}`."
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    problems = [
        f"{message.id!r}: {'; '.join(map(str, errors))}"
        for message, errors in catalogue(language).check()
    ]
    assert not problems, f"{po_path(language).relative_to(ROOT)}: {problems}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_source_is_in_the_catalogue(language):
    # given
    catalog = catalogue(language)
    # when
    missing = {
        f"{msgid!r}" + (f" (context {context!r})" if context else "") + f" in {where}"
        for (context, msgid), where in source_msgids().items()
        if catalog.get(msgid, context=context) is None
    }
    # then
    assert not missing, (
        f"strings marked for translation in src/tular are missing from "
        f"{po_path(language).relative_to(ROOT)}: {sorted(missing)}. {HOW_TO_FIX}"
    )


def test_the_indonesian_catalogue_translates_rather_than_copies():
    messages = [m for m in catalogue("id") if m.id]
    copied = [m.id for m in messages if m.string == m.id]
    # Some single words are the same in both languages (program, reseller, slug, logo, status),
    # a sentence never is; and single words stay a small share of the catalogue.
    sentences = [text for text in copied if " " in str(text)]
    assert not sentences, f"untranslated Indonesian entries: {sentences}"
    assert len(copied) <= max(8, len(messages) // 50), f"untranslated-looking entries: {copied}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_files_match_the_po_files(language):
    po = po_path(language)
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `{COMPILE}` and commit it."
    assert compile_messages.is_current(po), (
        f"{mo.relative_to(ROOT)} does not match {po.relative_to(ROOT)}: the .po was edited "
        f"without recompiling. Run `{COMPILE}` and commit the .mo file."
    )


# ---------------------------------------------------------------- what visitors see


@pytest.mark.parametrize(
    ("accept_language", "lang", "heading", "hint"),
    [
        ("id", "id", "Tautan referral ini tidak terdaftar", "Periksa kembali tautan yang Anda"),
        ("id-ID,id;q=0.9,en;q=0.8", "id", "Tautan referral ini tidak terdaftar", "Anda terima"),
        ("en", "en", "This referral link does not exist", "Check the link you received"),
        ("en-US,en;q=0.9", "en", "This referral link does not exist", "ask the person"),
    ],
)
def test_the_unknown_code_page_speaks_the_visitors_language(
    db, accept_language, lang, heading, hint
):
    # when
    response = Client().get("/r/NOPE123", headers={"Accept-Language": accept_language})
    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert heading in page
    assert hint in page
    assert "<code>NOPE123</code>" in page


def test_the_unknown_code_page_is_indonesian_by_default(db):
    page = Client().get("/r/NOPE123").content.decode()
    assert '<html lang="id">' in page
    assert "Tautan tidak ditemukan" in page
