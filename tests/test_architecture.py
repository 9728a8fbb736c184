"""The import direction of docs/architecture.md, checked on the source itself.

Every `import tular.X` / `from tular.X import …` anywhere in an app (module level or inside a
function) must point at the app itself or at an app of a LOWER layer. Apps of one layer never
import each other. Migrations are left out (their dependencies are by name).
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "tular"

# Lowest first; the same list is drawn in docs/architecture.md.
LAYERS = [
    {"core"},
    {"messaging"},
    {"workspaces"},
    {"webhooks"},
    {"programs"},
    {"participants"},
    {"tracking", "rewards", "deals", "support", "enablement"},
    {"referrals"},
    {"analytics", "partners"},
    {"integrations"},
    {"api", "demo", "console", "portal"},
]
LAYER_OF = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
# Project-level modules any app may read: the settings parsed from the environment.
ALLOWED_EVERYWHERE = {"config"}


def apps_on_disk() -> list[str]:
    return sorted(p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def imported_apps(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "tular":  # from tular import config
                names = [f"tular.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "tular" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def violations() -> list[str]:
    problems = []
    for app in apps_on_disk():
        if app not in LAYER_OF:
            problems.append(f"tular.{app} is not placed in a layer (tests/test_architecture.py)")
            continue
        for path in sorted((SRC / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for target, line in sorted(imported_apps(path)):
                if target == app or target in ALLOWED_EVERYWHERE:
                    continue
                where = f"{path.relative_to(SRC.parent)}:{line}"
                if target not in LAYER_OF:
                    problems.append(f"{where}: imports tular.{target}, which is not an app")
                elif LAYER_OF[target] >= LAYER_OF[app]:
                    kind = "a peer" if LAYER_OF[target] == LAYER_OF[app] else "a higher app"
                    problems.append(f"{where}: tular.{app} imports {kind}, tular.{target}")
    return problems


def test_every_import_points_down_the_layers():
    assert violations() == []


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    # The check itself can fail: an app importing a higher one is reported.
    fake = tmp_path / "tular"
    for app in ("core", "rewards", "referrals"):
        (fake / app).mkdir(parents=True)
        (fake / app / "__init__.py").write_text("")
    (fake / "rewards" / "services.py").write_text(
        "def f():\n    from tular.referrals.models import Referral\n"
    )
    (fake / "core" / "x.py").write_text("import tular.rewards.ledger\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", fake)
    found = violations()
    assert any("rewards/services.py:2: tular.rewards imports a higher app" in p for p in found)
    assert any("core/x.py:1: tular.core imports a higher app, tular.rewards" in p for p in found)


@pytest.mark.parametrize("app", apps_on_disk())
def test_app_is_in_the_documented_map(app):
    text = (SRC.parent.parent / "docs" / "architecture.md").read_text()
    assert f"`{app}`" in text, f"docs/architecture.md does not place tular.{app}"
