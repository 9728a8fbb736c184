"""In-process cost of one `GET /r/{code}` through tular.wsgi.application, without HTTP.

A fresh data dir (SQLite) or, with --postgres, a fresh database; one program and participant;
then N calls of the WSGI callable, timed, and optionally profiled. Useful to see the cost of the
fast path's own code apart from the server and the network.

    uv run python bench/fastpath_micro.py [-n 20000] [--postgres] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="tular-micro-"))
        for name in [k for k in os.environ if k.startswith("TULAR_")] + ["DATABASE_URL"]:
            os.environ.pop(name, None)
        os.environ["TULAR_DATA_DIR"] = tmp
        os.environ["TULAR_LOG_LEVEL"] = "WARNING"
        if args.postgres:
            name = f"tular_micro_{uuid.uuid4().hex[:8]}"
            pg = ["-h", "127.0.0.1", "-U", "postgres"]
            subprocess.run(["createdb", *pg, name], check=True)
            stack.callback(subprocess.run, ["dropdb", *pg, "--if-exists", "--force", name])
            os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "tular.settings"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        from tular.participants.services import participant_enrol
        from tular.programs.models import Program
        from tular.workspaces.services import workspace_get_or_create
        from tular.wsgi import application

        workspace = workspace_get_or_create(slug="micro")[0]
        program = Program.objects.create(
            workspace=workspace,
            slug="micro",
            name="Micro",
            kind="customer",
            currency="IDR",
            destination_url="https://toko.example/daftar",
            allowed_hosts=["toko.example"],
            attribution={"model": "last_touch", "window_days": 30},
        )
        participant, _ = participant_enrol(program=program, email="micro@example.com")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": f"/r/{participant.code}",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "wrk",
            "wsgi.url_scheme": "http",
            "wsgi.input": None,
        }
        statuses = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        def run(count):
            for _ in range(count):
                application(dict(environ), start_response)

        run(200)
        assert statuses[-1].startswith("302"), statuses[-1]
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(run, args.n)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        started = time.perf_counter()
        run(args.n)
        elapsed = time.perf_counter() - started
        vendor = connection.vendor
        connection.close()
        print(f"{vendor}: {1e6 * elapsed / args.n:.1f} µs per redirect ({args.n} calls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
