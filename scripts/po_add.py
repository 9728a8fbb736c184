"""Add translations to both catalogues without rewriting them (several people edit at once).

    uv run python scripts/po_add.py --missing [--under console/] > todo.json
        every msgid in src/tular missing from a catalogue, as a list to fill in:
        [{"msgid": "...", "context": null, "plural": null, "id": "", "en": ""}, ...]
        (with a plural: "id": ["..."], "en": ["...", "..."])
    uv run python scripts/po_add.py todo.json
        appends the filled entries to src/tular/locale/{id,en}/LC_MESSAGES/django.po under an
        exclusive lock (/tmp/tular-po.lock), skips msgids already there, refuses empty or
        English-copied Indonesian, and compiles the .mo files.

tests/core/test_translations.py is the judge: run it afterwards.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "tular" / "locale"
LOCK = Path("/tmp/tular-po.lock")  # noqa: S108 - one lock for every editor on this machine


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def missing(under: str | None) -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    scanner = _load("translations_test", ROOT / "tests" / "core" / "test_translations.py")
    catalogues = {language: scanner.catalogue(language) for language in ("id", "en")}
    todo = []
    for (context, msgid), where in sorted(scanner.source_msgids().items(), key=lambda i: i[1]):
        if under and not where.startswith(under):
            continue
        if all(catalogues[lang].get(msgid, context=context) for lang in catalogues):
            continue
        todo.append(
            {
                "msgid": msgid,
                "context": context,
                "plural": None,
                "where": where,
                "id": "",
                "en": msgid,
            }
        )
    return todo


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _entry(item: dict, language: str) -> str:
    lines = [f"#: {item.get('where') or 'src'}"]
    text = item[language]
    if "%(" in item["msgid"] or "%s" in item["msgid"]:
        lines.append("#, python-format")
    if item.get("context"):
        lines.append(f"msgctxt {_quote(item['context'])}")
    lines.append(f"msgid {_quote(item['msgid'])}")
    if item.get("plural"):
        lines.append(f"msgid_plural {_quote(item['plural'])}")
        forms = text if isinstance(text, list) else [text]
        count = 1 if language == "id" else 2
        forms = (forms + [forms[-1]] * count)[:count]
        lines += [f"msgstr[{i}] {_quote(form)}" for i, form in enumerate(forms)]
    else:
        lines.append(f"msgstr {_quote(text if isinstance(text, str) else text[0])}")
    return "\n".join(lines) + "\n"


def add(path: Path) -> int:
    items = json.loads(path.read_text(encoding="utf-8"))
    for item in items:
        for language in ("id", "en"):
            value = item.get(language)
            if not value or (isinstance(value, list) and not all(value)):
                sys.exit(f"no {language} translation for {item['msgid']!r}")
        if item["id"] == item["msgid"] and len(item["msgid"]) > 12:
            sys.exit(f"the Indonesian for {item['msgid']!r} copies the English")
    compiler = _load("compile_messages", ROOT / "scripts" / "compile_messages.py")
    from babel.messages.pofile import read_po

    added = 0
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for language in ("id", "en"):
            po = LOCALE / language / "LC_MESSAGES" / "django.po"
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            chunks = []
            for item in items:
                if catalog.get(item["msgid"], context=item.get("context")) is not None:
                    continue
                chunks.append(_entry(item, language))
            if chunks:
                with po.open("a", encoding="utf-8") as handle:
                    handle.write("\n" + "\n".join(chunks))
                added += len(chunks)
        compiler.main([])
    print(f"added {added} entries (both languages); compiled")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--missing", action="store_true")
    parser.add_argument("--under", help="only strings first seen under this path (console/)")
    args = parser.parse_args()
    if args.missing:
        json.dump(missing(args.under), sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    if not args.file:
        parser.error("give a JSON file, or --missing")
    return add(args.file)


if __name__ == "__main__":
    sys.exit(main())
