"""Mail coming in: an SMTP listener (aiosmtpd) for the panels mailbox's forwarded mail.

Calendar clients send their replies (iTIP REPLY, RFC 5546, in an iMIP message, RFC 6047) to
the invitation's ORGANIZER, the panels mailbox. The organisation's mail server forwards that
mailbox to this listener (``INBOUND_SMTP``, e.g. ``127.0.0.1:2525``), run by
``flask notifications receive`` beside the outbox worker.

Each message's calendar parts go to the handlers named in ``INBOUND_CALENDAR_HANDLERS``
(dotted ``module:function`` paths, like the reminder sweeps), so this package does not depend
on the packages that understand them. A handler takes the calendar bytes and the sender's
address, changes what it must in the session and returns a line for the log; the listener
commits once per message. A message the handlers cannot take because something failed (the
database is down) is refused with a temporary error, so the mail server tries again later;
anything they ignore is accepted and logged.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask, current_app
from werkzeug.utils import import_string

from extensions import db

logger = logging.getLogger(__name__)

# Calendar replies are a few kilobytes; anything far larger is not one.
MAX_MESSAGE_BYTES = 2_000_000

CalendarHandler = Callable[[bytes, str], str]


def parse_address(setting: str) -> tuple[str, int]:
    """``host:port`` (``INBOUND_SMTP``) → (host, port); ValueError if it is not one."""
    host, _, port = (setting or "").strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"INBOUND_SMTP must be host:port, like 127.0.0.1:2525 (not {setting!r})")
    return host.strip("[]"), int(port)


def sender_of(message: EmailMessage) -> str:
    """The From: address, lower-cased ("" if there is none or more than one)."""
    addresses = [address for _name, address in getaddresses(message.get_all("From", [])) if address]
    return addresses[0].strip().lower() if len(addresses) == 1 else ""


def calendar_parts(message: EmailMessage) -> list[bytes]:
    """The calendar data in a message, each distinct file once.

    Outlook sends one inline ``text/calendar`` part; Google sends it inline and again as an
    ``application/ics`` attachment. The inline parts win; attachments count only without them.
    """
    inline: list[bytes] = []
    attached: list[bytes] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if content_type == "text/calendar" and part.get_content_disposition() != "attachment":
            target = inline
        elif content_type in ("text/calendar", "application/ics") or filename.endswith(".ics"):
            target = attached
        else:
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data.strip() and data not in target:
            target.append(data)
    return inline or attached


def _handlers() -> list[CalendarHandler]:
    return [import_string(path.replace(":", ".")) for path in current_app.config.get("INBOUND_CALENDAR_HANDLERS", ())]


def receive(data: bytes) -> list[str]:
    """Hand one message's calendar parts to the handlers and commit; return what each did.

    Call inside an app context. An exception means nothing was recorded (rolled back) and the
    message should be offered again.
    """
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # noqa: S101 (the default policy makes one)
    subject = str(message.get("Subject", ""))[:120]
    parts = calendar_parts(message)
    if not parts:
        logger.warning("Inbound mail ignored: no calendar data (subject %r)", subject)
        return ["ignored: no calendar data"]
    sender = sender_of(message)
    outcomes: list[str] = []
    try:
        for part in parts:
            for handler in _handlers():
                outcomes.append(handler(part, sender))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()
    for outcome in outcomes:
        logger.info("Inbound calendar mail from %s: %s", sender or "(no sender)", outcome)
    return outcomes


class InboundHandler:
    """aiosmtpd handler: every accepted message goes through ``receive`` in the app."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _process(self, data: bytes) -> list[str]:
        with self.app.app_context():
            return receive(data)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        try:
            # The database work runs in a thread, never on the listener's event loop.
            await asyncio.get_running_loop().run_in_executor(None, self._process, data)
        except Exception:
            logger.exception("Inbound mail could not be processed; the sender's server will retry")
            return "451 4.3.0 Could not process the message now; try again later"
        return "250 OK"


def start_listener(app: Flask, host: str, port: int) -> Controller:
    """Start the SMTP listener in its own thread; ``.stop()`` the returned controller to end it."""
    controller = Controller(
        InboundHandler(app),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        server_hostname="learning-panels",
    )
    controller.start()
    return controller
