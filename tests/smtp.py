"""A real SMTP server for tests: aiosmtpd on a free loopback port, recording what it accepts.

``smtp_server`` (a fixture) points the app's MAIL_* settings at it. Make it refuse with
``smtp_server.refuse_data("451 4.3.0 Try again later")`` or ``refuse_recipients(...)``, or
stop it with ``smtp_server.stop()`` (and ``start()`` it again on the same port).

Faults on command, for the fault suite (``tests/fault/``): ``stall(seconds)`` delays every
reply (the greeting too), ``hang()`` never answers, ``drop()`` closes the connection when a
message starts (nothing accepted), ``drop_after_data()`` accepts a message and closes the
connection instead of answering 250 (the one case where a sender cannot know it went),
``hang_at_message(n)`` never answers the n-th MAIL command, and ``accept()`` clears them all.
"""

from __future__ import annotations

import asyncio
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
from aiosmtpd.smtp import SMTP
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
        # Faults, read by FaultySMTP on every reply.
        self.stall_seconds = 0.0
        self.hanging = False
        self.drop_on_mail = False
        self.drop_after_data = False
        self.hang_at_mail: int | None = None
        self.commands = 0
        self.mails = 0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:  # noqa: N802
        self.mails += 1
        if self.drop_on_mail:
            server.drop_next_reply = True
        if self.hang_at_mail == self.mails:
            server.hang_this_reply = True
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_reply:
            return self.data_reply
        if self.hanging:
            return "451 4.3.0 Not processing"  # a hung server delivers nothing (and never answers)
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        server.answering_accepted = True  # a hang switched on now does not hold back this "250"
        if self.drop_after_data:
            server.drop_next_reply = True
        return "250 Message accepted for delivery"


class FaultySMTP(SMTP):
    """aiosmtpd's server, with every reply passing through the handler's faults."""

    drop_next_reply = False
    hang_this_reply = False
    answering_accepted = False

    async def push(self, status: Any) -> None:
        handler: RecordingHandler = self.event_handler
        text = status.decode() if isinstance(status, bytes) else str(status)
        final_line = text[3:4] != "-"  # "250-..." continues a reply, "250 ..." ends it
        if final_line:
            handler.commands += 1
        if handler.stall_seconds and final_line:
            await asyncio.sleep(handler.stall_seconds)  # once per reply, whatever its length
        while (handler.hanging and not self.answering_accepted) or (
            self.hang_this_reply and handler.hang_at_mail is not None
        ):
            await asyncio.sleep(0.02)
        self.hang_this_reply = self.answering_accepted = False
        if self.drop_next_reply:
            self.drop_next_reply = False
            assert self.transport is not None
            self.transport.close()
            return
        await super().push(status)


class FaultyController(Controller):
    def factory(self) -> SMTP:
        return FaultySMTP(self.handler, **self.SMTP_kwargs)


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
        self.controller = FaultyController(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.handler.hanging = False  # let hung replies end, so the server can stop
            self.handler.hang_at_mail = None
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

    def stall(self, seconds: float) -> None:
        self.handler.stall_seconds = seconds

    def hang(self) -> None:
        self.handler.hanging = True

    def hang_at_message(self, number: int) -> None:
        """Never answer the ``number``-th MAIL command (counted from the start): a worker sending
        a batch stops in the middle of it, with the messages before it delivered."""
        self.handler.hang_at_mail = number

    def drop(self) -> None:
        self.handler.drop_on_mail = True

    def drop_after_data(self) -> None:
        self.handler.drop_after_data = True

    def accept(self) -> None:
        self.handler.data_reply = self.handler.rcpt_reply = None
        self.handler.stall_seconds = 0.0
        self.handler.hanging = self.handler.drop_on_mail = self.handler.drop_after_data = False
        self.handler.hang_at_mail = None

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
