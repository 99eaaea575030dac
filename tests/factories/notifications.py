"""Test factories for the outbox: queue real messages through ``queue_email``."""

from __future__ import annotations

from typing import Any

from extensions import db
from notifications.models import OutboxMessage
from notifications.outbox import Attachment, portal_url, queue_email

CALENDAR_INVITE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nMETHOD:REQUEST\r\n"
    b"BEGIN:VEVENT\r\nUID:panel-1@test\r\nDTSTAMP:20260401T090000Z\r\nDTSTART:20260415T090000Z\r\n"
    b"SUMMARY:Learning panel\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def invite_attachment() -> Attachment:
    return Attachment("invite.ics", "text/calendar; method=REQUEST", CALENDAR_INVITE)


def queue_notice(
    to: str = "someone@agency.example",
    *,
    subject: str = "A message from Learning panels",
    paragraphs: tuple[str, ...] = ("Something happened that you need to know about.",),
    recipient: Any = None,
    attachments: tuple[Attachment, ...] = (),
    about_a_case: bool = False,
    commit: bool = True,
) -> OutboxMessage:
    message = queue_email(
        to=to,
        subject=subject,
        template="notice",
        context={"paragraphs": list(paragraphs), "link": portal_url("/"), "link_text": "Sign in to see it"},
        recipient=recipient,
        about_a_case=about_a_case,
        attachments=attachments,
    )
    if commit:
        db.session.commit()
    return message


def queue_many(count: int, *, commit: bool = True) -> list[int]:
    """``count`` messages to distinct addresses, queued in one transaction."""
    ids = [queue_notice(f"person{n}@bulk.example", subject=f"Bulk message {n}", commit=False) for n in range(count)]
    db.session.flush()
    result = [message.id for message in ids]
    if commit:
        db.session.commit()
    return result
