"""A real SMTP server for tests: aiosmtpd on a free loopback port, recording what it accepts.

``smtp_server`` (a fixture) points the app's MAIL_* settings at it. Make it refuse with
``smtp_server.refuse_data("451 4.3.0 Try again later")`` or ``refuse_recipients(...)``, or
stop it with ``smtp_server.stop()`` (and ``start()`` it again on the same port).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.data_reply: str | None = None
        self.rcpt_reply: str | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_reply:
            return self.data_reply
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse_data(self, reply: str | None) -> None:
        self.handler.data_reply = reply

    def refuse_recipients(self, reply: str | None) -> None:
        self.handler.rcpt_reply = reply

    def accept(self) -> None:
        self.handler.data_reply = self.handler.rcpt_reply = None

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, the SMTP server received {len(self.received)}")


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")
    saved = {key: app.config[key] for key in keys if key in app.config}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    try:
        yield server
    finally:
        server.stop()
        for key in keys:
            app.config.pop(key, None)
        app.config.update(saved)
