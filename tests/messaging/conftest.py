"""A real SMTP server (aiosmtpd) on 127.0.0.1, the default mailer pointed at it through
TULAR_EMAIL_URL's own parser, and tasks that run as soon as they are enqueued."""

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from tular.config import parse_email

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Enqueued tasks are dropped: what a worker that never ran them looks like.
LOST = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """The aiosmtpd handler: keeps what it accepts; `refuse_*` makes it answer with an error."""

    messages: list = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.messages.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class SmtpServer:
    """A mail server on a fixed port that can be down (nothing listens) and come back."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.inbox.messages

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def tasks_run_at_once(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def smtp_down(settings, tmp_path, tasks_run_at_once):
    """The default mailer points at a port where no server listens (yet)."""
    server = SmtpServer()
    settings.MAILERS = {"default": parse_email(server.url, tmp_path)}
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_down):
    """The default mailer points at a running SMTP server."""
    smtp_down.start()
    return smtp_down
