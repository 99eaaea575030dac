"""Replies made in a calendar (Outlook's or Google's Accept / Tentative / Decline): iTIP REPLY
(RFC 5546 3.2.3) sent to the panels mailbox and passed on by the inbound listener
(``notifications.inbound``, which finds this handler in ``INBOUND_CALENDAR_HANDLERS``).

A reply is recorded exactly as one made on the portal's reply page, through the same
operation (``operations.reply_to_panel``), with its COMMENT. It is ignored, and logged, when:
the file is not a REPLY; the UID is not a panel's; the ATTENDEE is not on the panel's list or
the message is not from that attendee's address; its SEQUENCE is older than the panel's (a
reply to a time or place that has since changed); or the panel no longer takes replies.
"""

from __future__ import annotations

import logging

from icalendar import Calendar
from sqlalchemy import select

from extensions import db
from panels import operations
from panels.models import Panel, PanelAttendee, Reply

logger = logging.getLogger(__name__)

_REPLIES = {"ACCEPTED": Reply.ACCEPTED, "TENTATIVE": Reply.TENTATIVE, "DECLINED": Reply.DECLINED}


def _address(value: object) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip().lower()


def _text(value: object) -> str:
    """A TEXT property that may appear more than once (COMMENT): the values, one per line."""
    values = value if isinstance(value, list) else [value]
    return "\n".join(str(v).strip() for v in values if v is not None and str(v).strip())


def _ignored(reason: str) -> str:
    logger.warning("Calendar reply ignored: %s", reason)
    return f"ignored: {reason}"


def record_calendar_reply(ics: bytes, sender: str) -> str:
    """Record the reply in one calendar file; return what was done, for the log."""
    try:
        calendar = Calendar.from_ical(ics)
    except ValueError as error:
        return _ignored(f"not a calendar file ({error})")
    method = str(calendar.get("METHOD", "")).upper()
    if method != "REPLY":
        return _ignored(f"METHOD is {method or 'missing'}, not REPLY")
    outcomes = [_record_event(event, sender) for event in calendar.walk("VEVENT")]
    return "; ".join(outcomes) or _ignored("no event in the reply")


def _record_event(event: object, sender: str) -> str:
    get = event.get  # type: ignore[attr-defined]
    uid = str(get("UID", "")).strip()
    panel = db.session.scalar(select(Panel).where(Panel.uid == uid)) if uid else None
    if panel is None:
        return _ignored(f"unknown UID {uid[:120]!r}")
    attendees = get("ATTENDEE")
    values = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    if len(values) != 1:
        return _ignored(f"{len(values)} attendees in a reply to {panel.reference} (a reply names exactly one)")
    [value] = values
    address = _address(value)
    attendee = _invitee(panel, address)
    if attendee is None:
        return _ignored(f"{address or 'no address'} is not invited to {panel.reference}")
    if sender and sender != address:
        return _ignored(f"the reply for {address} to {panel.reference} came from {sender}")
    if not sender:
        return _ignored(f"the reply for {address} to {panel.reference} has no single From address")
    sequence = int(get("SEQUENCE", 0) or 0)
    if sequence < panel.sequence:
        return _ignored(
            f"{address} replied to version {sequence} of {panel.reference}, which is now at {panel.sequence}"
        )
    partstat = str(getattr(value, "params", {}).get("PARTSTAT", "")).upper()
    reply = _REPLIES.get(partstat)
    if reply is None:
        return _ignored(f"{address} sent PARTSTAT {partstat or 'missing'} for {panel.reference}")
    try:
        operations.reply_to_panel(attendee, reply, attendee.user, comment=_text(get("COMMENT")), via="calendar")
    except operations.PanelError as error:
        return _ignored(f"{address} replied to {panel.reference}: {error}")
    return f"recorded {address} {reply.value} for {panel.reference}"


def _invitee(panel: Panel, address: str) -> PanelAttendee | None:
    if not address:
        return None
    return next((a for a in panel.attendees if a.user.email.strip().lower() == address and a.user.active), None)
