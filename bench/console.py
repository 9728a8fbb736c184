"""Console page times: every page of the managers' console, signed in, with the demo data.

Starts `tular up --demo` (SQLite in a fresh temporary data dir, or `--postgres`: a fresh
PostgreSQL database) on a free port, signs in as the demo's manager over real HTTP, finds the
detail pages by following the lists' links, then times GET of each page: a few warm-up
requests, then N timed ones, one after the other (one user clicking around). Prints p50, p95
and max per page, and `GET /healthz` of the same server in the same run as the floor. The
console's target is p95 < 300 ms per page; the script never fails on a number, only when a
page does not answer 200.

    uv run python bench/console.py               # 30 requests per page
    uv run python bench/console.py --quick       # 5 per page, for CI
    uv run python bench/console.py --postgres
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import PG_BASE_URL, free_port, group_alive, healthy

EMAIL, PASSWORD = "bench@tokoandalan.example", "bench-password-123"
PAGES = [
    "/console/",
    "/console/programs/",
    "/console/programs/new/",
    "/console/participants/",
    "/console/participants/?q=a",
    "/console/participants/new/",
    "/console/participants/import/",
    "/console/referrals/",
    "/console/referrals/flagged/",
    "/console/rewards/",
    "/console/rewards/?status=needs_review",
    "/console/payouts/",
    "/console/settings/",
    "/console/settings/team/",
    "/console/settings/api-keys/",
    "/console/settings/integrations/",
    "/console/settings/audit/",
    "/console/settings/emails/",
    "/console/settings/account/",
]
# Detail pages: found in a list page by the first link matching the pattern.
DETAILS = [
    ("/console/programs/", r'href="(/console/programs/(?!new/)[a-z0-9-]+/)"'),
    ("/console/participants/", r'href="(/console/participants/[0-9a-f-]{36}/)"'),
    ("/console/referrals/", r'href="(/console/referrals/[0-9a-f-]+/)"'),
    ("/console/payouts/", r'href="(/console/payouts/[0-9a-f-]+/)"'),
]


def start(
    data_dir: Path, port: int, database_url: str | None, *, demo: bool = True
) -> subprocess.Popen:
    env = {
        **os.environ,
        "TULAR_DATA_DIR": str(data_dir),
        "TULAR_ADMIN_EMAIL": EMAIL,
        "TULAR_ADMIN_PASSWORD": PASSWORD,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    server = subprocess.Popen(
        [
            *("uv", "run", "tular", "up"),
            *(("--demo",) if demo else ()),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    for line in server.stdout:  # "Tular is running at …" once the demo is loaded and served
        if "Tular is running" in line:
            break
        if time.monotonic() > deadline:
            break
    while not healthy(f"http://127.0.0.1:{port}/healthz"):
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("tular up did not start")
        time.sleep(0.2)
    return server


def stop(server: subprocess.Popen) -> None:
    with_group = server.pid
    try:
        os.killpg(with_group, signal.SIGINT)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    if group_alive(with_group):
        os.killpg(with_group, signal.SIGKILL)


def sign_in(client: httpx.Client) -> None:
    page = client.get("/console/login/")
    token = (
        client.cookies.get("csrftoken")
        or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    )
    answer = client.post(
        "/console/login/",
        data={"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": str(client.base_url) + "/console/login/"},
    )
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed: {answer.status_code}")


def time_page(client: httpx.Client, path: str, requests: int, warmup: int) -> dict:
    for _ in range(warmup):
        client.get(path, follow_redirects=True)
    times, statuses = [], set()
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path, follow_redirects=True)  # the wizard starts at its step
        times.append((time.perf_counter() - began) * 1000)
        statuses.add(response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "path": path,
        "status": ",".join(map(str, sorted(statuses))),
        "p50": statistics.median(times),
        "p95": p95,
        "max": times[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 requests per page (CI)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    requests, warmup = (5, 1) if args.quick else (args.requests, 3)
    data_dir = Path(tempfile.mkdtemp(prefix="tular-bench-console-"))
    database = None
    if args.postgres:
        database = f"tular_bench_console_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        subprocess.run(
            ["psql", PG_BASE_URL + "/postgres", "-qc", f'CREATE DATABASE "{database}"'], check=True
        )
    port = free_port()
    server = None
    failed = False
    try:
        server = start(data_dir, port, f"{PG_BASE_URL}/{database}" if database else None)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            sign_in(client)
            pages = list(PAGES)
            for listing, pattern in DETAILS:
                found = re.search(pattern, client.get(listing).text)
                if found:
                    pages.append(found[1])
            rows = [time_page(client, "/healthz", requests, warmup)]
            rows += [time_page(client, path, requests, warmup) for path in pages]
        print(
            f"console pages, {'PostgreSQL' if database else 'SQLite'}, demo data, "
            f"{requests} sequential requests per page after {warmup} warm-up"
        )
        print(f"{'page':<62} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for row in rows:
            print(
                f"{row['path']:<62} {row['status']:>6} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                f"{row['max']:>8.1f}"
            )
            failed |= row["status"] != "200"
        worst = max(rows[1:], key=lambda row: row["p95"])
        print(f"slowest page by p95: {worst['path']} {worst['p95']:.1f} ms (target < 300 ms)")
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
