"""Chaos: N x `tular serve` behind nginx and M x `tular worker` on PostgreSQL, under mixed
traffic, while one server and one worker are killed with SIGKILL every few seconds and
restarted. Then the books are checked. Loopback only, bounded in time.

The topology is docs/deploy.md's: nginx (deploy/nginx.conf's upstream and retry rules) in
front of `--servers` `tular serve --workers 1` processes, `--workers` `tular worker`
processes, one PostgreSQL database `tular_chaos_<pid>_<random>` (dropped at the end).

Traffic, an open loop at `--rate` events/s for `--duration` s through nginx, over real HTTP
and the public API (api-v1.md): redirects `GET /r/CODE`, sign-ups, sales and refunds
(`POST /api/v1/track/signup|sale|refund`, 40/25/25/10 %). A sale is of a customer whose
sign-up was acknowledged, a refund (half the amount) of an acknowledged sale. The client
retries on a connection error, a timeout, a 429 or a 5xx with the same body and event_id,
for up to `--retry-seconds`: an event is **acknowledged** when a 2xx (a 302 for the
redirect) came back. Every `--kill-every` s one server (its whole process group: the
machine it ran on went away) and one worker are killed with SIGKILL, in turn, and started
again at once. Every `--poke-every` s every periodic job that no worker holds is made due
(its row's due time set to a fresh past moment): the workers race for each.

Afterwards every process is restarted cleanly, the workers are given time to finish the
due jobs (a job whose worker was killed mid-run waits out its lease), and it prints:

- acknowledged events by kind; lost (acknowledged, not in the database) and doubled (one
  event, more than one row: tracked event, referral, sale or refund);
- the ledger: every transaction sums to zero, and the balances equal the rewards by status
  (tests/rewards/books.py, the same checks as the books' state-machine test);
- periodic jobs: every due time made due ran exactly once (missing, doubled);
- tasks: none left running by a dead worker or unrun;
- the latency of acknowledged events (p50, p99) and the kills.

`--find-rate` runs the same mix with no kills at rising rates (`--rates`) for
`--step-seconds` each and prints the highest rate whose p99 stays under 200 ms, with every
step's figures ("load held").

    uv run python bench/chaos.py                  # 60 s at 200 events/s, kills every 4 s
    uv run python bench/chaos.py --quick          # 15 s at 40 events/s, for CI
    uv run python bench/chaos.py --find-rate      # the load held, p99 < 200 ms

Exit status: 1 when an acknowledged event is lost or doubled, the ledger does not balance,
a due job did not run exactly once or a task was lost; never on a rate or a latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from redirect import (  # noqa: E402
    HOST,
    PG_BASE_URL,
    Processes,
    api_post,
    ensure_tools,
    free_port,
    log,
    wait_http,
)

PROGRAM = {
    "slug": "chaos",
    "name": "Chaos",
    "kind": "customer",
    "currency": "IDR",
    "destination_url": "https://toko.example/daftar",
    "allowed_hosts": ["toko.example"],
    "attribution": {"model": "last_touch", "window_days": 30},
    # No hold: rewards wait for the worker's release job (every minute, or when poked).
    "hold_days": 0,
    "auto_approve_below": 50000000,
    "clawback_days": 60,
    "monetary_rewards_allowed": True,
    "rules": [
        {"trigger": "sale", "recipient": "referrer", "kind": "percent", "percent": "10"},
        {"trigger": "sale", "recipient": "friend", "kind": "percent", "percent": "5"},
        {"trigger": "signup", "recipient": "friend", "kind": "fixed", "amount": 2500000},
    ],
}
REFERRERS = 20
MIX = (("redirect", 40), ("signup", 25), ("sale", 25), ("refund", 10))
P99_LIMIT_MS = 200.0
IN_FLIGHT = 128  # events in flight at once, at most (one connection each)

# docs/deploy.md's nginx upstream, under a temporary prefix: GETs are retried on the other
# server by nginx's default; the track/* POSTs too (non_idempotent), which their event_id
# makes safe; every other POST is not (a retry could do it twice).
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream tular {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {host}:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_connect_timeout 2s;
        proxy_read_timeout 30s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 3;
        location /api/v1/track/ {{
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_pass http://tular;
        }}
        location / {{ proxy_pass http://tular; }}
    }}
}}
"""


# ---------------------------------------------------------------- the processes


@dataclass
class Cluster:
    """The servers, the workers and nginx, each in its own process group."""

    env: dict
    work: Path
    procs: Processes
    server_ports: list[int]
    workers: int
    servers: dict[int, subprocess.Popen] = field(default_factory=dict)
    worker_procs: dict[int, subprocess.Popen] = field(default_factory=dict)
    kills: Counter = field(default_factory=Counter)
    nginx_port: int = 0
    receiver: object = None

    @property
    def tular(self) -> list[str]:
        return [sys.executable, "-m", "tular.cli"]

    def start_server(self, index: int) -> subprocess.Popen:
        port = self.server_ports[index]
        command = [*self.tular, "serve", "--host", HOST, "--port", str(port), "--workers", "1"]
        log_path = self.work / f"serve-{index}.log"
        self.servers[index] = self.procs.start(command, env=self.env, log_path=log_path)
        return self.servers[index]

    def start_worker(self, index: int) -> subprocess.Popen:
        log_path = self.work / f"worker-{index}.log"
        self.worker_procs[index] = self.procs.start(
            [*self.tular, "worker"], env=self.env, log_path=log_path
        )
        return self.worker_procs[index]

    def wait_servers(self) -> None:
        for index, process in self.servers.items():
            port = self.server_ports[index]
            wait_http(f"http://{HOST}:{port}/healthz", process, self.work / f"serve-{index}.log")

    def start_nginx(self) -> None:
        prefix = self.work / "nginx"
        prefix.mkdir(exist_ok=True)
        self.nginx_port = free_port()
        servers = "\n".join(
            f"        server {HOST}:{port} max_fails=1 fail_timeout=1s;"
            for port in self.server_ports
        )
        conf = prefix / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(prefix=prefix, servers=servers, host=HOST, port=self.nginx_port)
        )
        command = ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "start.log")]
        nginx = self.procs.start(command, log_path=prefix / "stdout.log")
        wait_http(f"http://{HOST}:{self.nginx_port}/healthz", nginx, prefix / "stdout.log")

    def kill(self, process: subprocess.Popen, what: str) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.kills[what] += 1

    def restart_all_cleanly(self) -> None:
        for index, process in list(self.servers.items()):
            if process.poll() is not None:
                self.start_server(index)
        for index, process in list(self.worker_procs.items()):
            if process.poll() is not None:
                self.start_worker(index)
        self.wait_servers()


def answers(port: int) -> bool:
    import urllib.request

    try:
        # A loaded server answers after the requests queued before it: seconds, not never.
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


async def chaos_monkey(cluster: Cluster, stop: asyncio.Event, every: float, until: float) -> None:
    """Every `every` seconds until `until` (monotonic): SIGKILL one server and one worker (in
    turn) and start them again at once. A server is killed only once the one killed before it
    answers again: one server down at a time, as when one machine of several fails."""
    turn = 0
    while not stop.is_set() and time.monotonic() < until:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        while not stop.is_set() and not all(
            [await asyncio.to_thread(answers, port) for port in cluster.server_ports]
        ):
            await asyncio.sleep(0.2)
        if stop.is_set() or time.monotonic() >= until:
            return
        server = turn % len(cluster.servers)
        worker = turn % len(cluster.worker_procs)
        turn += 1
        cluster.kill(cluster.servers[server], "serve")
        cluster.kill(cluster.worker_procs[worker], "worker")
        cluster.start_server(server)
        cluster.start_worker(worker)


# ---------------------------------------------------------------- the webhook receiver


class Receiver:
    """A webhook receiver on loopback, in a thread: answers 204 and counts the deliveries by
    their `webhook-id` (a delivery may come twice: at least once is the promise)."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.ids: Counter = Counter()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    outer.ids[self.headers.get("webhook-id", "")] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- the database


def sql(url: str, query: str, params=()) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


async def job_poker(url: str, stop: asyncio.Event, every: float, poked: list) -> None:
    """Every `every` seconds, every periodic job that no worker holds and that is not due yet
    (its last due time was run) is made due at a fresh past moment (distinct per poke): one
    worker must run each exactly once. (A job still due is left alone: moving its due time
    would replace a due time not run yet.)"""
    base = 946684800  # 2000-01-01, far before any natural due time
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        moment = base + len(poked) + 1
        rows = await asyncio.to_thread(
            sql,
            url,
            "UPDATE core_periodicjob SET due_at = to_timestamp(%s) "
            "WHERE claimed_by = '' AND due_at > now() RETURNING name",
            (moment,),
        )
        poked.append((moment, [row[0] for row in rows]))


# ---------------------------------------------------------------- the traffic


@dataclass
class Ledger:
    """What the client sent and what was acknowledged."""

    sent: Counter = field(default_factory=Counter)
    acked: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)  # not acknowledged within the retry time
    shed: Counter = field(default_factory=Counter)  # of which never sent (the client was behind)
    attempts: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)  # ms, acknowledged events, retries included
    clicks: list = field(default_factory=list)  # click ids of acknowledged redirects
    signups: list = field(default_factory=list)  # (event_id, customer) acknowledged
    sales: list = field(default_factory=list)  # (event_id, customer, invoice, amount)
    refunds: list = field(default_factory=list)  # (event_id, invoice)
    refundable: list = field(default_factory=list)  # sales not refunded yet
    customers: list = field(default_factory=list)  # customers who can buy
    statuses: Counter = field(default_factory=Counter)


@dataclass
class Answer:
    status_code: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class MiniHttp:
    """HTTP/1.1 with keep-alive on asyncio streams: ~10x less client CPU per request than
    httpx's async client here (5.9 ms), which would otherwise be the bottleneck of the run.
    Enough for our servers and nginx: Content-Length or chunked bodies. Any error closes the
    connection and is raised (the caller retries)."""

    def __init__(self):
        self.idle: dict = defaultdict(list)
        self.open: set = set()

    async def request(self, method: str, url: str, body: bytes = b"", headers=None) -> Answer:
        parts = urlsplit(url)
        key = (parts.hostname, parts.port)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {key[0]}:{key[1]}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        conn = self.idle[key].pop() if self.idle[key] else None
        if conn is None:
            conn = await asyncio.wait_for(asyncio.open_connection(*key), 2)
            self.open.add(conn[1])
        reader, writer = conn
        try:
            writer.write(wire)
            answer, keep = await asyncio.wait_for(self._read(reader), 15)
        except BaseException:
            self._close(writer)
            raise
        if keep:
            self.idle[key].append(conn)
        else:
            self._close(writer)
        return answer

    def _close(self, writer) -> None:
        self.open.discard(writer)
        with contextlib.suppress(Exception):
            writer.close()

    @staticmethod
    async def _read(reader) -> tuple[Answer, bool]:
        line = await reader.readline()
        if not line:
            raise ConnectionResetError("closed before the answer")
        status = int(line.split()[1])
        headers = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ConnectionResetError("closed in the headers")
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = headers.get("connection", "").lower() != "close"
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readline()
            body = b"".join(chunks)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body, keep = await reader.read(), False
        return Answer(status, headers, body), keep

    async def aclose(self) -> None:
        for writer in list(self.open):
            self._close(writer)


class Client:
    def __init__(self, bases: list[str], key: str, codes: list[str], ledger: Ledger, retry: float):
        self.bases = bases
        self.codes = codes
        self.ledger = ledger
        self.retry = retry
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.http = MiniHttp()

    async def close(self) -> None:
        await self.http.aclose()

    async def _send(self, kind: str, started: float, method: str, path: str, body=None):
        """The request until it is acknowledged (2xx, or the redirect's 302) or the retry
        time is over: the same body and event_id each time. `started` is when the event was
        due: its latency includes any wait for a free connection (no coordinated omission)."""
        payload = json.dumps(body).encode() if body is not None else b""
        self.ledger.sent[kind] += 1
        delay = 0.05
        if time.monotonic() - started > self.retry:
            # Waited for a free connection longer than a client would: never sent.
            self.ledger.shed[kind] += 1
            self.ledger.failed[kind] += 1
            return None
        while True:
            self.ledger.attempts[kind] += 1
            # Through nginx one base; without it (--direct) a server at random each attempt.
            url = random.choice(self.bases) + path
            try:
                if method == "GET":
                    response = await self.http.request("GET", url)
                else:
                    response = await self.http.request("POST", url, payload, self.headers)
                self.ledger.statuses[response.status_code] += 1
                ok = 200 <= response.status_code < 300 or (
                    kind == "redirect" and response.status_code == 302
                )
                if ok:
                    self.ledger.acked[kind] += 1
                    self.ledger.latencies.append(1000 * (time.monotonic() - started))
                    return response
                if response.status_code not in (429, 500, 502, 503, 504):
                    self.ledger.failed[kind] += 1
                    log(f"{kind}: {response.status_code} {response.text[:300]}")
                    return None
            except (OSError, TimeoutError, EOFError, ValueError, IndexError) as exc:
                self.ledger.statuses[type(exc).__name__] += 1
            if time.monotonic() - started + delay > self.retry:
                self.ledger.failed[kind] += 1
                return None
            await asyncio.sleep(delay)
            delay = min(1.0, delay * 2)

    async def redirect(self, started: float) -> None:
        code = random.choice(self.codes)
        response = await self._send("redirect", started, "GET", f"/r/{code}")
        if response is not None:
            query = parse_qs(urlsplit(response.headers["location"]).query)
            self.ledger.clicks.append(query["tular_click"][0])

    async def signup(self, started: float) -> None:
        customer = f"cus_{uuid.uuid4().hex[:16]}"
        event_id = f"signup-{uuid.uuid4().hex}"
        body = {
            "event_id": event_id,
            "code": random.choice(self.codes),
            "customer": {"external_id": customer, "email": f"{customer}@example.com"},
        }
        if await self._send("signup", started, "POST", "/api/v1/track/signup", body) is not None:
            self.ledger.signups.append((event_id, customer))
            self.ledger.customers.append(customer)

    async def sale(self, started: float) -> None:
        if not self.ledger.customers:
            return await self.signup(started)
        customer = random.choice(self.ledger.customers)
        invoice = f"inv_{uuid.uuid4().hex[:16]}"
        amount = random.randrange(10_000, 5_000_000) * 100
        event_id = f"sale-{uuid.uuid4().hex}"
        body = {
            "event_id": event_id,
            "customer_external_id": customer,
            "amount": amount,
            "currency": "IDR",
            "invoice_id": invoice,
        }
        if await self._send("sale", started, "POST", "/api/v1/track/sale", body) is not None:
            self.ledger.sales.append((event_id, customer, invoice, amount))
            self.ledger.refundable.append((customer, invoice, amount))
        return None

    async def refund(self, started: float) -> None:
        if not self.ledger.refundable:
            return await self.sale(started)
        customer, invoice, amount = self.ledger.refundable.pop(
            random.randrange(len(self.ledger.refundable))
        )
        event_id = f"refund-{uuid.uuid4().hex}"
        body = {
            "event_id": event_id,
            "customer_external_id": customer,
            "invoice_id": invoice,
            "amount": amount // 2,
            "currency": "IDR",
        }
        if await self._send("refund", started, "POST", "/api/v1/track/refund", body) is not None:
            self.ledger.refunds.append((event_id, invoice))
        return None


async def drive(client: Client, *, rate: float, seconds: float) -> float:
    """An open loop: one event every 1/rate s whatever the answers; returns the seconds the
    sending took (every event started, then every one answered or given up)."""
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    actions = {
        "redirect": client.redirect,
        "signup": client.signup,
        "sale": client.sale,
        "refund": client.refund,
    }
    # At most IN_FLIGHT events at once: past that an event waits its turn (and its latency,
    # counted from when it was due, shows it); an unbounded pile of waiting requests would
    # cost the client more CPU than the servers (httpx's pool scans its waiters).
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(action, due: float) -> None:
        async with slots:
            await action(due)

    tasks = set()
    started = time.monotonic()
    count = int(rate * seconds)
    for n in range(count):
        due = started + n / rate
        pause = due - time.monotonic()
        # Always yield to the loop, even when behind: the answers must be read meanwhile.
        await asyncio.sleep(max(0.0, pause))
        task = asyncio.create_task(one(actions[random.choices(kinds, weights)[0]], due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    sending = time.monotonic() - started
    if tasks:
        await asyncio.wait(tasks)
    return sending


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# ---------------------------------------------------------------- the checks


def check_events(url: str, ledger: Ledger) -> dict:
    """Lost: acknowledged but not in the database. Doubled: more than one row for one event."""

    def count_by(query: str, keys: list[str]) -> dict:
        if not keys:
            return {}
        return dict(sql(url, query, (keys,)))

    lost = Counter()
    doubled = Counter()
    clicks = count_by(
        "SELECT id::text, count(*) FROM tracking_click WHERE id = ANY(%s::uuid[]) GROUP BY id",
        ledger.clicks,
    )
    lost["redirect"] = sum(1 for click in ledger.clicks if click not in clicks)
    events = [e for e, *_ in ledger.signups + ledger.sales + ledger.refunds]
    tracked = count_by(
        "SELECT event_id, count(*) FROM referrals_trackedevent WHERE event_id = ANY(%s) "
        "GROUP BY event_id",
        events,
    )
    customers = count_by(
        "SELECT customer_external_id, count(*) FROM referrals_referral "
        "WHERE customer_external_id = ANY(%s) GROUP BY customer_external_id",
        [customer for _, customer in ledger.signups],
    )
    invoices = count_by(
        "SELECT invoice_id || ':' || kind, count(*) FROM referrals_conversion "
        "WHERE invoice_id = ANY(%s) GROUP BY invoice_id, kind",
        [invoice for _, _, invoice, _ in ledger.sales],
    )
    for event_id, customer in ledger.signups:
        lost["signup"] += tracked.get(event_id, 0) == 0 or customers.get(customer, 0) == 0
        doubled["signup"] += tracked.get(event_id, 0) > 1 or customers.get(customer, 0) > 1
    for event_id, _, invoice, _ in ledger.sales:
        rows = invoices.get(f"{invoice}:sale", 0)
        lost["sale"] += tracked.get(event_id, 0) == 0 or rows == 0
        doubled["sale"] += tracked.get(event_id, 0) > 1 or rows > 1
    refunded = Counter(invoice for _, invoice in ledger.refunds)
    for event_id, invoice in ledger.refunds:
        rows = invoices.get(f"{invoice}:refund", 0)
        lost["refund"] += tracked.get(event_id, 0) == 0 or rows == 0
        doubled["refund"] += tracked.get(event_id, 0) > 1 or rows > refunded[invoice]
    # Rewards: at most one per sale and rule (two sale rules here), one per sign-up's friend.
    doubled["rewards"] = sql(
        url,
        "SELECT count(*) FROM (SELECT conversion_id, rule_index FROM rewards_reward "
        "WHERE conversion_id IS NOT NULL GROUP BY conversion_id, rule_index "
        "HAVING count(*) > 1) AS twice",
    )[0][0]
    return {"lost": lost, "doubled": doubled}


def check_books(env: dict) -> tuple[bool, str]:
    """tests/rewards/books.py's invariants, run against the chaos database."""
    for name, value in env.items():
        if name.startswith("TULAR_") or name == "DATABASE_URL":
            os.environ[name] = value
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tular.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count
    from tests.rewards.books import assert_books_agree, assert_ledger_balances

    from tular.programs.models import Program
    from tular.rewards.models import LedgerTransaction, Reward

    try:
        assert_ledger_balances()
        for program in Program.objects.all():
            assert_books_agree(program)
    except AssertionError as exc:
        return False, f"NOT balanced: {exc!s:.500}"
    transactions = LedgerTransaction.objects.count()
    by_status = dict(
        Reward.objects.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return True, f"{transactions} transactions, rewards by status {by_status}"


def check_jobs(url: str, poked: list) -> dict:
    runs = Counter(
        (job, int(due.timestamp()))
        for job, due in sql(url, "SELECT job, due_at FROM core_periodicjobrun")
    )
    expected = [(job, moment) for moment, jobs in poked for job in jobs]
    doubled_anywhere = sum(1 for count in runs.values() if count > 1)
    return {
        "due": len(expected),
        "once": sum(1 for key in expected if runs.get(key) == 1),
        "missing": sum(1 for key in expected if runs.get(key, 0) == 0),
        "doubled": sum(1 for key in expected if runs.get(key, 0) > 1) + doubled_anywhere,
        "runs": sum(runs.values()),
    }


def unfinished_jobs(url: str, poked: list) -> int:
    expected = {(job, moment) for moment, jobs in poked for job in jobs}
    done = {
        (job, int(due.timestamp()))
        for job, due in sql(url, "SELECT job, due_at FROM core_periodicjobrun")
    }
    return len(expected - done)


# A pending delivery that nothing will retry: neither its lease (an attempt under way, or a
# worker that died in it: webhooks.delivery.LEASE, 5 minutes) nor its next attempt is ahead.
OVERDUE = (
    "status = 'pending' AND (leased_until IS NULL OR leased_until < now()) "
    "AND next_attempt_at < now() - interval '20 seconds'"
)


def pending_deliveries(url: str) -> int:
    """Deliveries not done yet that are not waiting for a lease or a retry time."""
    return sql(url, f"SELECT count(*) FROM webhooks_delivery WHERE {OVERDUE}")[0][0]


def check_webhooks(url: str, receiver: Receiver) -> dict:
    by_status = dict(sql(url, "SELECT status, count(*) FROM webhooks_delivery GROUP BY status"))
    referrals = sql(url, "SELECT count(*) FROM referrals_referral")[0][0]
    waiting = sql(
        url,
        "SELECT count(*) FROM webhooks_delivery WHERE status = 'pending' AND "
        "(leased_until > now() OR next_attempt_at > now())",
    )[0][0]
    received = {key for key in receiver.ids if key}
    return {
        "deliveries": sum(by_status.values()),
        "by_status": by_status,
        "referrals": referrals,
        "waiting": waiting,
        "overdue": sql(url, f"SELECT count(*) FROM webhooks_delivery WHERE {OVERDUE}")[0][0],
        "received": len(received),
        "again": sum(count - 1 for count in receiver.ids.values() if count > 1),
    }


def unfinished_tasks(url: str) -> int:
    """Tasks running, or ready to run now (not those waiting for a later retry)."""
    return sql(
        url,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' OR "
        "(status = 'READY' AND (run_after <= now() OR run_after > now() + interval '100 years'))",
    )[0][0]


# ---------------------------------------------------------------- one run


@contextlib.contextmanager
def chaos_database():
    name = f"tular_chaos_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = f"{PG_BASE_URL}/postgres"
    sql(admin, f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_BASE_URL}/{name}"
    finally:
        sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def cluster_up(args, work: Path):
    procs = Processes()
    with chaos_database() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TULAR_", "DJANGO_"))}
        env.update(
            DATABASE_URL=url,
            TULAR_DATA_DIR=str(work / "data"),
            TULAR_LOG_LEVEL="WARNING",
            TULAR_SECRET_KEY="chaos-" + "x" * 40,
            # One key drives the whole run: no rate limit in the way of the measure.
            TULAR_API_RATE_LIMIT="10000000/min",
            TULAR_REDIRECT_CACHE_SECONDS="2",
            # The webhook receiver is this process, on loopback.
            TULAR_WEBHOOKS_ALLOW_PRIVATE="true",
        )
        tular = [sys.executable, "-m", "tular.cli"]
        created = subprocess.run(
            [*tular, "apikey", "create"], env=env, capture_output=True, text=True, check=True
        )
        key = created.stdout.strip().splitlines()[-1]
        cluster = Cluster(
            env=env,
            work=work,
            procs=procs,
            server_ports=[free_port() for _ in range(args.servers)],
            workers=args.workers,
        )
        try:
            for index in range(args.servers):
                cluster.start_server(index)
            for index in range(args.workers):
                cluster.start_worker(index)
            cluster.wait_servers()
            if args.direct:
                bases = [f"http://{HOST}:{port}" for port in cluster.server_ports]
            else:
                cluster.start_nginx()
                bases = [f"http://{HOST}:{cluster.nginx_port}"]
            base = bases[0]
            api_post(base, key, "/api/v1/programs", PROGRAM)
            # Every sign-up's referral.created goes out as a webhook: tasks for the workers,
            # killed while they deliver.
            receiver = Receiver()
            cluster.receiver = receiver
            api_post(
                base,
                key,
                "/api/v1/webhook-endpoints",
                {"url": f"http://{HOST}:{receiver.port}/hook", "events": ["referral.created"]},
            )
            codes = [
                api_post(
                    base,
                    key,
                    "/api/v1/participants",
                    {"program": "chaos", "external_id": f"ref_{n}", "email": f"ref{n}@example.com"},
                )["code"]
                for n in range(REFERRERS)
            ]
            yield cluster, url, bases, key, codes
        finally:
            procs.stop_all()
            if cluster.receiver is not None:
                cluster.receiver.close()


async def _run_chaos(args, cluster: Cluster, url: str, bases, key: str, codes: list) -> dict:
    ledger = Ledger()
    client = Client(bases, key, codes, ledger, args.retry_seconds)
    stop = asyncio.Event()
    poked: list = []
    helpers = [asyncio.create_task(job_poker(url, stop, args.poke_every, poked))]
    if args.kill_every > 0:
        until = time.monotonic() + args.duration
        helpers.append(asyncio.create_task(chaos_monkey(cluster, stop, args.kill_every, until)))
    try:
        sending = await drive(client, rate=args.rate, seconds=args.duration)
    finally:
        stop.set()
        await asyncio.gather(*helpers)
        await client.close()
    return {"ledger": ledger, "poked": poked, "sending": sending}


def nginx_errors(work: Path) -> None:
    """What nginx said of the upstreams, by kind (why a 502 was answered)."""
    path = work / "nginx" / "error.log"
    if not path.exists():
        return
    kinds = Counter()
    for line in path.read_text(errors="replace").splitlines():
        message = line.split("] ", 1)[-1].split(": ", 1)[-1]
        message = message.split(" ", 1)[-1] if message.startswith("*") else message
        kinds[message.split(" while ")[0].split(",")[0][:80]] += 1
    for message, count in kinds.most_common(4):
        log(f"nginx: {count} x {message}")


def run_chaos(args) -> dict:
    """One chaos run; returns its figures and the checks (also printed)."""
    ensure_tools()
    work = Path(tempfile.mkdtemp(prefix="tular-chaos-"))
    try:
        with cluster_up(args, work) as (cluster, url, bases, key, codes):
            log(
                f"{args.servers} serve + {args.workers} worker, the client to {' '.join(bases)}"
                f"; {args.duration:g} s at {args.rate:g} events/s, kills every "
                f"{args.kill_every:g} s"
            )
            began = time.monotonic()
            outcome = asyncio.run(_run_chaos(args, cluster, url, bases, key, codes))
            elapsed = time.monotonic() - began
            ledger: Ledger = outcome["ledger"]
            cluster.restart_all_cleanly()
            # The due jobs a killed worker held wait out their lease; then all are done.
            deadline = time.monotonic() + args.drain_seconds
            while time.monotonic() < deadline and (
                unfinished_jobs(url, outcome["poked"])
                or unfinished_tasks(url)
                or pending_deliveries(url)
            ):
                time.sleep(1)
            events = check_events(url, ledger)
            jobs = check_jobs(url, outcome["poked"])
            tasks_left = unfinished_tasks(url)
            webhooks = check_webhooks(url, cluster.receiver)
            books_ok, books = check_books(cluster.env)
            nginx_errors(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    acked = sum(ledger.acked.values())
    lost = sum(events["lost"].values())
    doubled = sum(events["doubled"].values())
    result = {
        "acknowledged": acked,
        "acked_by_kind": dict(ledger.acked),
        "sent": sum(ledger.sent.values()),
        "not_acknowledged": sum(ledger.failed.values()),
        "shed": sum(ledger.shed.values()),
        "retries": sum(ledger.attempts.values())
        - (sum(ledger.sent.values()) - sum(ledger.shed.values())),
        "lost": lost,
        "doubled": doubled,
        "books_ok": books_ok,
        "books": books,
        "jobs": jobs,
        "tasks_left": tasks_left,
        "webhooks": webhooks,
        "kills": dict(cluster.kills),
        "rate": acked / elapsed if elapsed else 0.0,
        "p50_ms": percentile(ledger.latencies, 0.50),
        "p99_ms": percentile(ledger.latencies, 0.99),
        "statuses": dict(ledger.statuses),
    }
    result["ok"] = (
        lost == 0
        and doubled == 0
        and books_ok
        and jobs["missing"] == 0
        and jobs["doubled"] == 0
        and tasks_left == 0
        # one delivery per referral, each delivered or waiting for its retry (a lost task
        # would leave one pending that nothing retries: overdue)
        and webhooks["deliveries"] == webhooks["referrals"]
        and webhooks["by_status"].get("succeeded", 0) + webhooks["waiting"]
        == webhooks["deliveries"]
        and webhooks["overdue"] == 0
        and webhooks["received"] >= webhooks["by_status"].get("succeeded", 0)
    )
    print_chaos(args, result, events)
    return result


def print_chaos(args, r: dict, events: dict) -> None:
    jobs = r["jobs"]
    kinds = ", ".join(f"{kind} {r['acked_by_kind'].get(kind, 0)}" for kind, _ in MIX)
    front = "the client to each" if args.direct else "behind nginx"
    hooks = r["webhooks"]
    lines = [
        f"chaos: {args.servers} x tular serve ({front}) + {args.workers} x tular worker, "
        f"PostgreSQL; {args.duration:g} s at {args.rate:g} events/s; SIGKILL of one serve and "
        f"one worker every {args.kill_every:g} s (serve killed {r['kills'].get('serve', 0)}x, "
        f"worker {r['kills'].get('worker', 0)}x); load {os.getloadavg()[0]:.2f}",
        f"acknowledged events: {r['acknowledged']} ({kinds}); sent {r['sent']}, "
        f"not acknowledged within {args.retry_seconds:g} s: {r['not_acknowledged']} (of which "
        f"never sent, the client {r['shed']} behind), retries {r['retries']}",
        f"lost (acknowledged, not in the database): {r['lost']} {dict(events['lost']) or ''}",
        f"doubled: {r['doubled']} {dict(events['doubled']) or ''}",
        f"ledger balanced: {'yes' if r['books_ok'] else 'NO'} ({r['books']})",
        f"due jobs: {jobs['due']} made due, done exactly once {jobs['once']}, missing "
        f"{jobs['missing']}, doubled {jobs['doubled']} ({jobs['runs']} runs in all)",
        f"tasks left unfinished: {r['tasks_left']}; webhooks: {hooks['deliveries']} deliveries "
        f"for {hooks['referrals']} referrals, {hooks['by_status']} (pending: waiting for the "
        f"lease of a killed worker or a retry {hooks['waiting']}, overdue {hooks['overdue']}), "
        f"received {hooks['received']} (again: {hooks['again']})",
        f"acknowledged: {r['rate']:.0f} events/s, p50 {r['p50_ms']:.0f} ms, "
        f"p99 {r['p99_ms']:.0f} ms (retries included); answers {r['statuses']}",
        "chaos: PASS" if r["ok"] else "chaos: FAIL",
    ]
    print("\n".join(lines), flush=True)


# ---------------------------------------------------------------- the load held


async def _step(client: Client, rate: float, seconds: float) -> dict:
    ledger = Ledger()
    ledger.customers = client.ledger.customers  # the customers so far can buy again
    ledger.refundable = client.ledger.refundable
    client.ledger = ledger
    began = time.monotonic()
    await drive(client, rate=rate, seconds=seconds)
    elapsed = time.monotonic() - began
    acked = sum(ledger.acked.values())
    return {
        "rate": rate,
        "acked_rate": acked / elapsed,
        "p50_ms": percentile(ledger.latencies, 0.50),
        "p99_ms": percentile(ledger.latencies, 0.99),
        "failed": sum(ledger.failed.values()),
    }


def run_find_rate(args) -> float | None:
    ensure_tools()
    work = Path(tempfile.mkdtemp(prefix="tular-chaos-rate-"))
    steps = []
    try:
        with cluster_up(args, work) as (_cluster, _url, bases, key, codes):

            async def climb():
                client = Client(bases, key, codes, Ledger(), args.retry_seconds)
                try:
                    await _step(client, min(args.rates), min(5.0, args.step_seconds))  # warm
                    for rate in args.rates:
                        step = await _step(client, rate, args.step_seconds)
                        steps.append(step)
                        log(
                            f"{rate:g}/s: acknowledged {step['acked_rate']:.0f}/s, p50 "
                            f"{step['p50_ms']:.0f} ms, p99 {step['p99_ms']:.0f} ms, "
                            f"load {os.getloadavg()[0]:.2f}"
                        )
                        if step["p99_ms"] >= P99_LIMIT_MS * 2 or step["failed"]:
                            break
                finally:
                    await client.close()

            asyncio.run(climb())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    held = [
        s
        for s in steps
        if s["p99_ms"] < P99_LIMIT_MS and not s["failed"] and s["acked_rate"] >= 0.95 * s["rate"]
    ]
    best = max((s["rate"] for s in held), default=None)
    print(
        f"load held: {args.servers} x tular serve + {args.workers} x tular worker behind nginx, "
        f"PostgreSQL, the chaos mix with no kills, {args.step_seconds:g} s per step",
        flush=True,
    )
    for s in steps:
        print(
            f"  {s['rate']:>5g}/s offered: {s['acked_rate']:6.0f}/s acknowledged, "
            f"p50 {s['p50_ms']:5.0f} ms, p99 {s['p99_ms']:5.0f} ms, not acknowledged "
            f"{s['failed']}"
        )
    print(
        f"load held (p99 < {P99_LIMIT_MS:.0f} ms): "
        + (f"{best:g} events/s" if best else "none of the rates tried")
        + f"; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic (60)")
    parser.add_argument("--rate", type=float, default=200, help="events per second (200)")
    parser.add_argument("--servers", type=int, default=2, help="tular serve processes (2)")
    parser.add_argument("--workers", type=int, default=2, help="tular worker processes (2)")
    parser.add_argument("--kill-every", type=float, default=4, help="seconds between kills (4)")
    parser.add_argument("--poke-every", type=float, default=5, help="jobs made due every (5 s)")
    parser.add_argument(
        "--retry-seconds", type=float, default=30, help="a client retries an event this long"
    )
    parser.add_argument(
        "--drain-seconds", type=float, default=90, help="wait for due jobs and tasks (90)"
    )
    parser.add_argument(
        "--direct",
        action="store_true",
        help="no nginx: the client sends each attempt to a server at random (its own retries)",
    )
    parser.add_argument("--quick", action="store_true", help="15 s at 40 events/s (CI)")
    parser.add_argument("--find-rate", action="store_true", help="the load held, p99 < 200 ms")
    parser.add_argument(
        "--rates",
        default="50,100,150,200,250,300,400,500",
        help="events/s tried by --find-rate",
    )
    parser.add_argument("--step-seconds", type=float, default=15, help="--find-rate step (15)")
    args = parser.parse_args(argv)
    # SIGTERM (a CI timeout, kill): the finally blocks stop every process and drop the database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if args.quick:
        args.duration, args.rate, args.kill_every = 15, 40, 4
        args.rates, args.step_seconds = [20.0, 40.0], 5
    if args.find_rate:
        run_find_rate(args)
        return 0
    return 0 if run_chaos(args)["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
