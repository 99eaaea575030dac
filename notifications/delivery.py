"""From an outbox row to a MIME message, handed to SMTP (Flask-Mail) or the local mail catcher.

Nothing here touches the database: the worker reads a snapshot of each claimed row, ends
its transaction, and only then calls a transport, so no lock is held while SMTP is slow.
"""

from __future__ import annotations

import os
import smtplib
import socket
import tempfile
import time
from dataclasses import dataclass
from email.encoders import encode_base64
from email.mime.base import MIMEBase
from email.utils import make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app
from flask_mail import Connection, Message

from core.formatting import utc_now
from extensions import mail
from notifications.outbox import header_safe, single_address

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

DEFAULT_SMTP_TIMEOUT = 30  # seconds for each SMTP operation (MAIL_TIMEOUT); a hung server must not hang the worker
# The most commands one message takes when the connection has to be opened: connect (the
# greeting), EHLO, STARTTLS and EHLO again, AUTH, MAIL, RCPT, DATA and the data itself. The
# worker gives a message this many MAIL_TIMEOUTs at most (and always less than its claim).
SMTP_ROUND_TRIPS = 9


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass(frozen=True)
class OutgoingEmail:
    """What the worker read from a claimed outbox row."""

    outbox_id: int
    to: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    attachments: tuple[OutgoingAttachment, ...] = ()


class DeliveryError(Exception):
    """This message was not accepted. ``unreachable`` means no message could have been:
    the server could not be reached or dropped the connection."""

    def __init__(self, description: str, *, unreachable: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.unreachable = unreachable


class Transport(Protocol):
    description: str

    def send(self, email: OutgoingEmail, *, deadline: float | None = None) -> str:
        """Deliver one message; return where it went. Raise DeliveryError if refused.

        ``deadline`` (a ``time.monotonic()`` value) bounds the whole exchange, however many
        commands it takes: the worker sets it inside the message's claim."""

    def close(self) -> None: ...


def new_message_id(sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "learning-panels.invalid"
    return make_msgid(domain=header_safe(domain) or "learning-panels.invalid")


class _MessageWithInlineParts(Message):
    """Flask-Mail's message, with parts added to the ``multipart/alternative`` after the text and
    HTML bodies. RFC 6047 (iMIP) puts an invitation's ``text/calendar; method=…`` part there:
    that is what Outlook and Gmail answer with Accept / Decline buttons."""

    def __init__(self, *args: Any, inline_parts: tuple[OutgoingAttachment, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline_parts = inline_parts

    def _message(self) -> MIMEBase:
        message = super()._message()
        if self.inline_parts:
            alternative = next(
                (part for part in message.walk() if part.get_content_type() == "multipart/alternative"), message
            )
            for inline in self.inline_parts:
                alternative.attach(_inline_part(inline))
        return message


def _inline_part(inline: OutgoingAttachment) -> MIMEBase:
    # The content type was checked when queued (no "/" in a parameter), and is kept exactly
    # as written: "text/calendar; method=REQUEST; charset=UTF-8". Base64 keeps the calendar's
    # CRLF line ends and its 75-octet folding byte for byte.
    maintype, subtype = inline.content_type.split("/", 1)
    part = MIMEBase(maintype, subtype)
    part.set_payload(inline.data)
    encode_base64(part)
    return part


def build_message(email: OutgoingEmail, sender: str | None) -> Message:
    """A Flask-Mail message: text and HTML alternatives (and any inline alternative such as a
    calendar part), attachments with their full MIME type.

    Subject and address are made header-safe again here: rows may have been written by code
    that did not go through ``queue_email``.
    """
    message = _MessageWithInlineParts(
        subject=header_safe(email.subject),
        recipients=[single_address(header_safe(email.to))],
        body=email.body_text,
        html=email.body_html,
        sender=sender,
        extra_headers={
            # RFC 3834: out-of-office replies should not answer an automatic message.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
        inline_parts=tuple(a for a in email.attachments if a.inline),
    )
    message.msgId = email.message_id
    for attachment in email.attachments:
        if attachment.inline:
            continue
        message.attach(filename=attachment.filename, content_type=attachment.content_type, data=attachment.data)
    return message


def describe_error(error: BaseException) -> str:
    """A short, readable account of an SMTP failure for the admin page and the audit trail."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{address}: {code} {_text(reply)}" for address, (code, reply) in error.recipients.items()]
        return "Recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP server replied {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, TimeoutError) or (
        # smtplib reports a reply that never came as a disconnection "...: timed out".
        isinstance(error, smtplib.SMTPServerDisconnected) and "timed out" in str(error)
    ):
        return "The SMTP server did not answer in time"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"The SMTP server closed the connection ({error})"
    if isinstance(error, ConnectionRefusedError):
        return "Could not connect to the SMTP server: connection refused"
    if isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException):
        return f"Could not reach the SMTP server: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _is_connection_failure(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


class SendDeadlinePassed(TimeoutError):
    """The message's overall deadline passed between two SMTP commands."""


class _DeadlineMixin:
    """Every SMTP command waits at most ``timeout`` seconds and never past ``deadline``.

    A server that answers each command just inside the timeout would otherwise stretch one
    message over many timeouts (connect, EHLO, MAIL, RCPT, DATA, the data itself) and outlive
    the worker's claim on it, when another worker may send it too.
    """

    timeout: float
    sock: socket.socket | None
    file: Any
    deadline: float | None = None

    def _arm(self) -> None:
        if self.deadline is None or self.sock is None:
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.sock.close()
            raise SendDeadlinePassed("the message's time to send ran out")
        self.sock.settimeout(min(self.timeout, left))

    def send(self, s: ReadableBuffer | str) -> None:
        self._arm()
        super().send(s)  # type: ignore[misc]

    def getreply(self) -> tuple[int, bytes]:
        self._arm()
        if getattr(self, "file", None) is None and self.sock is not None:
            # Each line of a reply re-armed too: a multi-line reply cannot stretch past the deadline.
            self.file = _ArmedReader(self.sock.makefile("rb"), self._arm)
        return super().getreply()  # type: ignore[misc, no-any-return]


class _ArmedReader:
    """The reply stream smtplib reads, lines at a time, with the timeout re-armed before each line."""

    def __init__(self, stream: Any, arm: Any) -> None:
        self.stream = stream
        self.arm = arm

    def readline(self, size: int = -1) -> bytes:
        self.arm()
        return self.stream.readline(size)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.stream.close()


class _DeadlineSMTP(_DeadlineMixin, smtplib.SMTP):
    pass


class _DeadlineSMTPSSL(_DeadlineMixin, smtplib.SMTP_SSL):
    pass


class _TimedConnection(Connection):
    """Flask-Mail's connection, with a timeout per command (it has none, so a hung server would
    block forever) and an overall deadline per message (``host.deadline``)."""

    def __init__(self, state: Any, timeout: float, deadline: float | None) -> None:
        super().__init__(state)
        self.timeout = timeout
        self.deadline = deadline

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        connect_timeout = self.timeout
        if self.deadline is not None:
            connect_timeout = max(0.001, min(self.timeout, self.deadline - time.monotonic()))
        host: _DeadlineSMTP | _DeadlineSMTPSSL
        if state.use_ssl:
            host = _DeadlineSMTPSSL(state.server, state.port, timeout=connect_timeout)
        else:
            host = _DeadlineSMTP(state.server, state.port, timeout=connect_timeout)
        host.timeout = self.timeout
        host.deadline = self.deadline
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class SmtpTransport:
    """One SMTP session for a batch, reopened if the server drops it."""

    def __init__(self, config: Any) -> None:
        # Built from the current settings (not Flask-Mail's copy taken at start-up), and never
        # silently suppressed: when this transport is chosen, mail really goes to the server.
        settings = dict(config)
        settings.setdefault("MAIL_SUPPRESS_SEND", False)
        self.state = mail.init_mail(settings)
        self.timeout = float(config.get("MAIL_TIMEOUT") or DEFAULT_SMTP_TIMEOUT)
        self.connection: _TimedConnection | None = None
        self.description = f"SMTP server {self.state.server}:{self.state.port}"

    def send(self, email: OutgoingEmail, *, deadline: float | None = None) -> str:
        try:
            message = build_message(email, self.state.default_sender)
            if self.connection is None:
                connection = _TimedConnection(self.state, self.timeout, deadline)
                self.connection = connection.__enter__()
            host = self.connection.host
            if isinstance(host, _DeadlineMixin):
                host.deadline = deadline
            self.connection.send(message)
        except Exception as error:
            unreachable = _is_connection_failure(error)
            if unreachable:
                self._drop()
            raise DeliveryError(describe_error(error), unreachable=unreachable) from error
        return self.description

    def _drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.close()
            except OSError:
                pass

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.quit()
            except (smtplib.SMTPException, OSError):
                connection.host.close()


class MailCatcherTransport:
    """Development default (no MAIL_SERVER): each message becomes an .eml file to open and read."""

    def __init__(self, directory: str | Path, sender: str) -> None:
        self.directory = Path(directory)
        self.sender = sender
        self.description = f"mail catcher folder {self.directory}"

    def send(self, email: OutgoingEmail, *, deadline: float | None = None) -> str:
        raw = build_message(email, self.sender).as_bytes()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{utc_now():%Y%m%dT%H%M%S}-message-{email.outbox_id}.eml"
            # Written whole, then renamed: a reader never sees half a message.
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                file.write(raw)
            os.replace(temporary, self.directory / name)
        except OSError as error:
            raise DeliveryError(f"Could not write to the mail catcher: {error}", unreachable=True) from error
        return str(self.directory / name)

    def close(self) -> None:
        return None


def transport_for_app() -> Transport:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SmtpTransport(config)
    return MailCatcherTransport(config["MAIL_CATCHER_DIR"], config["MAIL_DEFAULT_SENDER"])
