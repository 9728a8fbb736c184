"""Benchmark of the referral redirect, `GET /r/{code}`, against nginx's bare 302 as the floor.

For SQLite and for PostgreSQL it creates a fresh data dir / database, migrates, starts the real
production server (`tular serve`, granian WSGI) on a free loopback port, seeds a program and a
participant through the API, warms up, drives `GET /r/{code}` with wrk, stops the server and
counts the clicks that reached the database against the 302s wrk received. nginx runs with its
own minimal config (`return 302`) under a temporary prefix. Everything listens on and talks to
127.0.0.1 only; every process and database it creates is removed on exit, also on errors.

    uv run python bench/redirect.py               # ~15 s per target
    uv run python bench/redirect.py --quick       # 2 s per target, for CI
    uv run python bench/redirect.py --targets sqlite --workers 2 --threads 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
PG_BASE_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
TARGETS = ("sqlite", "postgres", "nginx")

# wrk prints one JSON line at the end: throughput, latency percentiles (µs) and the responses.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "status_errors": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, seconds, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""

PROGRAM = {
    "slug": "bench",
    "name": "Bench",
    "kind": "customer",
    "currency": "IDR",
    "destination_url": "https://toko.example/daftar",
    "allowed_hosts": ["toko.example"],
    "attribution": {"model": "last_touch", "window_days": 30},
    "hold_days": 14,
    "clawback_days": 60,
    "monetary_rewards_allowed": True,
    "rules": [{"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 5000000}],
}
PARTICIPANT = {
    "program": "bench",
    "external_id": "bench_1",
    "email": "bench@example.com",
    "name": "Bench",
    "kind": "customer",
    "locale": "id",
}


@dataclass
class Result:
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    responses: int
    errors: int
    clicks: int | None = None  # clicks in the database from the measured run
    cpu_us: float | None = None  # server CPU time (all its processes) per response

    @property
    def missing(self) -> int:
        return 0 if self.clicks is None else max(0, self.responses - self.clicks)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def ensure_tools() -> None:
    missing = [tool for tool in ("nginx", "wrk") if shutil.which(tool) is None]
    if not missing:
        return
    log(f"installing {' '.join(missing)} from Debian packages")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "nginx", "wrk"], check=True, env=env)


class Processes:
    """Every child runs in its own process group; stop() ends the whole group."""

    def __init__(self):
        self.children: list[subprocess.Popen] = []

    def start(self, command: list[str], *, env=None, log_path: Path) -> subprocess.Popen:
        handle = log_path.open("ab")
        process = subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        self.children.append(process)
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 15) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Granian's workers may outlive their parent by a moment; the group goes with them.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for process in reversed(self.children):
            self.stop(process)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in a process group (Linux /proc)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After "pid (comm)": state ppid pgrp session ... utime(12th) stime(13th).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log_path.read_text()}")
        try:
            # Never follow a redirect: the only traffic goes to 127.0.0.1.
            with urllib.request.build_opener(NoRedirect).open(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer (e.g. nginx's 302) means the server is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{log_path.read_text()}")


def api_post(base: str, key: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def first_redirect(url: str) -> str:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=5)
    except urllib.error.HTTPError as exc:
        if exc.code == 302:
            return exc.headers["Location"]
        raise
    raise RuntimeError(f"{url} did not redirect")


def run_wrk(url: str, *, duration: float, connections: int, threads: int, work: Path) -> dict:
    script = work / "report.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for line in output.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise RuntimeError(f"no report from wrk:\n{output}")


def to_result(target: str, report: dict) -> Result:
    return Result(
        target=target,
        rps=report["requests"] / report["seconds"],
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        # 302 is not a wrk "status error"; anything else (404, 5xx) is.
        responses=report["requests"] - report["status_errors"],
        errors=report["status_errors"] + report["socket_errors"],
    )


# ---------------------------------------------------------------- tular


def count_clicks(database: str, database_url: str | None, data_dir: Path) -> int:
    if database == "sqlite":
        with contextlib.closing(sqlite3.connect(data_dir / "tular.sqlite3")) as db:
            return db.execute("SELECT count(*) FROM tracking_click").fetchone()[0]
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute("SELECT count(*) FROM tracking_click").fetchone()[0]


@contextlib.contextmanager
def postgres_database():
    name = f"tular_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["createdb", *pg, name], check=True)
    try:
        yield f"{PG_BASE_URL}/{name}"
    finally:
        subprocess.run(["dropdb", *pg, "--if-exists", "--force", name], check=False)


def bench_tular(database: str, args, procs: Processes, work: Path) -> Result:
    data_dir = work / f"data-{database}"
    data_dir.mkdir()
    with contextlib.ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TULAR_")}
        env.pop("DATABASE_URL", None)
        env["TULAR_DATA_DIR"] = str(data_dir)
        env["TULAR_LOG_LEVEL"] = "WARNING"
        database_url = None
        if database == "postgres":
            database_url = stack.enter_context(postgres_database())
            env["DATABASE_URL"] = database_url
        tular = [sys.executable, "-m", "tular.cli"]
        # `apikey create` migrates first, then prints the key on its last line.
        created = subprocess.run(
            [*tular, "apikey", "create"], env=env, capture_output=True, text=True, check=True
        )
        key = created.stdout.strip().splitlines()[-1]

        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = work / f"serve-{database}.log"
        command = [*tular, "serve", "--host", HOST, "--port", str(port)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        server = procs.start(command, env=env, log_path=log_path)
        stack.callback(procs.stop, server)
        wait_http(f"{base}/healthz", server, log_path)

        api_post(base, key, "/api/v1/programs", PROGRAM)
        code = api_post(base, key, "/api/v1/participants", PARTICIPANT)["code"]
        url = f"{base}/r/{code}"
        location = first_redirect(url)
        assert "tular_click=" in location, location
        log(f"{database}: {' '.join(command[1:])} → {url}")

        run_wrk(url, duration=args.warmup, connections=args.connections, threads=2, work=work)
        before = count_clicks(database, database_url, data_dir)
        cpu_before = group_cpu_seconds(server.pid)
        report = run_wrk(
            url, duration=args.duration, connections=args.connections, threads=2, work=work
        )
        cpu = group_cpu_seconds(server.pid) - cpu_before
        procs.stop(server)  # SIGTERM: in-flight requests finish, then count
        result = to_result(database, report)
        result.cpu_us = 1e6 * cpu / max(1, result.responses)
        result.clicks = count_clicks(database, database_url, data_dir) - before
        return result


# ---------------------------------------------------------------- nginx

NGINX_CONF = """
worker_processes auto;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen {host}:{port};
        location / {{ return 302 https://example.com/; }}
    }}
}}
"""


def bench_nginx(args, procs: Processes, work: Path) -> Result:
    prefix = work / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=prefix, host=HOST, port=port))
    log_path = prefix / "stdout.log"
    command = ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "startup.log")]
    server = procs.start(command, log_path=log_path)
    try:
        url = f"http://{HOST}:{port}/r/BENCH"
        wait_http(url, server, log_path)
        run_wrk(url, duration=args.warmup, connections=args.connections, threads=2, work=work)
        cpu_before = group_cpu_seconds(server.pid)
        report = run_wrk(
            url, duration=args.duration, connections=args.connections, threads=2, work=work
        )
        result = to_result("nginx", report)
        cpu = group_cpu_seconds(server.pid) - cpu_before
        result.cpu_us = 1e6 * cpu / max(1, result.responses)
        return result
    finally:
        procs.stop(server)


# ---------------------------------------------------------------- report


def table(results: list[Result], args) -> str:
    floor = next((r.rps for r in results if r.target == "nginx"), None)
    rows = [
        (
            "target",
            "req/s",
            "p50 ms",
            "p99 ms",
            "% of nginx",
            "clicks / 302s",
            "errors",
            "server CPU µs/req",
        )
    ]
    for r in results:
        share = f"{100 * r.rps / floor:.1f} %" if floor else "-"
        clicks = "-" if r.clicks is None else f"{r.clicks} / {r.responses}"
        rows.append(
            (
                r.target,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                share,
                clicks,
                str(r.errors),
                "-" if r.cpu_us is None else f"{r.cpu_us:.0f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    flags = f"wrk -t2 -c{args.connections} -d{args.duration:g}s"
    server = f"--workers {args.workers or 'default'} --threads {args.threads or 'default'}"
    return "\n".join([f"{flags}; tular serve {server}", *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds per target (15)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds (3)")
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 s warm-up (for CI)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--workers", type=int, default=0, help="tular serve --workers")
    parser.add_argument("--threads", type=int, default=0, help="tular serve --threads")
    parser.add_argument(
        "--targets", default=",".join(TARGETS), help="comma-separated: sqlite,postgres,nginx"
    )
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 2, 1
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")

    ensure_tools()
    procs = Processes()
    results: list[Result] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="tular-bench-") as tmp:
        work = Path(tmp)
        # On SIGTERM/SIGINT unwind through the finally blocks (servers, databases).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            for target in targets:
                try:
                    if target == "nginx":
                        results.append(bench_nginx(args, procs, work))
                    else:
                        results.append(bench_tular(target, args, procs, work))
                except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                    failed = True
                    log(f"{target} failed: {exc}")
        finally:
            procs.stop_all()
    print(table(results, args))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    lost = sum(r.missing for r in results)
    if lost:
        log(f"{lost} acknowledged click(s) missing from the database")
    return 1 if failed or lost else 0


if __name__ == "__main__":
    sys.exit(main())
