"""The `tular` command (api-v1.md, Command line): up, serve, worker, apikey create, manage."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tular import config as tular_config

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def fail(message: str, code: int = 2) -> int:
    print(f"tular: {message}", file=sys.stderr)
    return code


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    import django

    django.setup()


class DatabaseUnavailable(Exception):
    pass


def migrate() -> None:
    from django.core.management import call_command
    from django.db import OperationalError

    try:
        call_command("migrate", interactive=False, verbosity=0)
    except OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot use the database: {first_line}") from None


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def public_url_for(host: str, port: int) -> str:
    shown = "localhost" if host in {"0.0.0.0", "::", "127.0.0.1"} else host  # noqa: S104
    return f"http://{shown}:{port}"


# ---------------------------------------------------------------- up


def cmd_up(args) -> int:
    if port_in_use(args.host, args.port):
        return fail(f"port {args.port} on {args.host} is already in use; pick another with --port")
    if not os.environ.get("TULAR_PUBLIC_URL"):
        # Referral links point at this server unless the operator says otherwise; the
        # children inherit it, so links are right from the first request.
        os.environ["TULAR_PUBLIC_URL"] = public_url_for(args.host, args.port)
    setup_django()
    from django.conf import settings

    from tular.core.bootstrap import bootstrap

    print("Tular: preparing the database…", flush=True)
    migrate()
    result = bootstrap(demo=args.demo)
    for line in result.messages:
        print(line, flush=True)

    children = {
        "server": [
            sys.executable,
            "-m",
            "tular.cli",
            "serve",
            "--host",
            args.host,
            "--port",
            str(args.port),
        ],
    }
    if "ImmediateBackend" not in settings.TASKS["default"]["BACKEND"]:
        children["worker"] = [sys.executable, "-m", "tular.cli", "worker"]
    return supervise(
        children, url=settings.TULAR_PUBLIC_URL, health_port=args.port, health_host=args.host
    )


def supervise(
    commands: dict[str, list[str]], *, url: str, health_host: str, health_port: int
) -> int:
    """Run the children until Ctrl-C/SIGTERM or until one dies; stop them all cleanly."""
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}  # noqa: S603
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    announced = False
    probe_host = "127.0.0.1" if health_host in {"0.0.0.0", "::"} else health_host  # noqa: S104
    exit_code = 0
    try:
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    time.sleep(0.3)  # a Ctrl-C reaches the children too; let ours land first
                    if stopping:
                        break
                    print(
                        f"tular: the {name} stopped unexpectedly (exit {process.returncode}); "
                        "shutting down",
                        file=sys.stderr,
                    )
                    exit_code = 1
                    stopping = True
            if not announced and not stopping and healthy(probe_host, health_port):
                print(
                    f"Tular is running at {url}  (console: {url}/admin/, API docs: "
                    f"{url}/api/v1/docs). Press Ctrl-C to stop.",
                    flush=True,
                )
                announced = True
            time.sleep(0.2)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    print("Tular stopped.", flush=True)
    return exit_code


def healthy(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


# ---------------------------------------------------------------- serve / worker


def cmd_serve(args) -> int:
    if port_in_use(args.host, args.port):
        return fail(f"port {args.port} on {args.host} is already in use; pick another with --port")
    setup_django()
    from django.conf import settings
    from granian import Granian
    from granian.constants import Interfaces

    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    # Measured (bench/README.md): SQLite has one writer at a time, and one process with two
    # threads beat more processes, whose writers wait on each other in SQLite's busy handler
    # (which sleeps in milliseconds). PostgreSQL scales with processes.
    workers = args.workers or (1 if sqlite else (os.cpu_count() or 1))
    threads = args.threads or (2 if sqlite else 4)
    Granian(
        target="tular.wsgi:application",
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=workers,
        blocking_threads=threads,
        backlog=2048,
        log_access=args.access_log,
        respawn_failed_workers=True,
        workers_kill_timeout=10,
    ).serve()
    return 0


def cmd_worker(args) -> int:
    setup_django()
    from tular.core.worker import run_worker

    return run_worker(interval=args.interval)


# ---------------------------------------------------------------- apikey


def cmd_apikey_create(args) -> int:
    setup_django()
    migrate()
    from tular.workspaces.services import api_key_create, workspace_get_or_create

    try:
        workspace, created = workspace_get_or_create(slug=args.workspace)
    except ValueError as exc:
        return fail(str(exc))
    key, raw = api_key_create(workspace=workspace, publishable=args.publishable, name=args.name)
    kind = "publishable" if args.publishable else "secret"
    if created:
        print(f"Created workspace '{workspace.slug}'.")
    print(
        f"New {kind} API key {key.prefix}… for workspace '{workspace.slug}'. "
        "It is shown only once; store it now:"
    )
    print(raw)
    return 0


def cmd_manage(args) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tular manage", *args.args])
    return 0


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tular", description="Tular: referral, affiliate and partner programs."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def address(sub):
        sub.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (127.0.0.1)")
        sub.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (8000)")

    up = commands.add_parser("up", help="migrate, bootstrap and run server + worker")
    address(up)
    up.add_argument("--demo", action="store_true", help="load demo programs (IDR, Indonesian)")
    up.set_defaults(handler=cmd_up)

    serve = commands.add_parser("serve", help="run the web server only")
    address(serve)
    serve.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes (default: 1 on SQLite, one per CPU on PostgreSQL)",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads per process (default: 2 on SQLite, 4 on PostgreSQL)",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="run the background worker only")
    worker.add_argument("--interval", type=float, default=1.0, help="poll interval in seconds")
    worker.set_defaults(handler=cmd_worker)

    apikey = commands.add_parser("apikey", help="manage API keys")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    create = apikey_commands.add_parser("create", help="print a new API key (last line)")
    create.add_argument("--workspace", default="default", help="workspace slug (default)")
    create.add_argument(
        "--publishable",
        action="store_true",
        help="a key that may only record clicks, safe in web pages",
    )
    create.add_argument("--name", default="", help="a label for the key")
    create.set_defaults(handler=cmd_apikey_create)

    manage = commands.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "port", 1) is not None and not 0 < getattr(args, "port", 1) < 65536:
        return fail(f"--port must be between 1 and 65535, got {args.port}")
    try:
        tular_config.load()
    except tular_config.ConfigError as exc:
        return fail(f"configuration error: {exc}")
    try:
        return args.handler(args)
    except DatabaseUnavailable as exc:
        return fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
