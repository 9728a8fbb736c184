"""Compile every gettext catalogue (.po) under src/tular to .mo, with Babel: no GNU gettext needed.

Run it after editing any django.po file, and commit the .po and the .mo together:

    uv run python scripts/compile_messages.py          # write the .mo files
    uv run python scripts/compile_messages.py --check  # exit 1 if a .mo is out of date (CI)

Adding a string to translate: wrap it in the code (`_("…")`, `{% translate "…" %}`), add its
msgid with both translations to src/tular/locale/{id,en}/LC_MESSAGES/django.po (by hand, or with
`cd src/tular && uv run tular manage makemessages -l id -l en --add-location=file --no-obsolete`
when GNU gettext is installed), then run this script. tests/core/test_translations.py checks all
three steps.
"""

from __future__ import annotations

import argparse
import gettext
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "tular"


def catalogues(source: Path = SOURCE) -> list[Path]:
    """Every .po file below `source` (src/tular/locale and any app's own locale directory)."""
    return sorted(source.glob("**/locale/*/LC_MESSAGES/*.po"))


def compile_po(po_path: Path) -> bytes:
    """The .mo for a .po: fuzzy and untranslated entries left out, as `msgfmt` does."""
    language = po_path.parent.parent.name
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=po_path.stem)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def mo_messages(data: bytes) -> dict:
    """What a .mo says; the Babel version that wrote it (a header line) does not matter."""
    messages = dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)
    messages[""] = "\n".join(
        line for line in messages.get("", "").splitlines() if not line.startswith("Generated-By:")
    )
    return messages


def is_current(po_path: Path) -> bool:
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return False
    return mo_messages(mo_path.read_bytes()) == mo_messages(compile_po(po_path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report .mo files that are out of date"
    )
    args = parser.parse_args(argv)
    stale = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        shown = mo_path.relative_to(ROOT)
        if args.check:
            if not is_current(po_path):
                stale.append(shown)
            continue
        mo_path.write_bytes(compile_po(po_path))
        print(f"compiled {shown}")
    if stale:
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        print("run: uv run python scripts/compile_messages.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
