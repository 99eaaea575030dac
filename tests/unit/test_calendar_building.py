"""iCalendar files built by panels.calendar, parsed back with icalendar and checked property
by property: what Outlook, Google and Apple need to apply invitations, updates and cancellations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
import vobject
from icalendar import Calendar

from core.formatting import LONDON
from panels import calendar
from panels.rules import london_to_utc

STAMP = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
ORGANIZER = calendar.Person("HM Inspectorate of Probation learning panels", "learning-panels@inspectorate.example")
CHAIR = calendar.Invitee(
    calendar.Person("Imogen Inspector", "inspector@inspectorate.example"), "CHAIR", "ACCEPTED", rsvp=False
)
POLICE = calendar.Invitee(
    calendar.Person("Priya Constable", "police@police.example"), "REQ-PARTICIPANT", "NEEDS-ACTION"
)
HEALTH = calendar.Invitee(calendar.Person("Hamid Nurse", "health@health.example"), "OPT-PARTICIPANT", "TENTATIVE")
NOTES = calendar.Invitee(calendar.Person("Nia Notes", "notes@inspectorate.example"), "NON-PARTICIPANT", "DECLINED")


def event(**changes: object) -> calendar.PanelEvent:
    base = calendar.PanelEvent(
        uid="panel-7-0123456789abcdef@learning-panels",
        sequence=0,
        stamp=STAMP,
        starts_at=london_to_utc(date(2026, 10, 24), time(10, 0)),
        ends_at=london_to_utc(date(2026, 10, 24), time(12, 30)),
        summary="Northshire learning panel",
        organizer=ORGANIZER,
        location="Room 3, County Hall",
        description="OFFICIAL-SENSITIVE\n\nAgenda:\n1. SFO-2026-0901",
        url="http://portal.test/panels/7",
        attendees=(CHAIR, POLICE, HEALTH, NOTES),
    )
    return replace(base, **changes)


def parse(data: bytes) -> tuple[Calendar, object]:
    parsed = Calendar.from_ical(data)
    [vevent] = parsed.walk("VEVENT")
    return parsed, vevent


def attendees_of(vevent: object) -> dict[str, dict[str, str]]:
    values = vevent.get("ATTENDEE", [])
    values = values if isinstance(values, list) else [values]
    return {str(v).removeprefix("mailto:"): dict(v.params) for v in values}


def test_an_invitation_has_every_property_a_calendar_client_needs() -> None:
    cal, vevent = parse(calendar.request(event()))

    assert cal["METHOD"] == "REQUEST"
    assert cal["VERSION"] == "2.0" and cal["PRODID"] == calendar.PRODID
    assert vevent["UID"] == "panel-7-0123456789abcdef@learning-panels"
    assert vevent["SEQUENCE"] == 0
    assert vevent.decoded("DTSTAMP") == STAMP  # the panel's last change, not now
    assert vevent["SUMMARY"] == "Northshire learning panel"
    assert vevent["LOCATION"] == "Room 3, County Hall"
    assert vevent["STATUS"] == "CONFIRMED"
    organizer = vevent["ORGANIZER"]
    assert str(organizer) == "mailto:learning-panels@inspectorate.example"
    assert organizer.params["CN"] == "HM Inspectorate of Probation learning panels"
    assert attendees_of(vevent) == {
        "inspector@inspectorate.example": {
            "CN": "Imogen Inspector",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "CHAIR",
            "PARTSTAT": "ACCEPTED",
            "RSVP": "FALSE",
        },
        "police@police.example": {
            "CN": "Priya Constable",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
        },
        "health@health.example": {
            "CN": "Hamid Nurse",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "OPT-PARTICIPANT",
            "PARTSTAT": "TENTATIVE",
            "RSVP": "TRUE",
        },
        "notes@inspectorate.example": {
            "CN": "Nia Notes",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "NON-PARTICIPANT",
            "PARTSTAT": "DECLINED",
            "RSVP": "TRUE",
        },
    }


def test_times_carry_the_london_zone_and_a_full_vtimezone_for_it() -> None:
    data = calendar.request(event())
    cal, vevent = parse(data)

    assert b"DTSTART;TZID=Europe/London:20261024T100000" in data
    assert b"DTEND;TZID=Europe/London:20261024T123000" in data
    [vtimezone] = cal.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Europe/London"
    kinds = [component.name for component in vtimezone.subcomponents]
    assert sorted(kinds) == ["DAYLIGHT", "STANDARD"]  # one of each: yearly rules, not a list of dates
    offsets = {(c.name, c["TZOFFSETFROM"].td, c["TZOFFSETTO"].td) for c in vtimezone.subcomponents}
    assert offsets == {("DAYLIGHT", timedelta(0), timedelta(hours=1)), ("STANDARD", timedelta(hours=1), timedelta(0))}
    # Outlook mishandles RDATE-only zones: each rule is an RRULE on the last Sunday.
    assert b"RDATE" not in data
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in data
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in data
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    # Read back through its VTIMEZONE, the instants are the stored UTC ones.
    assert vevent.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
    assert vevent.decoded("DTEND").astimezone(UTC) == datetime(2026, 10, 24, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 7, 14), 9), (date(2027, 1, 12), 10), (date(2030, 3, 30), 10), (date(2030, 3, 31), 9)],
)
def test_a_summer_and_a_winter_panel_read_back_at_ten_in_london_in_two_parsers(day: date, utc_hour: int) -> None:
    """10am in London is 09:00Z in summer and 10:00Z in winter: icalendar (through the file's own
    VTIMEZONE, not its zoneinfo) and vobject (which builds the zone from the VTIMEZONE's rules)."""
    starts = london_to_utc(day, time(10, 0))
    assert starts.hour == utc_hour
    data = calendar.request(event(starts_at=starts, ends_at=starts + timedelta(hours=2)))

    cal, vevent = parse(data)
    zone = cal.walk("VTIMEZONE")[0].to_tz()
    wall = vevent.decoded("DTSTART").replace(tzinfo=None)
    assert wall == datetime.combine(day, time(10, 0))
    assert (wall - zone.utcoffset(wall)).replace(tzinfo=UTC) == starts

    second = vobject.readOne(data.decode("utf-8"))
    start = second.vevent.dtstart.value
    assert "tzical" in type(start.tzinfo).__name__  # the zone came from the file, not the system
    assert start.replace(tzinfo=None) == datetime.combine(day, time(10, 0))
    assert start.astimezone(UTC) == starts
    assert second.vevent.dtend.value.astimezone(UTC) == starts + timedelta(hours=2)


def test_the_vtimezone_rules_agree_with_zoneinfo_every_hour_of_the_clock_changes_until_2040() -> None:
    data = calendar.request(event())
    zone = vobject.readOne(data.decode("utf-8")).vtimezone.gettzinfo()
    for year in range(2026, 2041):
        for month in (3, 10):
            last_day = date(year, month, 31)
            sunday = last_day - timedelta(days=(last_day.weekday() + 1) % 7)
            for hour in range(-2, 26):
                instant = datetime.combine(sunday, time(0), tzinfo=UTC) + timedelta(hours=hour)
                assert instant.astimezone(zone).utcoffset() == instant.astimezone(LONDON).utcoffset(), instant


def test_panels_either_side_of_the_october_clock_change_get_the_right_utc_instants() -> None:
    """10am in London is 09:00Z on Saturday 24 October 2026 (BST) and 10:00Z on Monday 26th (GMT)."""
    before = london_to_utc(date(2026, 10, 24), time(10, 0))
    after = london_to_utc(date(2026, 10, 26), time(10, 0))
    assert before == datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
    assert after == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)

    data = calendar.feed(
        [
            event(starts_at=before, ends_at=before + timedelta(hours=2)),
            event(uid="panel-8-x@learning-panels", starts_at=after, ends_at=after + timedelta(hours=2)),
        ],
        name="Panels",
    )
    starts = sorted(v.decoded("DTSTART") for v in Calendar.from_ical(data).walk("VEVENT"))
    assert [s.astimezone(UTC) for s in starts] == [before, after]
    assert b"DTSTART;TZID=Europe/London:20261024T100000" in data
    assert b"DTSTART;TZID=Europe/London:20261026T100000" in data


def test_an_update_keeps_the_uid_and_raises_the_sequence() -> None:
    moved_start = london_to_utc(date(2026, 11, 2), time(14, 0))
    first = parse(calendar.request(event()))[1]
    update = parse(
        calendar.request(
            event(
                sequence=1,
                stamp=STAMP + timedelta(days=1),
                starts_at=moved_start,
                ends_at=moved_start + timedelta(hours=2),
            )
        )
    )[1]

    assert update["UID"] == first["UID"]
    assert update["SEQUENCE"] > first["SEQUENCE"]
    assert update.decoded("DTSTAMP") > first.decoded("DTSTAMP")
    assert update.decoded("DTSTART").astimezone(UTC) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_a_cancellation_is_method_cancel_with_status_cancelled_and_the_same_uid() -> None:
    cal, vevent = parse(calendar.cancellation(event(sequence=3, cancelled=True)))

    assert cal["METHOD"] == "CANCEL"
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["UID"] == "panel-7-0123456789abcdef@learning-panels"
    assert vevent["SEQUENCE"] == 3
    assert set(attendees_of(vevent)) == {
        "inspector@inspectorate.example",
        "police@police.example",
        "health@health.example",
        "notes@inspectorate.example",
    }
    # A cancelled panel's "request" is a cancellation too: it can never look scheduled.
    assert parse(calendar.request(event(cancelled=True)))[0]["METHOD"] == "CANCEL"


def test_removing_one_person_sends_a_cancel_naming_only_them() -> None:
    cal, vevent = parse(calendar.cancellation(event(sequence=2), only=POLICE))

    assert cal["METHOD"] == "CANCEL"
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 2
    assert set(attendees_of(vevent)) == {"police@police.example"}


def test_crlf_in_typed_text_never_adds_a_property() -> None:
    evil = "Panel\r\nATTENDEE:mailto:evil@example.com"
    data = calendar.request(
        event(
            summary=evil,
            location="Room 1\r\nORGANIZER:mailto:evil@example.com",
            description="Notes\nSTATUS:CANCELLED",
            attendees=(
                calendar.Invitee(
                    calendar.Person("Eve\r\nATTENDEE:mailto:evil@example.com", "eve@example.org"),
                    "REQ-PARTICIPANT",
                    "NEEDS-ACTION",
                ),
            ),
        )
    )
    cal, vevent = parse(data)

    lines = data.decode().split("\r\n")
    assert not any(
        line.startswith(("ATTENDEE:mailto:evil", "ORGANIZER:mailto:evil", "STATUS:CANCELLED")) for line in lines
    )
    assert set(attendees_of(vevent)) == {"eve@example.org"}
    assert str(vevent["ORGANIZER"]) == "mailto:learning-panels@inspectorate.example"
    assert vevent["STATUS"] == "CONFIRMED"
    # The text itself survives, as text (newlines become a literal line break in the value).
    assert vevent["SUMMARY"] == "Panel\nATTENDEE:mailto:evil@example.com"
    assert "evil@example.com" not in attendees_of(vevent)


def test_the_same_panel_gives_the_same_bytes_every_time() -> None:
    assert calendar.request(event()) == calendar.request(event())


def test_a_feed_is_published_without_attendees_and_keeps_cancelled_panels_marked() -> None:
    later = london_to_utc(date(2027, 1, 12), time(9, 30))
    data = calendar.feed(
        [
            event(),
            event(
                uid="panel-9-y@learning-panels",
                starts_at=later,
                ends_at=later + timedelta(hours=1),
                cancelled=True,
                sequence=4,
            ),
        ],
        name="Learning panels – Priya Constable",
    )
    cal = Calendar.from_ical(data)

    assert cal["METHOD"] == "PUBLISH"
    assert cal["X-WR-CALNAME"] == "Learning panels – Priya Constable"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    statuses = {str(v["UID"]): str(v["STATUS"]) for v in cal.walk("VEVENT")}
    assert statuses == {
        "panel-7-0123456789abcdef@learning-panels": "CONFIRMED",
        "panel-9-y@learning-panels": "CANCELLED",
    }
    assert not any("ATTENDEE" in v for v in cal.walk("VEVENT"))
    # One VTIMEZONE serves both panels: read through it, each start is the right instant.
    assert len(cal.walk("VTIMEZONE")) == 1
    starts = {str(v["UID"]): v.decoded("DTSTART").astimezone(UTC) for v in cal.walk("VEVENT")}
    assert starts["panel-9-y@learning-panels"] == datetime(2027, 1, 12, 9, 30, tzinfo=UTC)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        calendar.request(event(starts_at=datetime(2026, 10, 24, 10, 0)))
