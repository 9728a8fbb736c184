"""The chaos run on tiny settings (bench/chaos.py --quick): 2 x `tular serve` behind nginx and
2 x `tular worker` on PostgreSQL, SIGKILLed in turn under traffic; nothing acknowledged is
lost or doubled, the books balance, every due job ran exactly once and no task is left."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="the chaos run needs PostgreSQL (DATABASE_URL)",
)


def figure(output: str, pattern: str) -> int:
    match = re.search(pattern, output)
    assert match, f"{pattern!r} not in:\n{output}"
    return int(match.group(1))


def test_kill_minus_nine_loses_and_doubles_nothing():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TULAR_", "DJANGO_"))}
    env["BENCH_POSTGRES_URL"] = DATABASE_URL.rsplit("/", 1)[0]
    env.pop("DATABASE_URL")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "chaos.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    output = run.stdout + run.stderr
    # The first kill comes 4 s in; more follow as fast as a busy machine restarts servers.
    assert figure(output, r"serve killed (\d+)x") >= 1, output
    assert figure(output, r"worker (\d+)x\)") >= 1, output
    assert figure(output, r"acknowledged events: (\d+)") > 0
    assert figure(output, r"lost \(acknowledged, not in the database\): (\d+)") == 0, output
    assert figure(output, r"doubled: (\d+)") == 0, output
    assert "ledger balanced: yes" in output, output
    assert figure(output, r"due jobs: (\d+) made due") > 0
    assert figure(output, r"missing (\d+), doubled") == 0, output
    assert figure(output, r"missing \d+, doubled (\d+)") == 0, output
    assert figure(output, r"tasks left unfinished: (\d+)") == 0, output
    assert run.returncode == 0, output
