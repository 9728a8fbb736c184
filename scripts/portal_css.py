"""Build the portal's stylesheet: Tabler with only the rules the portal's pages use.

    uv run python scripts/portal_css.py
        rewrites src/tular/portal/static/portal/tabler-portal.min.css

Why: the whole of Tabler is 635 kB of CSS, fine for the managers' console on a desk, too much
for a referrer on a slow phone (issue 9: no portal page over 150 kB of CSS+JS). PurgeCSS
(from npm, run with npx; Node.js is needed only here, never at run time) keeps the rules whose
selectors name a class, id or element found in the portal's templates, the shared UI includes,
the form and badge code that adds classes from Python, and the portal's scripts. The output is
a vendored static file like Tabler itself (core/static/vendor/README.md).

tests/portal/test_portal_css.py fails when a portal template uses a Tabler class that this file
lacks: run this script after adding one, and commit the result.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "tular"
TABLER = SRC / "core" / "static" / "vendor" / "tabler" / "tabler.min.css"
OUT = SRC / "portal" / "static" / "portal" / "tabler-portal.min.css"
PURGECSS = "purgecss@7.0.2"

# Where the portal's class names come from.
CONTENT = [
    "templates/portal/**/*.html",
    "templates/ui/*.html",
    "templates/messaging/*.html",
    "portal/**/*.py",
    "core/forms.py",
    "core/templatetags/ui.py",
    "core/static/ui/tular.js",
    "portal/static/portal/portal.js",
]


def badge_colours() -> list[str]:
    """`status_badge` builds `bg-<colour>-lt` at run time: keep every colour it can use."""
    text = (SRC / "core" / "templatetags" / "ui.py").read_text()
    return sorted(set(re.findall(r'^\s+"\w+": \("([\w-]+)",', text, re.M)))


RUNNER = """
const {PurgeCSS} = require("purgecss");
const config = require("./config.json");
config.safelist.greedy = config.safelist.greedy.map((p) => new RegExp(p));
new PurgeCSS().purge(config).then((results) => {
  process.stdout.write(results[0].css);
});
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} is not installed: this script needs Node.js and npm")
    return path


def run(args: list[str], *, cwd: str) -> str:
    return subprocess.run(args, check=True, cwd=cwd, capture_output=True, text=True).stdout  # noqa: S603 - our own fixed commands


def build() -> int:
    safelist = [f"bg-{colour}-lt" for colour in badge_colours()]
    safelist += [f"text-{colour}" for colour in badge_colours()]
    config = {
        "content": [str(SRC / pattern) for pattern in CONTENT],
        "css": [str(TABLER)],
        "safelist": {"standard": [":root", "html", "body", *safelist], "greedy": ["data-bs-theme"]},
        # Tabler's custom properties reference each other; keep them all (they are small).
        "variables": True,
        "keyframes": True,
        "fontFace": True,
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.json").write_text(json.dumps(config))
        (Path(tmp) / "run.js").write_text(RUNNER)
        run([tool("npm"), "install", "--no-save", "--silent", PURGECSS], cwd=tmp)
        css = run([tool("node"), "run.js"], cwd=tmp)
    OUT.write_text(
        f"/* Tabler 1.6 (MIT), purged for the portal by scripts/portal_css.py. */\n{css}"
    )
    size, full = len(css.encode()), TABLER.stat().st_size
    print(f"{OUT.relative_to(ROOT)}: {size:,} bytes (all of Tabler: {full:,})")
    return 0


if __name__ == "__main__":
    sys.exit(build())
