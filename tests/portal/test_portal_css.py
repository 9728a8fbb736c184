"""The portal's purged Tabler (scripts/portal_css.py) keeps every Tabler class the portal's
templates use: a class added to a template without rebuilding the file fails here."""

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "tular"
TABLER = SRC / "core" / "static" / "vendor" / "tabler" / "tabler.min.css"
PORTAL_CSS = SRC / "portal" / "static" / "portal" / "tabler-portal.min.css"
TEMPLATES = [
    *(SRC / "templates" / "portal").rglob("*.html"),
    *(SRC / "templates" / "ui").glob("*.html"),
]
CLASS_ATTR = re.compile(r'class="([^"]*)"')
TAG = re.compile(r"{[%{].*?[%}]}")


def selectors(path: Path) -> set[str]:
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", path.read_text()))


def classes_in(path: Path) -> set[str]:
    found = set()
    for value in CLASS_ATTR.findall(path.read_text()):
        found.update(TAG.sub(" ", value).split())
    return found


def test_every_tabler_class_a_portal_template_uses_is_in_the_portal_css():
    tabler, portal = selectors(TABLER), selectors(PORTAL_CSS)
    missing = {
        f"{path.relative_to(SRC)}: {name}"
        for path in TEMPLATES
        for name in classes_in(path)
        if name in tabler and name not in portal
    }
    assert not missing, (
        f"classes missing from {PORTAL_CSS.relative_to(SRC)}: {sorted(missing)}; "
        "run `uv run python scripts/portal_css.py` and commit the result"
    )


def test_the_check_sees_a_missing_class(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text('<div class="card {% if x %}placeholder-glow{% endif %}">')
    assert "placeholder-glow" in classes_in(page)
    assert "placeholder-glow" in selectors(TABLER)
    assert "placeholder-glow" not in selectors(PORTAL_CSS)


@pytest.mark.parametrize("path", [PORTAL_CSS])
def test_the_portal_css_is_a_fraction_of_tabler(path):
    assert path.stat().st_size < TABLER.stat().st_size / 4
