"""The `tular` command (api-v1.md, Command line): up, serve, worker, apikey, manage.

`tular up` starts quickly by doing each piece of work once: Django is set up once, in this
process, and the server and the worker are forked from it (they inherit everything imported);
the server child is forked first and loads the web application while this process prepares
the database (migrations only when one is unapplied, the bootstrap, the demo); the worker
starts once the server answers. Both children run in their own process groups, so a Ctrl-C in
the terminal reaches only this process, which stops the server and then lets the worker finish
its current task (bench/startup.py measures all of it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
import time
import urllib.request

from tular import config as tular_config

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# How long a stopping child may take before it is killed: the server drains its requests, the
# worker finishes the task it is running.
SERVER_STOP_SECONDS = 10
WORKER_STOP_SECONDS = 30


def fail(message: str, code: int = 2) -> int:
    print(f"tular: {message}", file=sys.stderr)
    return code


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    import django

    django.setup()


class CommandFailed(Exception):
    """Stops a command with one line on stderr and exit status 2."""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def unapplied_migrations() -> list:
    """The migrations the database still lacks: the migration executor's plan, which reads the
    migration files and the django_migrations table and touches nothing else."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandFailed(f"cannot use the database: {_first_line(exc)}") from None


def migrate(plan: list | None = None) -> bool:
    """Apply what is unapplied (`plan`, or the executor's plan); nothing runs (no migrate
    command, no post-migrate signals) when the database is up to date. True when migrations
    were applied."""
    from django.core.management import call_command
    from django.db import DatabaseError

    if not (unapplied_migrations() if plan is None else plan):
        return False
    try:
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:
        raise CommandFailed(f"cannot use the database: {_first_line(exc)}") from None
    return True


def require_migrated() -> None:
    pending = unapplied_migrations()
    if pending:
        raise CommandFailed(
            f"the database is not migrated ({len(pending)} migrations to apply); "
            "run `tular up` or `tular manage migrate` first"
        )


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


# ---------------------------------------------------------------- child processes


class Child:
    """A child forked from this process, so it starts with everything already imported.

    It runs in its own process group: a terminal's Ctrl-C (sent to the foreground group) does
    not reach it, only the supervisor decides when it stops. It ignores SIGINT, stops on
    SIGTERM, and gets SIGTERM when the supervisor dies (Linux), so it is never left behind.
    """

    def __init__(self, name: str, target, *args):
        import multiprocessing

        self.name = name
        self.process = multiprocessing.get_context("fork").Process(
            target=_child_main, args=(os.getpid(), target, args), name=f"tular-{name}"
        )

    def start(self) -> None:
        self.process.start()
        # Both sides set the group (as shells do), so no Ctrl-C can slip in between.
        with contextlib.suppress(OSError):
            os.setpgid(self.process.pid, self.process.pid)

    def running(self) -> bool:
        return self.process.is_alive()

    @property
    def exit_code(self) -> int | None:
        return self.process.exitcode

    def stop(self, timeout: float) -> None:
        if self.process.pid is None:
            return
        if self.process.is_alive():
            with contextlib.suppress(OSError):
                os.kill(self.process.pid, signal.SIGTERM)
        self.process.join(timeout)
        if self.process.is_alive():
            print(f"tular: the {self.name} did not stop in {timeout:.0f} s; killing it", flush=True)
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.join()


def _child_main(parent_pid: int, target, args) -> None:
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _stop_with_parent()
    if os.getppid() != parent_pid:  # the supervisor died before we could ask for the signal
        sys.exit(0)
    sys.exit(target(*args) or 0)


def _stop_with_parent() -> None:
    """Ask Linux for a SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


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
    from django.db import connections

    # The server loads the web application while this process prepares the database; it
    # starts listening once told the database is ready (a byte on the pipe; EOF: give up).
    ready_read, ready_write = os.pipe()
    server = Child("server", _serve_when_ready, ready_read, ready_write, args.host, args.port)
    server.start()
    os.close(ready_read)
    try:
        print("Tular: preparing the database…", flush=True)
        from tular.workspaces.bootstrap import ManagerLogin

        login = ManagerLogin()
        plan = unapplied_migrations()
        if any((m.app_label, m.name) == ("auth", "0001_initial") for m, _backwards in plan):
            login.start_hashing()  # a new database: the manager is created after migrating
        migrate(plan)
        for line in prepare(demo=args.demo, login=login):
            print(line, flush=True)
        connections.close_all()  # the children open their own
        with contextlib.suppress(BrokenPipeError):  # the server died: supervise() reports it
            os.write(ready_write, b"1")
    except BaseException:
        server.stop(timeout=SERVER_STOP_SECONDS)
        raise
    finally:
        os.close(ready_write)
    worker = None
    if "ImmediateBackend" not in settings.TASKS["default"]["BACKEND"]:
        worker = Child("worker", _run_worker)
    return supervise(
        server=server,
        worker=worker,
        url=settings.TULAR_PUBLIC_URL,
        health_host=args.host,
        health_port=args.port,
    )


def prepare(*, demo: bool, login=None):
    """The default workspace, the first manager and, with --demo, the demo: a line for each
    thing done, as it is done."""
    from tular.workspaces.bootstrap import bootstrap

    result = bootstrap(login=login)
    yield from result.messages
    if demo:
        from tular.demo.loader import load_demo

        yield load_demo(workspace=result.workspace)


def _serve_when_ready(ready_fd: int, write_end: int, host: str, port: int) -> int:
    os.close(write_end)  # only `up` writes: its exit (or death) must reach us as EOF
    load_server()
    with os.fdopen(ready_fd, "rb") as ready:
        if ready.read(1) != b"1":
            return 0  # `up` stopped before the database was ready
    return run_server(host=host, port=port)


def _run_worker() -> int:
    from tular.core.worker import run_worker

    return run_worker()


def supervise(*, server: Child, worker: Child | None, url: str, health_host: str, health_port: int):
    """Run until Ctrl-C/SIGTERM or until a child dies; then stop the server, then the worker
    (which finishes the task it is running)."""
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
            for child in (server, worker) if announced and worker else (server,):
                if not child.running() and not stopping:
                    print(
                        f"tular: the {child.name} stopped unexpectedly (exit {child.exit_code}); "
                        "shutting down",
                        file=sys.stderr,
                    )
                    exit_code = 1
                    stopping = True
            if not announced and not stopping and healthy(probe_host, health_port):
                print(
                    f"Tular is running at {url}  (start page: {url}/, API docs: "
                    f"{url}/api/v1/docs, admin: {url}/admin/). Press Ctrl-C to stop.",
                    flush=True,
                )
                announced = True
                if worker is not None:  # background work waits until the server answers
                    worker.start()
            time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        server.stop(timeout=SERVER_STOP_SECONDS)
        if worker is not None:
            worker.stop(timeout=WORKER_STOP_SECONDS)
    for child in (server, worker):
        if child is not None and child.exit_code not in (None, 0) and exit_code == 0:
            print(f"tular: the {child.name} exited with status {child.exit_code}", file=sys.stderr)
            exit_code = 1
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
    try:
        require_migrated()
    except CommandFailed as exc:
        if not str(exc).startswith("cannot use the database"):
            raise
        # The server starts anyway: it answers 503 until the database is back.
        print(f"tular: {exc}; serving anyway, requests fail until it answers", file=sys.stderr)
    load_server()
    return run_server(
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        access_log=args.access_log,
    )


def load_server() -> None:
    """What a server process needs before it can answer: the WSGI application (Django's
    handler, the middleware, the URL map without the parts loaded in the background) and the
    translations. Granian's workers are forked from this process and inherit it."""
    from importlib import import_module

    from django.db import connections
    from django.utils import translation

    import_module("tular.wsgi")
    import_module("tular.urls")

    for language in ("id", "en"):
        with translation.override(language):  # activating a language loads its catalogues
            pass
    connections.close_all()  # no connection may be shared with the forked workers


def run_server(
    *, host: str, port: int, workers: int = 0, threads: int = 0, access_log: bool = False
) -> int:
    from django.conf import settings
    from granian import Granian
    from granian.constants import Interfaces

    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    # Measured (bench/README.md): SQLite has one writer at a time, and one process with two
    # threads beat more processes, whose writers wait on each other in SQLite's busy handler
    # (which sleeps in milliseconds). PostgreSQL scales with processes; two threads each
    # overlap the database's answers, and more only fight over the GIL (bench/track.py on 2
    # cores: track/sale 280/s with 4 threads, 352/s with 2; the redirect the same).
    workers = workers or (1 if sqlite else (os.cpu_count() or 1))
    threads = threads or 2
    Granian(
        # A factory: each granian worker loads the rest of the URL map in the background once
        # it can answer (tular.wsgi.serving_application).
        target="tular.wsgi:serving_application",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=workers,
        blocking_threads=threads,
        backlog=2048,
        log_access=access_log,
        respawn_failed_workers=True,
        workers_kill_timeout=SERVER_STOP_SECONDS,
    ).serve()
    return 0


def cmd_worker(args) -> int:
    setup_django()
    require_migrated()
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
    key, raw = api_key_create(
        workspace=workspace, publishable=args.publishable, name=args.name, actor=_cli_actor()
    )
    kind = "publishable" if args.publishable else "secret"
    if created:
        print(f"Created workspace '{workspace.slug}'.")
    print(
        f"New {kind} API key {key.prefix}… for workspace '{workspace.slug}'. "
        "It is shown only once; store it now:"
    )
    print(raw)
    return 0


def _cli_actor():
    from tular.workspaces.audit import Actor

    return Actor.system("tular apikey (command line)")


def _existing_workspace(slug: str):
    from tular.workspaces.models import Workspace

    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise CommandFailed(f"no workspace '{slug}'")
    return workspace


def cmd_apikey_list(args) -> int:
    setup_django()
    require_migrated()
    from tular.workspaces.services import api_key_list

    keys = api_key_list(workspace=_existing_workspace(args.workspace))
    if not keys:
        print(f"No API keys in workspace '{args.workspace}'; make one with `tular apikey create`.")
        return 0
    rows = [
        (
            str(key.pk),
            f"{key.prefix}…",
            key.name or "-",
            "publishable" if key.publishable else "secret",
            _when(key.created_at),
            _when(key.revoked_at) if key.revoked_at else "-",
        )
        for key in keys
    ]
    print_table(("id", "prefix", "name", "kind", "created", "revoked"), rows)
    return 0


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def cmd_apikey_revoke(args) -> int:
    setup_django()
    require_migrated()
    from tular.core.errors import Conflict, NotFound
    from tular.workspaces.services import api_key_revoke

    workspace = _existing_workspace(args.workspace)
    try:
        key = api_key_revoke(workspace=workspace, key_id_or_prefix=args.key, actor=_cli_actor())
    except (NotFound, Conflict) as exc:
        return fail(str(exc))
    print(f"Revoked API key {key.pk} ({key.prefix}…) of workspace '{workspace.slug}'.")
    return 0


# ---------------------------------------------------------------- manage


def cmd_manage(arguments: list[str]) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tular manage", *arguments])
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
        help="threads per process (default: 2)",
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
    listing = apikey_commands.add_parser("list", help="the workspace's keys, revoked ones too")
    listing.add_argument("--workspace", default="default", help="workspace slug (default)")
    listing.set_defaults(handler=cmd_apikey_list)
    revoke = apikey_commands.add_parser("revoke", help="revoke a key: it stops working at once")
    revoke.add_argument("key", metavar="ID_OR_PREFIX", help="the key's id or prefix (see list)")
    revoke.add_argument("--workspace", default="default", help="workspace slug (default)")
    revoke.set_defaults(handler=cmd_apikey_revoke)

    # Shown in `tular --help`; main() hands everything after `manage` to Django untouched, so
    # `tular manage --help` is Django's help.
    commands.add_parser("manage", help="run a Django management command (ARGS… as Django's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["manage"]:
        args, handler = argv[1:], cmd_manage
    else:
        parsed = build_parser().parse_args(argv)
        port = getattr(parsed, "port", None)
        if port is not None and not 0 < port < 65536:
            return fail(f"--port must be between 1 and 65535, got {port}")
        args, handler = parsed, parsed.handler
    try:
        tular_config.load()
    except tular_config.ConfigError as exc:
        return fail(f"configuration error: {exc}")
    try:
        return handler(args)
    except CommandFailed as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        print("Tular stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
