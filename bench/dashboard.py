"""Insight at scale: the dashboard and the metrics API over 1M referrals and 10M clicks, and the
redirect's throughput with the rollup job running against it idle.

For each of SQLite and PostgreSQL (`--targets`):

1. a fresh data dir (and database), `tular up --demo` once to migrate and seed, then stopped;
2. `bench/dashboard_data.py` writes the history with set-based SQL in a program of its own
   (`bench`) and rebuilds the daily rollups — both timed;
3. `tular up` serves it (server + worker); signed in as the manager, GET each dashboard page and
   each metrics call N times, one after the other, and prints p50 / p95 / max. Target: p50 <
   300 ms and p95 < 800 ms at the full size on this 2-core machine;
4. the redirect (`/r/bench1`) under wrk for `--redirect-seconds`, once with nothing else
   running and once while a process runs the rollup job back to back (`--rollup-loop` of
   dashboard_data.py: the worst case, the job never sleeps), on `tular serve`; prints both
   req/s and their ratio.

    uv run python bench/dashboard.py                        # 1M referrals, 10M clicks
    uv run python bench/dashboard.py --quick                # tiny, for CI
    uv run python bench/dashboard.py --targets sqlite --referrals 200000 --clicks 2000000

Never fails on a number; fails when a page does not answer 200.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from redirect import ensure_tools, first_redirect, run_wrk  # noqa: E402
from startup import PG_BASE_URL, free_port, healthy  # noqa: E402

from console import sign_in, start, stop  # noqa: E402

PAGES = [
    "/console/insight/",
    "/console/insight/?program=bench",
    "/console/insight/?program=bench&period={last_month}",
    "/console/insight/?program=bench&grain=quarter",
    "/console/",
]
API = [
    "/api/v1/metrics?program=bench",
    "/api/v1/metrics?program=bench&from={year_ago}&to={today}",
    "/api/v1/metrics",
]


def forgetter(data_dir: Path, database_url: str | None):
    """A function that drops every figure analytics.kept holds: the next request computes the
    period's figures from the source tables, as the first one after a job pass does."""

    def forget() -> None:
        sql = "DELETE FROM analytics_keptfigure"
        if database_url:
            import psycopg

            with psycopg.connect(database_url, autocommit=True) as db:
                db.execute(sql)
        else:
            import sqlite3

            with sqlite3.connect(data_dir / "tular.sqlite3", timeout=30) as db:
                db.execute(sql)

    return forget


def timed(
    client: httpx.Client, path: str, requests: int, warmup: int, headers=None, before=None
) -> dict:
    """p50 / p95 / max of `requests` sequential GETs after `warmup`; `before()` runs ahead of
    each timed request (untimed)."""
    for _ in range(warmup):
        client.get(path, headers=headers)
    times, statuses = [], set()
    for _ in range(requests):
        if before is not None:
            before()
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        statuses.add(response.status_code)
    times.sort()
    return {
        "path": path,
        "status": ",".join(map(str, sorted(statuses))),
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max": times[-1],
    }


def env_for(data_dir: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TULAR_")}
    env.pop("DATABASE_URL", None)
    env.update(TULAR_DATA_DIR=str(data_dir), TULAR_LOG_LEVEL="WARNING")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def redirect_pair(env: dict, seconds: float, work: Path, pause: float = 0.0) -> dict:
    """The redirect's req/s alone, then with the rollup job looping beside it (`pause`
    seconds between passes; the worker's real cadence is one pass per 30 s)."""
    port = free_port()
    log = (work / "serve.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "tular.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    loop = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not healthy(f"{base}/healthz"):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("tular serve did not start")
            time.sleep(0.2)
        url = f"{base}/r/BENCH1"
        first_redirect(url)
        run_wrk(url, duration=1, connections=16, threads=2, work=work)
        alone = run_wrk(url, duration=seconds, connections=16, threads=2, work=work)
        loop = subprocess.Popen(
            [
                *(sys.executable, str(HERE / "dashboard_data.py")),
                *("--rollup-loop", str(seconds + 30), "--pause", str(pause)),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        time.sleep(1)
        beside = run_wrk(url, duration=seconds, connections=16, threads=2, work=work)
    finally:
        for process in (loop, server):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, 15)
                process.wait(timeout=20)
    passes = ""
    if loop is not None and loop.stdout is not None:
        passes = loop.stdout.read().strip().splitlines()[-1:] or [""]
        passes = passes[0]
    rps_alone = alone["requests"] / alone["seconds"]
    rps_beside = beside["requests"] / beside["seconds"]
    return {
        "alone_rps": rps_alone,
        "alone_p99_ms": alone["p99_us"] / 1000,
        "beside_rps": rps_beside,
        "beside_p99_ms": beside["p99_us"] / 1000,
        "ratio": rps_beside / rps_alone if rps_alone else 0.0,
        "loop": passes,
    }


def generate(data_dir: Path, port: int, database_url: str | None, env: dict, args) -> None:
    """Migrate and seed (`tular up --demo`, stopped), then write the bulk history."""
    server = start(data_dir, port, database_url)  # migrate + demo, then stop
    stop(server)
    began = time.perf_counter()
    made = subprocess.run(
        [
            sys.executable,
            str(HERE / "dashboard_data.py"),
            *("--referrals", str(args.referrals)),
            *("--clicks", str(args.clicks)),
            *("--participants", str(args.participants)),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        print(made.stdout, made.stderr)
        raise SystemExit("generating the history failed")
    figures = json.loads(made.stdout.strip().splitlines()[-1])
    print(f"history written in {time.perf_counter() - began:.0f} s")
    print(json.dumps(figures))


def time_requests(port: int, key: str, args, forget) -> list[dict]:
    """Each page and API call, kept (repeated requests) and cold (`forget()` before each)."""
    today = time.strftime("%Y-%m-%d", time.gmtime())
    year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 364 * 86400))
    now = time.gmtime()
    last_month = f"{now.tm_year - (now.tm_mon == 1)}-{(now.tm_mon - 2) % 12 + 1:02d}-01"
    auth = {"Authorization": f"Bearer {key}"}
    calls = [(page.format(last_month=last_month), None) for page in PAGES]
    calls += [(path.format(today=today, year_ago=year_ago), auth) for path in API]
    rows = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        sign_in(client)
        for path, headers in calls:
            row = timed(client, path, args.requests, args.warmup, headers=headers)
            cold = timed(client, path, args.cold_requests, 0, headers=headers, before=forget)
            row.update(cold_p50=cold["p50"], cold_p95=cold["p95"])
            row["status"] = ",".join(sorted({row["status"], cold["status"]}))
            rows.append(row)
    return rows


def bench_target(target: str, args, work: Path) -> bool:
    reuse = Path(args.data_dir) if args.data_dir else None
    data_dir = reuse or work / f"data-{target}"
    data_dir.mkdir(exist_ok=True)
    database = None
    if target == "postgres" and not args.database_url:
        database = f"tular_bench_dash_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        subprocess.run(
            ["psql", PG_BASE_URL + "/postgres", "-qc", f'CREATE DATABASE "{database}"'], check=True
        )
    database_url = args.database_url or (f"{PG_BASE_URL}/{database}" if database else None)
    env = env_for(data_dir, database_url)
    ok = True
    try:
        port = free_port()
        print(f"\n## {target}")
        if reuse is None or (not database_url and not (data_dir / "tular.sqlite3").exists()):
            generate(data_dir, port, database_url, env, args)  # a new --data-dir is kept
        created = subprocess.run(
            [sys.executable, "-m", "tular.cli", "apikey", "create"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        server = start(data_dir, port, database_url, demo=False)
        try:
            rows = time_requests(port, key, args, forgetter(data_dir, database_url))
        finally:
            stop(server)
        print(
            f"{args.referrals:,} referrals, {args.clicks:,} clicks (generated); kept: "
            f"{args.requests} sequential requests per row after {args.warmup} warm-up; cold: "
            f"{args.cold_requests} requests, every kept figure dropped before each "
            f"(target p50 < 300 ms, p95 < 800 ms)"
        )
        print(
            f"{'request':<58} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
            f"{'cold p50':>9} {'cold p95':>9}"
        )
        for row in rows:
            print(
                f"{row['path']:<58} {row['status']:>6} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                f"{row['max']:>8.1f} {row['cold_p50']:>9.1f} {row['cold_p95']:>9.1f}"
            )
            ok &= row["status"] == "200"
        for pause in () if args.no_redirect else (0.0, 1.0):
            pair = redirect_pair(env, args.redirect_seconds, work, pause)
            print(
                f"redirect /r/BENCH1, wrk 16 connections, {args.redirect_seconds:.0f} s each: "
                f"alone {pair['alone_rps']:.0f} req/s (p99 {pair['alone_p99_ms']:.1f} ms), "
                f"beside the rollup job (a pass every {pause:.0f} s after the last) "
                f"{pair['beside_rps']:.0f} req/s (p99 {pair['beside_p99_ms']:.1f} ms): "
                f"ratio {pair['ratio']:.2f}; {pair['loop']}"
            )
    finally:
        if database:
            subprocess.run(
                [
                    "psql",
                    PG_BASE_URL + "/postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                ],
                check=False,
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny history, 5 requests (CI)")
    parser.add_argument("--targets", default="sqlite,postgres")
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--clicks", type=int, default=10_000_000)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cold-requests", type=int, default=5)
    parser.add_argument(
        "--data-dir",
        help="a data dir to keep: generated into when new (SQLite), reused when it exists "
        "(one target)",
    )
    parser.add_argument("--database-url", help="with --data-dir: its PostgreSQL database")
    parser.add_argument("--redirect-seconds", type=float, default=10)
    parser.add_argument("--no-redirect", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.referrals, args.clicks, args.participants = 2_000, 20_000, 300
        args.requests, args.warmup, args.redirect_seconds = 5, 1, 2
        args.cold_requests = 2
    if not args.no_redirect:
        ensure_tools()
    work = Path(tempfile.mkdtemp(prefix="tular-bench-dashboard-"))
    ok = True
    try:
        for target in args.targets.split(","):
            ok &= bench_target(target.strip(), args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
