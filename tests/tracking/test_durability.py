"""A click acknowledged by a 302 is in the database, also when the server is killed right after;
a sign-up or sale acknowledged by a 201 too, also when the kill lands in the middle of the load
(on SQLite with the server's WAL checkpoint thread at work: tular.core.checkpoint).

Real processes: `tular serve` (granian, the production server, two workers) on a free port with
its own data dir, or on PostgreSQL (when DATABASE_URL points there) its own database; real HTTP
from several client threads. Neither test uses pytest-django's test database.
"""

import contextlib
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.helpers import PARTICIPANT_BODY, PROGRAM_BODY
from tests.processes import free_port

CLICKS = 300


class Server:
    def __init__(self, env: dict, log: Path):
        created = subprocess.run(
            [sys.executable, "-m", "tular.cli", "apikey", "create"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        self.key = created.stdout.strip().splitlines()[-1]
        self.env = env
        self.log = log
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tular.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                self.url.rsplit(":", 1)[1],
                "--workers",
                "2",
                "--threads",
                "2",
            ],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches the workers too
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, f"server exited:\n{log.read_text()}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"server did not start:\n{log.read_text()}"
            time.sleep(0.1)

    def seed(self) -> str:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=10) as client:
            response = client.post("/api/v1/programs", json=PROGRAM_BODY)
            assert response.status_code == 201, response.text
            response = client.post("/api/v1/participants", json=PARTICIPANT_BODY)
            assert response.status_code == 201, response.text
            return response.json()["code"]

    def click_many(self, code: str, count: int) -> list[uuid.UUID]:
        """`count` redirects from 8 client threads; the click ids their 302s carried."""
        with httpx.Client(base_url=self.url, follow_redirects=False, timeout=10) as client:

            def follow(_):
                response = client.get(f"/r/{code}")
                assert response.status_code == 302, response.text
                query = parse_qs(urlsplit(response.headers["location"]).query)
                assert response.cookies["tular_click"] == query["tular_click"][0]
                return uuid.UUID(query["tular_click"][0])

            with ThreadPoolExecutor(max_workers=8) as pool:
                return list(pool.map(follow, range(count)))

    def stop(self, sig: int) -> int:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if sig == signal.SIGKILL:
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=15)
        finally:
            # Whatever happened, nothing of this server outlives the test.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def track_until_killed(self, code: str, *, at_least: int) -> list[str]:
        """Sign-ups and sales of fresh customers from 6 client threads; once `at_least` were
        acknowledged the server is killed (SIGKILL) while they keep sending. The event ids of
        every 201."""
        acknowledged: list[str] = []
        stop = threading.Event()
        headers = {"Authorization": f"Bearer {self.key}"}

        def send(number: int) -> None:
            with httpx.Client(base_url=self.url, headers=headers, timeout=10) as client:
                for turn in itertools.count():
                    if stop.is_set():
                        return
                    customer = f"k{number}-{turn}"
                    try:
                        signup = client.post("/api/v1/track/signup", json={
                            "event_id": f"u-{customer}", "code": code,
                            "customer": {"external_id": customer, "email": f"{customer}@k.example"},
                        })  # fmt: skip
                        if signup.status_code != 201:
                            return
                        acknowledged.append(f"u-{customer}")
                        sale = client.post("/api/v1/track/sale", json={
                            "event_id": f"s-{customer}", "customer_external_id": customer,
                            "amount": 250000000, "currency": "IDR", "invoice_id": f"i-{customer}",
                        })  # fmt: skip
                        if sale.status_code != 201:
                            return
                        acknowledged.append(f"s-{customer}")
                    except httpx.HTTPError:  # the server is gone
                        return

        clients = [threading.Thread(target=send, args=(number,)) for number in range(6)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop(signal.SIGKILL)  # while the clients still send
        stop.set()
        for client in clients:
            client.join(15)
        return list(acknowledged)

    def rows(self, sql: str) -> list[tuple]:
        """Rows of a query on the server's database, read after it stopped."""
        database_url = self.env.get("DATABASE_URL")
        if database_url:
            import psycopg

            with psycopg.connect(database_url) as db:
                return db.execute(sql).fetchall()
        path = Path(self.env["TULAR_DATA_DIR"]) / "tular.sqlite3"
        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute(sql).fetchall()

    def recorded_clicks(self) -> set[uuid.UUID]:
        return {uuid.UUID(str(row[0])) for row in self.rows("SELECT id FROM tracking_click")}


@pytest.fixture
def server(isolated_env, tmp_path):
    running = Server({**isolated_env, "TULAR_LOG_LEVEL": "WARNING"}, tmp_path / "serve.log")
    try:
        yield running
    finally:
        running.stop(signal.SIGKILL)


def test_every_acknowledged_click_survives_a_clean_stop(server):
    # given
    code = server.seed()
    acknowledged = server.click_many(code, CLICKS)
    # when
    exit_code = server.stop(signal.SIGTERM)
    # then
    assert exit_code == 0, server.log.read_text()
    assert len(set(acknowledged)) == CLICKS
    assert set(acknowledged) <= server.recorded_clicks()


def test_every_acknowledged_click_survives_kill_9(server):
    # given
    code = server.seed()
    acknowledged = server.click_many(code, CLICKS)
    # when: the whole process group, no chance to flush anything, right after the last 302
    server.stop(signal.SIGKILL)
    # then
    assert len(set(acknowledged)) == CLICKS
    missing = set(acknowledged) - server.recorded_clicks()
    assert not missing, f"{len(missing)} acknowledged clicks lost"


def test_every_acknowledged_sale_and_signup_survives_kill_9_under_load(server):
    # given
    code = server.seed()
    # when: killed while 6 clients send sign-ups and sales
    acknowledged = server.track_until_killed(code, at_least=200)
    # then
    assert len(acknowledged) >= 200, server.log.read_text()[-2000:]
    recorded = {row[0] for row in server.rows("SELECT event_id FROM referrals_trackedevent")}
    missing = set(acknowledged) - recorded
    assert not missing, f"{len(missing)} acknowledged events lost"
    # and the books of what was committed balance: every ledger transaction sums to zero
    unbalanced = server.rows(
        "SELECT transaction_id FROM rewards_ledgerentry GROUP BY transaction_id "
        "HAVING SUM(amount) <> 0"
    )
    assert unbalanced == []
    sales = [event for event in acknowledged if event.startswith("s-")]
    converted = server.rows("SELECT count(*) FROM referrals_conversion WHERE kind = 'sale'")[0][0]
    assert converted >= len(sales)
    if not server.env.get("DATABASE_URL"):
        assert server.rows("PRAGMA integrity_check") == [("ok",)]
