"""Calendar replies as Outlook and Google send them (tests/fixtures/calendar), filled in for a
panel, and sent by real SMTP to the portal's inbound listener."""

from __future__ import annotations

import base64
import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from core.formatting import LONDON
from notifications.inbound import start_listener
from tests.smtp import free_port

FIXTURES = Path(__file__).parent / "fixtures" / "calendar"
WORDS = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined", "NEEDS-ACTION": "Reply"}
OUTLOOK_COMMENT = "I will bring the custody record summary for the case."
GOOGLE_COMMENT = "It clashes with the safeguarding board; our deputy will send notes."


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    assert "{{" not in template, template
    return template


def _crlf(text: str) -> str:
    return "\r\n".join(text.rstrip("\n").split("\n")) + "\r\n"


def reply_calendar(
    client: str, panel: Any, attendee: Any, partstat: str, *, sequence: int | None = None, uid: str | None = None
) -> str:
    organizer = "learning-panels@inspectorate.example"
    values = {
        "UID": uid if uid is not None else panel.uid,
        "SEQUENCE": str(panel.sequence if sequence is None else sequence),
        "ATTENDEE": attendee.email,
        "ATTENDEE_NAME": attendee.full_name,
        "PARTSTAT": partstat,
        "WORD": WORDS[partstat],
        "ORGANIZER": organizer,
        "ORGANIZER_NAME": "HM Inspectorate of Probation learning panels",
        "DTSTART_LOCAL": f"{panel.starts_at_utc.astimezone(LONDON):%Y%m%dT%H%M%S}",
        "DTEND_LOCAL": f"{panel.ends_at_utc.astimezone(LONDON):%Y%m%dT%H%M%S}",
        "DTSTART_UTC": f"{panel.starts_at_utc:%Y%m%dT%H%M%SZ}",
        "DTEND_UTC": f"{panel.ends_at_utc:%Y%m%dT%H%M%SZ}",
    }
    return _crlf(_fill((FIXTURES / f"{client}_reply.ics").read_text(), values))


def reply_message(
    client: str,
    panel: Any,
    attendee: Any,
    partstat: str = "ACCEPTED",
    *,
    sequence: int | None = None,
    uid: str | None = None,
    sent_from: str | None = None,
) -> bytes:
    """The whole email ``client`` ("outlook" or "google") sends when ``attendee`` replies."""
    calendar = reply_calendar(client, panel, attendee, partstat, sequence=sequence, uid=uid)
    encoded = base64.b64encode(calendar.encode("utf-8")).decode("ascii")
    values = {
        "ATTENDEE": sent_from or attendee.email,
        "ATTENDEE_NAME": attendee.full_name,
        "WORD": WORDS[partstat],
        "ORGANIZER": "learning-panels@inspectorate.example",
        "ORGANIZER_NAME": "HM Inspectorate of Probation learning panels",
        "CALENDAR": calendar.replace("\r\n", "\n").rstrip("\n"),
        "CALENDAR_BASE64": "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)),
    }
    return _crlf(_fill((FIXTURES / f"{client}_reply.eml").read_text(), values)).encode("utf-8")


class Listener:
    def __init__(self, port: int) -> None:
        self.port = port

    def send(self, data: bytes, *, mail_from: str = "bounce@mail.example") -> None:
        """Deliver by SMTP; returns once the listener has answered 250 (the reply is processed)."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=20) as client:
            client.sendmail(mail_from, ["learning-panels@inspectorate.example"], data)


@pytest.fixture
def inbound_listener(app: Flask) -> Iterator[Listener]:
    port = free_port()
    controller: Controller = start_listener(app, "127.0.0.1", port)
    try:
        yield Listener(port)
    finally:
        controller.stop()
