"""Calendar conformance: one panel's life (create and schedule → move → change place → cancel),
each email delivered through the outbox worker to a real SMTP server, then checked message by
message against what Outlook, Google and Apple need (RFC 5545, RFC 5546 iTIP, RFC 6047 iMIP):
the MIME structure, the headers, METHOD, UID, SEQUENCE, DTSTAMP, ORGANIZER, ATTENDEE with
PARTSTAT and RSVP, the VTIMEZONE and the line folding, parsed by icalendar and by vobject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, time, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
import vobject
from icalendar import Calendar

from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxMessage
from notifications.worker import send_all_due
from panels import operations as operations
from panels.models import Reply
from panels.rules import london_date, panel_times
from tests.factories.panels import details, panel_world
from tests.smtp import SmtpServer

ORGANIZER = "mailto:learning-panels@inspectorate.example"
ORGANIZER_NAME = "HM Inspectorate of Probation learning panels"
CONVENER = "inspector@inspectorate.example"
INVITEES = {CONVENER, "police@police.example", "health@health.example"}


@dataclass
class Step:
    name: str
    method: str
    sequence: int
    message: EmailMessage
    raw: bytes


def _life_of_a_panel(smtp_server: SmtpServer) -> list[Step]:
    """Every message the police attendee receives, in order, with what each should be."""
    world = panel_world(schedule=False)
    panel = world.panel
    # A timed agenda item, so the move has to carry it.
    operations.change_agenda_time(panel.agenda[0], time(10, 15), world.inspector)
    db.session.commit()
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    start = utc_now()
    steps: list[tuple[str, str, int]] = []

    def deliver(name: str, method: str) -> None:
        send_all_due()
        steps.append((name, method, panel.sequence))

    with time_machine.travel(start + timedelta(minutes=1), tick=True):
        operations.schedule_panel(panel, panel.version, world.inspector)
        db.session.commit()
        deliver("invitation", "REQUEST")
        operations.reply_to_panel(panel.attendee_for(world.police.id), Reply.ACCEPTED, world.police)
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=2), tick=True):
        moved = panel_times(london_date(panel.starts_at_utc) + timedelta(days=7), time(14, 0), time(16, 0))
        operations.update_details(panel, details(starts_at=moved[0], ends_at=moved[1]), panel.version, world.inspector)
        db.session.commit()
        deliver("move", "REQUEST")
        operations.reply_to_panel(panel.attendee_for(world.police.id), Reply.ACCEPTED, world.police)
        db.session.commit()
    with time_machine.travel(start + timedelta(minutes=3), tick=True):
        operations.update_details(
            panel,
            details(starts_at=panel.starts_at_utc, ends_at=panel.ends_at_utc, place="Room 9, Police HQ"),
            panel.version,
            world.inspector,
        )
        db.session.commit()
        deliver("new place", "REQUEST")
    with time_machine.travel(start + timedelta(minutes=4), tick=True):
        operations.cancel_panel(panel, "The chair is unwell.", panel.version, world.inspector)
        db.session.commit()
        deliver("cancellation", "CANCEL")

    received = smtp_server.wait_for(len(INVITEES) * len(steps))
    police = [r for r in received if r.rcpt_tos == ("police@police.example",)]
    assert len(police) == len(steps)
    return [
        Step(name, method, sequence, item.message, item.data)
        for (name, method, sequence), item in zip(steps, police, strict=True)
    ]


@pytest.fixture
def life(smtp_server: SmtpServer) -> list[Step]:
    return _life_of_a_panel(smtp_server)


def calendar_part(message: EmailMessage) -> EmailMessage:
    mixed = message.get_payload()
    return mixed[0].get_payload()[2]


def calendar_bytes(message: EmailMessage) -> bytes:
    data = calendar_part(message).get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


# --- what every client needs -------------------------------------------------------------------


def test_each_message_is_an_imip_message_with_the_calendar_inline_and_attached(life: list[Step]) -> None:
    for step in life:
        message = step.message
        assert message.get_content_type() == "multipart/mixed", step.name
        alternative, attachment = message.get_payload()
        assert alternative.get_content_type() == "multipart/alternative"
        text, html, cal = alternative.get_payload()
        assert (text.get_content_type(), html.get_content_type(), cal.get_content_type()) == (
            "text/plain",
            "text/html",
            "text/calendar",
        )
        assert cal.get_param("method") == step.method and cal.get_param("charset").upper() == "UTF-8"
        assert cal.get_content_disposition() is None  # inline: the meeting request itself
        assert attachment.get_content_type() == "application/ics"
        assert attachment.get_content_disposition() == "attachment" and attachment.get_filename().endswith(".ics")
        assert attachment.get_payload(decode=True) == cal.get_payload(decode=True)


def test_headers_are_one_recipient_a_stable_id_and_the_subject_clients_expect(life: list[Step]) -> None:
    message_ids = set()
    for step in life:
        message = step.message
        assert message["To"] == "police@police.example" and message["From"]
        assert message["MIME-Version"] == "1.0" and message["Date"]
        message_ids.add(message["Message-ID"])
        subject = str(message["Subject"]).strip()  # the value after "Subject:" (it may be folded at once)
        if step.method == "CANCEL":
            assert subject.startswith("Cancelled: OFFICIAL-SENSITIVE: "), subject
        else:
            assert subject.startswith("OFFICIAL-SENSITIVE: " + ("Invitation" if step.sequence == 0 else "Updated"))
    assert len(message_ids) == len(life)


def test_method_uid_sequence_and_dtstamp_follow_rfc_5546(life: list[Step]) -> None:
    uids, stamps = set(), []
    for step in life:
        cal = Calendar.from_ical(calendar_bytes(step.message))
        assert cal["METHOD"] == step.method
        [vevent] = cal.walk("VEVENT")
        uids.add(str(vevent["UID"]))
        assert vevent["SEQUENCE"] == step.sequence
        stamps.append(vevent.decoded("DTSTAMP"))
        assert vevent["STATUS"] == ("CANCELLED" if step.method == "CANCEL" else "CONFIRMED")
    assert len(uids) == 1  # one entry in the calendar, updated in place
    assert [step.sequence for step in life] == [0, 1, 2, 3]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)  # a fresh DTSTAMP each time


def test_the_organizer_is_the_panels_mailbox_and_the_attendees_are_everyone_invited(life: list[Step]) -> None:
    # The police accept the invitation; the move asks everyone again, and they accept again.
    expected_police = ["NEEDS-ACTION", "NEEDS-ACTION", "ACCEPTED", "ACCEPTED"]
    for index, step in enumerate(life):
        [vevent] = Calendar.from_ical(calendar_bytes(step.message)).walk("VEVENT")
        organizer = vevent["ORGANIZER"]
        assert str(organizer) == ORGANIZER and organizer.params["CN"] == ORGANIZER_NAME
        attendees = {str(a).removeprefix("mailto:"): a.params for a in vevent["ATTENDEE"]}
        assert set(attendees) == INVITEES and ORGANIZER.removeprefix("mailto:") not in attendees
        assert (attendees[CONVENER]["RSVP"], attendees[CONVENER]["PARTSTAT"]) == ("FALSE", "ACCEPTED")
        police = attendees["police@police.example"]
        assert police["RSVP"] == "TRUE" and police["PARTSTAT"] == expected_police[index], step.name
        assert police["ROLE"] == "REQ-PARTICIPANT" and police["CUTYPE"] == "INDIVIDUAL"


def test_times_carry_a_vtimezone_outlook_reads(life: list[Step]) -> None:
    for step in life:
        data = calendar_bytes(step.message)
        [zone] = Calendar.from_ical(data).walk("VTIMEZONE")
        assert zone["TZID"] == "Europe/London"
        assert sorted(c.name for c in zone.subcomponents) == ["DAYLIGHT", "STANDARD"]
        assert all("RRULE" in c and "RDATE" not in c for c in zone.subcomponents)
        assert b"DTSTART;TZID=Europe/London:" in data and b"DTEND;TZID=Europe/London:" in data


def test_lines_are_crlf_and_folded_at_75_octets(life: list[Step]) -> None:
    for step in life:
        data = calendar_bytes(step.message)
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
        lines = data.split(b"\r\n")[:-1]
        assert all(len(line) <= 75 for line in lines), [line for line in lines if len(line) > 75]
        assert any(line.startswith(b" ") for line in lines)  # the description is long enough to fold
        unfolded = data.replace(b"\r\n ", b"")
        assert "Agenda:" in unfolded.decode("utf-8")


def test_both_parsers_read_the_same_event(life: list[Step]) -> None:
    for step in life:
        data = calendar_bytes(step.message)
        [first] = Calendar.from_ical(data).walk("VEVENT")
        second = vobject.readOne(data.decode("utf-8"))
        assert second.method.value == step.method
        event = second.vevent
        assert event.uid.value == str(first["UID"])
        assert int(event.sequence.value) == step.sequence
        assert event.dtstart.value.astimezone(UTC) == first.decoded("DTSTART").astimezone(UTC)
        assert event.dtend.value.astimezone(UTC) == first.decoded("DTEND").astimezone(UTC)
        assert event.organizer.value.lower() == ORGANIZER
        assert {a.value.lower().removeprefix("mailto:") for a in event.attendee_list} == INVITEES
        assert event.status.value == ("CANCELLED" if step.method == "CANCEL" else "CONFIRMED")


def test_each_update_carries_the_change_in_the_calendar_and_in_words(life: list[Step]) -> None:
    invitation, move, place, cancel = life

    def event(step: Step) -> Any:
        return vobject.readOne(calendar_bytes(step.message).decode("utf-8")).vevent

    def body(step: Step) -> str:
        return step.message.get_payload()[0].get_payload()[0].get_content()

    assert event(invitation).dtstart.value.time() == time(10, 0)
    assert event(move).dtstart.value.time() == time(14, 0)
    assert "(2:15pm)" in event(move).description.value  # the agenda moved with the panel
    assert "The time has changed from 10am to 2pm (UK time)." in body(move)
    assert "is now at 2:15pm (was 10:15am)" in body(move)
    assert event(place).location.value == "Room 9, Police HQ"
    assert "The place has changed from Room 3, County Hall to Room 9, Police HQ." in body(place)
    assert "The chair is unwell." in body(cancel)
    for step in life:
        for detail in ("Room", "https://meet.example.org/panel", "UK time", "/panels/"):
            assert detail in body(step), (step.name, detail)


# --- per client profile ------------------------------------------------------------------------


def _outlook(step: Step) -> None:
    """Outlook and Exchange: a meeting request only from a text/calendar part whose method
    parameter matches METHOD; times it can map to its own zones (RRULE-based VTIMEZONE);
    replies go to the ORGANIZER, which must not be an attendee."""
    part = calendar_part(step.message)
    assert part["Content-Type"].replace('"', "").lower().startswith(f"text/calendar; method={step.method.lower()}")
    cal = Calendar.from_ical(calendar_bytes(step.message))
    assert cal["METHOD"] == step.method and cal["PRODID"] and cal["VERSION"] == "2.0"
    assert b"RDATE" not in calendar_bytes(step.message)


def _google(step: Step) -> None:
    """Gmail: the text/calendar alternative drives the invitation card; its .ics attachment is
    what "Add to calendar" imports, so both must be the same file."""
    alternative, attachment = step.message.get_payload()
    assert alternative.get_payload()[-1].get_content_type() == "text/calendar"
    assert attachment.get_payload(decode=True) == calendar_bytes(step.message)


def _apple(step: Step) -> None:
    """Apple Mail and Calendar: reads the attached file; needs UID, DTSTAMP, a METHOD and (for a
    cancellation) STATUS:CANCELLED to remove the entry."""
    _alternative, attachment = step.message.get_payload()
    data = attachment.get_payload(decode=True)
    parsed = vobject.readOne(data.decode("utf-8"))
    assert parsed.method.value == step.method and parsed.vevent.dtstamp.value.tzinfo is not None
    if step.method == "CANCEL":
        assert parsed.vevent.status.value == "CANCELLED"


@pytest.mark.parametrize("profile", [_outlook, _google, _apple], ids=["outlook", "google", "apple"])
def test_every_message_meets_each_clients_profile(life: list[Step], profile: Any) -> None:
    for step in life:
        profile(step)
