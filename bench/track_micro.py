"""In-process cost of `POST /api/v1/track/sale` and `/track/signup` through
tular.wsgi.application, without HTTP: µs and queries per event, optionally profiled.

A fresh data dir (SQLite) or, with --postgres, a fresh database; the program of bench/track.py
(four rules) through `program_create`, 20 referrers and 200 referred customers through the
use cases; then N sales (a fresh event_id and invoice each, the customers in turn) and N
sign-ups (a fresh customer each, by a referrer's code) through the WSGI callable, timed. With
--sql, the statements of one sale and of one sign-up (Django's CaptureQueriesContext); with
--profile, a cProfile listing of each.

    uv run python bench/track_micro.py [-n 500] [--postgres] [--profile] [--sql]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from track import PROGRAM


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--limit", type=int, default=30, help="profile lines (30)")
    parser.add_argument("--dump", help="with --profile: write each profile to DUMP.<kind>.prof")
    parser.add_argument("--conn-max-age", type=int, help="override CONN_MAX_AGE (experiments)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="tular-track-micro-"))
        for name in [k for k in os.environ if k.startswith("TULAR_")] + ["DATABASE_URL"]:
            os.environ.pop(name, None)
        os.environ["TULAR_DATA_DIR"] = tmp
        os.environ["TULAR_LOG_LEVEL"] = "WARNING"
        if args.postgres:
            name = f"tular_trackbench_micro_{uuid.uuid4().hex[:8]}"
            pg = ["-h", "127.0.0.1", "-U", "postgres"]
            subprocess.run(["createdb", *pg, name], check=True)
            stack.callback(subprocess.run, ["dropdb", *pg, "--if-exists", "--force", name])
            os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "tular.settings"
        import django

        django.setup()
        if os.environ.get("MICRO_SSB"):  # experiment: server-side binding, prepared statements
            from django.db import connections

            connections["default"].settings_dict["OPTIONS"].update(
                server_side_binding=True, prepare_threshold=int(os.environ["MICRO_SSB"])
            )
        if args.conn_max_age is not None:
            from django.db import connections

            connections["default"].settings_dict["CONN_MAX_AGE"] = args.conn_max_age
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        from tular.participants.services import participant_enrol
        from tular.programs.rules import ProgramSettings
        from tular.programs.services import program_create
        from tular.referrals.services import track_signup
        from tular.workspaces.services import api_key_create, workspace_get_or_create
        from tular.wsgi import application

        workspace = workspace_get_or_create(slug="micro")[0]
        key = api_key_create(workspace=workspace)
        secret = key[1]
        program = program_create(workspace=workspace, config=ProgramSettings(**PROGRAM))
        referrers = [
            participant_enrol(program=program, email=f"r{i}@micro.example")[0] for i in range(20)
        ]
        customers = 200
        for i in range(customers):
            track_signup(
                workspace=workspace,
                event_id=f"seed-{i}",
                customer_external_id=f"cust-{i}",
                email=f"c{i}@micro.example",
                code=referrers[i % len(referrers)].code,
            )
        statuses = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        def call(path: str, body: dict):
            data = json.dumps(body).encode()
            environ = {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "HTTP_HOST": "127.0.0.1:8000",
                "REMOTE_ADDR": "127.0.0.1",
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(data)),
                "HTTP_AUTHORIZATION": f"Bearer {secret}",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(data),
            }
            answer = b"".join(application(environ, start_response))
            if not statuses[-1].startswith("201"):
                raise SystemExit(f"{path}: {statuses[-1]} {answer[:300]!r}")

        counter = iter(range(10**9))

        def sale():
            n = next(counter)
            call(
                "/api/v1/track/sale",
                {
                    "event_id": f"s-{n}",
                    "customer_external_id": f"cust-{n % customers}",
                    "amount": 1000000 + (n % 7) * 250000,
                    "currency": "IDR",
                    "invoice_id": f"inv-{n}",
                },
            )

        def signup():
            n = next(counter)
            call(
                "/api/v1/track/signup",
                {
                    "event_id": f"u-{n}",
                    "code": referrers[n % len(referrers)].code,
                    "customer": {"external_id": f"new-{n}", "email": f"n{n}@micro.example"},
                },
            )

        for kind, one in (("sale", sale), ("signup", signup)):
            for _ in range(50):
                one()
            with CaptureQueriesContext(connection) as queries:
                one()
            print(f"\n{connection.vendor} {kind}: {len(queries)} queries")
            if args.sql:
                for query in queries.captured_queries:
                    print(f"  {query['time']}  {query['sql'][:240]}")
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(lambda one=one: [one() for _ in range(args.n)])
                stats = pstats.Stats(profiler)
                if args.dump:
                    stats.dump_stats(f"{args.dump}.{kind}.prof")
                stats.sort_stats("cumulative").print_stats(args.limit)
                stats.sort_stats("tottime").print_stats(args.limit)
            backend = backend_cpu(connection)
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.n):
                one()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            backend = backend_cpu(connection) - backend
            print(
                f"{connection.vendor} {kind}: {1e6 * elapsed / args.n:,.0f} µs per event, "
                f"{1e6 * cpu / args.n:,.0f} µs of this process's CPU"
                + (
                    f", {1e6 * backend / args.n:,.0f} µs of its PostgreSQL backend's"
                    if connection.vendor == "postgresql"
                    else ""
                )
                + f" (load {os.getloadavg()[0]:.1f})"
            )
        connection.close()
    return 0


def backend_cpu(connection) -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend process so far, when
    the server runs on this machine (/proc); 0 on SQLite."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
