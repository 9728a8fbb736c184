"""A real HTTP receiver (http.server in a thread on 127.0.0.1) that records what it is sent and
answers as told, private addresses allowed so it can be reached, and tasks that run at once."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from tests.console.conftest import (  # noqa: F401 - the console's personas, for test_console
    anonymous_client,
    console_workspace,
    manager,
    manager_client,
    other_workspace,
    outsider,
    outsider_client,
    owner,
    owner_client,
    viewer,
    viewer_client,
)
from tests.messaging.conftest import IMMEDIATE


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def verified(self, secret: str) -> dict:
        """The payload, after the receiver side of Standard Webhooks checked the signature."""
        return Webhook(secret).verify(self.body, self.headers)

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of `answers` (status, body, extra headers), then with
    200 when they run out."""

    host: str = "127.0.0.1"
    received: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hooks/tular") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def answer(self, *answers) -> None:
        self.answers.extend(answers)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append(
                    Received(path=self.path, headers=dict(self.headers.items()), body=body)
                )
                status, text, extra = (
                    receiver.answers.pop(0) if receiver.answers else (200, "ok", {})
                )
                data = text.encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def clock_start():
    # The receiver's library checks webhook-timestamp against the real time (5 minutes either
    # way): the frozen clock starts now.
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def tasks_run_at_once(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def private_allowed(settings):
    settings.TULAR_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def private_refused(settings):
    settings.TULAR_WEBHOOKS_ALLOW_PRIVATE = False


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
