"""iCalendar files for panels (RFC 5545, with the RFC 5546 methods), built with the icalendar
library from plain data: no database, no Flask, so tests call these functions directly.

What calendar clients (Outlook, Google, Apple) need to apply invitations, updates and
cancellations to the same entry:

- one UID per panel that never changes, and a SEQUENCE that goes up with each change;
- DTSTAMP is when the panel last changed, not when the file was made, so downloading the
  same invite twice gives the same bytes;
- DTSTART and DTEND with ``TZID=Europe/London`` and a VTIMEZONE of two yearly rules
  (STANDARD and DAYLIGHT with RRULEs, as Outlook writes it): Outlook mishandles the
  RDATE-only definitions that ``add_missing_timezones`` writes from zoneinfo;
- METHOD:REQUEST for invitations and updates; METHOD:CANCEL with STATUS:CANCELLED for a
  cancelled panel, or for the one person taken off it; METHOD:PUBLISH for the feeds.

User text (titles, places, names) only ever goes into property *values*: the library
escapes TEXT values (CR/LF become ``\\n``) and parameter values (RFC 6868), so typed text can
never start a property of its own. Names and addresses also lose control characters first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from core.formatting import LONDON

TZID = "Europe/London"
PRODID = "-//HM Inspectorate of Probation//Learning panels//EN"
MARKING = "OFFICIAL-SENSITIVE"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Invitee:
    person: Person
    role: str  # RFC 5545 ROLE: CHAIR, REQ-PARTICIPANT, OPT-PARTICIPANT, NON-PARTICIPANT
    partstat: str  # NEEDS-ACTION, ACCEPTED, TENTATIVE, DECLINED
    rsvp: bool = True  # asked to reply (False for the convener: it is her own panel)


@dataclass(frozen=True)
class PanelEvent:
    uid: str
    sequence: int
    stamp: datetime  # when the panel last changed (aware)
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    summary: str
    organizer: Person
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    attendees: tuple[Invitee, ...] = field(default_factory=tuple)


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text or "").strip()


def _address(person: Person) -> vCalAddress:
    address = vCalAddress("mailto:" + _one_line(person.email).replace(" ", ""))
    address.params["CN"] = _one_line(person.name)
    return address


def _london(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware")
    return moment.astimezone(LONDON)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _vevent(panel: PanelEvent, *, with_attendees: bool, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", panel.uid)
    event.add("sequence", panel.sequence)
    event.add("dtstamp", _utc(panel.stamp))
    event.add("last-modified", _utc(panel.stamp))
    event.add("dtstart", _london(panel.starts_at).replace(second=0, microsecond=0))
    event.add("dtend", _london(panel.ends_at).replace(second=0, microsecond=0))
    event.add("summary", panel.summary)
    if panel.location:
        event.add("location", panel.location)
    if panel.description:
        event.add("description", panel.description)
    if panel.url:
        event.add("url", panel.url)
    # Others who can see the person's calendar see "busy", not the title.
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(panel.organizer))
    if with_attendees:
        for invitee in panel.attendees:
            address = _address(invitee.person)
            address.params["CUTYPE"] = "INDIVIDUAL"
            address.params["ROLE"] = invitee.role
            address.params["PARTSTAT"] = invitee.partstat
            address.params["RSVP"] = "TRUE" if invitee.rsvp else "FALSE"
            event.add("attendee", address)
    return event


def london_timezone() -> Timezone:
    """Europe/London as two yearly rules (the UK's since 1996, and the EU's): BST from 1am GMT on
    the last Sunday of March, GMT from 2am BST on the last Sunday of October."""
    zone = Timezone()
    zone.add("tzid", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "BST")
    daylight.add("tzoffsetfrom", timedelta(0))
    daylight.add("tzoffsetto", timedelta(hours=1))
    daylight.add("dtstart", datetime(1996, 3, 31, 1, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    standard = TimezoneStandard()
    standard.add("tzname", "GMT")
    standard.add("tzoffsetfrom", timedelta(hours=1))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("dtstart", datetime(1996, 10, 27, 2, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(daylight)
    zone.add_component(standard)
    return zone


def _calendar(
    method: str,
    events: list[Event],
    extra: Iterable[tuple[str, object, dict[str, str]]] = (),
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    for name, value, parameters in extra:
        if parameters:
            calendar.add(name, value, parameters=parameters)
        else:
            calendar.add(name, value)
    if events:  # the zone first: Outlook reads it before the events that use it
        calendar.add_component(london_timezone())
    for event in events:
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def method_of(ics: bytes) -> str:
    """The METHOD of a calendar file ("" if it has none)."""
    return str(Calendar.from_ical(ics).get("method", "")).upper()


def request(panel: PanelEvent) -> bytes:
    """An invitation or an update (METHOD:REQUEST), listing every attendee with their reply."""
    if panel.cancelled:
        return cancellation(panel)
    event = _vevent(panel, with_attendees=True, cancelled=False)
    return _calendar("REQUEST", [event])


def cancellation(panel: PanelEvent, only: Invitee | None = None) -> bytes:
    """METHOD:CANCEL with STATUS:CANCELLED: the whole panel, or (``only``) one person taken off it.

    RFC 5546 has the organizer send a person who is no longer invited a CANCEL naming just
    them, so their client removes the entry while everyone else's stays.
    """
    event_data = panel if only is None else replace(panel, attendees=(only,))
    event = _vevent(event_data, with_attendees=True, cancelled=True)
    return _calendar("CANCEL", [event])


def feed(panels: Iterable[PanelEvent], *, name: str, refresh: timedelta = timedelta(hours=1)) -> bytes:
    """A subscribed calendar (METHOD:PUBLISH): cancelled panels stay in it, marked cancelled,
    so subscribers' calendars show the cancellation instead of silently losing the entry.

    A published calendar lists no attendees (RFC 5546 3.2.1): only the organizer.
    """
    items = list(panels)
    events = [_vevent(p, with_attendees=False, cancelled=p.cancelled) for p in items]
    minutes = max(int(refresh.total_seconds() // 60), 1)
    return _calendar(
        "PUBLISH",
        events,
        [
            ("name", _one_line(name), {}),
            ("x-wr-calname", _one_line(name), {}),
            # How often subscribers should fetch it again: RFC 7986, and Outlook's older name.
            ("refresh-interval", refresh, {"VALUE": "DURATION"}),
            ("x-published-ttl", f"PT{minutes}M", {}),
        ],
    )
