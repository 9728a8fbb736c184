"""Start-up and stop time of `tular up`: process start → first 200 of `GET /healthz`, and
Ctrl-C → every process gone.

Three cases, each in a fresh temporary data dir (SQLite, or with `--postgres` a fresh
PostgreSQL database), run in this order:

1. fresh: a new data dir, `tular up` (migrates, creates the workspace and the manager);
2. set up: `tular up` again on the data dir of case 1 (nothing left to do);
3. fresh --demo: a new data dir, `tular up --demo` (also loads the demo).

After each start it sends SIGINT to the whole process group, as a terminal's Ctrl-C does, and
times until `tular up` has exited and no process of the group is left. It prints one table;
`--json FILE` writes the figures too. It never fails on a number, only when `up` does not
start or does not stop.

    uv run python bench/startup.py                # 3 rounds, median figures
    uv run python bench/startup.py --quick        # 1 round, for CI
    uv run python bench/startup.py --bytecode none   # as if no module had been compiled yet
    uv run python bench/startup.py --postgres --rounds 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

HOST = "127.0.0.1"
PG_BASE_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
CASES = ("fresh", "set up", "fresh --demo")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as response:
            return response.status == 200
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process we cannot signal is still there
        return True
    return True


def reap_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc): `up`'s children run in their own process
    groups, so the group alone does not say whether they are gone."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone
    return False


class Timeline:
    """The output of one `tular up`, each line with the seconds since start."""

    def __init__(self, process: subprocess.Popen, started: float):
        self.lines: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(process, started), daemon=True)
        self._thread.start()

    def _read(self, process, started):
        for line in process.stdout:
            self.lines.append((time.monotonic() - started, line.rstrip("\n")))

    def text(self) -> str:
        self._thread.join(timeout=2)
        return "\n".join(f"{at:6.2f}s  {line}" for at, line in self.lines)


def run_up(env: dict, *, demo: bool, timeout: float, settle: float = 0.5) -> dict:
    """One `tular up`: seconds to the first 200 of /healthz, then seconds from Ctrl-C to gone."""
    port = free_port()
    command = [sys.executable, "-m", "tular.cli", "up", "--host", HOST, "--port", str(port)]
    if demo:
        command.append("--demo")
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the SIGINT below reaches only it
    )
    timeline = Timeline(process, started)
    url = f"http://{HOST}:{port}/healthz"
    try:
        while not healthy(url):
            if process.poll() is not None:
                raise RuntimeError(f"tular up exited ({process.returncode}):\n{timeline.text()}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"no 200 from /healthz in {timeout} s:\n{timeline.text()}")
            time.sleep(0.02)
        ready = time.monotonic() - started
        time.sleep(settle)  # let the worker start too, so stopping includes it
        family = descendants(process.pid)
        interrupted = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        timeline.lines.append((interrupted - started, "<< Ctrl-C: SIGINT to the process group"))
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"tular up did not stop in 30 s:\n{timeline.text()}") from None
        while any(alive(pid) for pid in family) and time.monotonic() - interrupted < 30:
            time.sleep(0.01)
        stopped = time.monotonic() - interrupted
        if any(alive(pid) for pid in family):
            raise RuntimeError(f"processes left 30 s after Ctrl-C:\n{timeline.text()}")
        return {
            "ready_s": ready,
            "stop_s": stopped,
            "exit": code,
            "processes": len(family) + 1,
            "output": timeline.text(),
        }
    finally:
        family = descendants(process.pid) if process.poll() is None else set()
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None or group_alive(process.pid):
            reap_group(process.pid)
            process.wait()


@contextlib.contextmanager
def database(postgres: bool, bytecode: dict[str, str | None]):
    """A fresh data dir (and PostgreSQL database), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tular-startup-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TULAR_", "DJANGO_"))}
        env.pop("DATABASE_URL", None)
        for name, value in bytecode.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        env["TULAR_DATA_DIR"] = data_dir
        env["TULAR_ADMIN_PASSWORD"] = "bench-" + uuid.uuid4().hex
        name = None
        if postgres:
            name = f"tular_startup_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            subprocess.run(["createdb", *_pg_args(), name], check=True)
            env["DATABASE_URL"] = f"{PG_BASE_URL}/{name}"
        try:
            yield env
        finally:
            if name:
                subprocess.run(
                    ["dropdb", *_pg_args(), "--if-exists", "--force", name],
                    check=False,
                )


def _pg_args() -> list[str]:
    from urllib.parse import urlsplit

    parts = urlsplit(PG_BASE_URL)
    args = ["-h", parts.hostname or HOST, "-p", str(parts.port or 5432)]
    return [*args, "-U", parts.username] if parts.username else args


def one_round(postgres: bool, timeout: float, bytecode: dict) -> dict[str, dict]:
    figures = {}
    with database(postgres, bytecode) as env:
        figures["fresh"] = run_up(env, demo=False, timeout=timeout)
        figures["set up"] = run_up(env, demo=False, timeout=timeout)
    with database(postgres, bytecode) as env:
        figures["fresh --demo"] = run_up(env, demo=True, timeout=timeout)
    return figures


def bytecode_environment(mode: str, cache_dir: str) -> dict[str, str | None]:
    """How Python finds compiled modules in the children (values None: unset).

    as-is: the environment as it is. none: nothing compiled is found or kept (a private, empty
    pycache prefix and PYTHONDONTWRITEBYTECODE=1), so every start compiles every module, as on
    an install without .pyc files. warm: compiled modules kept in a private prefix, filled by
    one unmeasured run first, as after any earlier start. deps: the dependencies compiled, Tular's
    own sources not (as `uv sync --compile-bytecode` gives with PYTHONDONTWRITEBYTECODE=1)."""
    if mode in {"none", "deps"}:
        return {"PYTHONPYCACHEPREFIX": cache_dir, "PYTHONDONTWRITEBYTECODE": "1"}
    if mode == "warm":
        return {"PYTHONPYCACHEPREFIX": cache_dir, "PYTHONDONTWRITEBYTECODE": None}
    return {}


def warm_cache(mode: str, cache_dir: str, *, postgres: bool, timeout: float) -> None:
    """Fill the private pycache prefix with one unmeasured `up --demo` (for warm and deps)."""
    print("warming the bytecode cache…", file=sys.stderr, flush=True)
    writing = bytecode_environment("warm", cache_dir)
    with database(postgres, writing) as env:
        run_up(env, demo=True, timeout=timeout, settle=3)  # the API loads too
    if mode == "deps":  # forget what was compiled of Tular itself
        project = Path(__file__).resolve().parent.parent / "src"
        shutil.rmtree(Path(cache_dir) / project.relative_to(project.anchor), ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are medians")
    parser.add_argument("--quick", action="store_true", help="one round (CI)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--timeout", type=float, default=90, help="seconds to wait for a 200")
    parser.add_argument(
        "--bytecode",
        choices=("as-is", "none", "deps", "warm"),
        default="as-is",
        help="compiled modules: as the environment has them, none, the dependencies', all",
    )
    parser.add_argument("--verbose", action="store_true", help="print up's output with times")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else max(1, args.rounds)
    results: dict[str, list[dict]] = {case: [] for case in CASES}
    cache = tempfile.TemporaryDirectory(prefix="tular-startup-pycache-")
    bytecode = bytecode_environment(args.bytecode, cache.name)
    try:
        if args.bytecode in {"warm", "deps"}:
            warm_cache(args.bytecode, cache.name, postgres=args.postgres, timeout=args.timeout)
        for number in range(rounds):
            print(f"round {number + 1}/{rounds}…", file=sys.stderr, flush=True)
            for case, figures in one_round(args.postgres, args.timeout, bytecode).items():
                results[case].append(figures)
                if args.verbose:
                    print(f"--- {case}\n{figures['output']}", file=sys.stderr)
    except RuntimeError as exc:
        print(f"startup bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        cache.cleanup()
    database_name = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"tular up on {database_name}, bytecode {args.bytecode}, {rounds} round(s), "
        f"median (min-max) seconds"
    )
    print("| case         | first 200 of /healthz | Ctrl-C → all stopped | exit |")
    print("|--------------|-----------------------|----------------------|------|")
    summary = {}
    for case in CASES:
        ready = [run["ready_s"] for run in results[case]]
        stop = [run["stop_s"] for run in results[case]]
        exits = sorted({run["exit"] for run in results[case]})
        summary[case] = {"ready_s": ready, "stop_s": stop, "exit": exits}
        print(
            f"| {case:<12} | {_span(ready):<21} | {_span(stop):<20} | "
            f"{','.join(map(str, exits)):<4} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"database": database_name, "bytecode": args.bytecode, "cases": summary}, indent=2
            )
        )
    return 0


def _span(values: list[float]) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.2f}"
    return f"{median:.2f} ({min(values):.2f}-{max(values):.2f})"


if __name__ == "__main__":
    sys.exit(main())
