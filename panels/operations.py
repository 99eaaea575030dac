"""State changes on learning panels: create, edit, agenda, attendees, schedule, reply, cancel,
record the outcome, and the personal calendar feed.

Every function adds to the caller's transaction (audit rows and outbox messages included)
and leaves the commit to the caller, so a change and the emails it causes commit together.

Calendar rules kept here (RFC 5546): the UID is fixed at creation; the SEQUENCE goes up when
the time or place changes, when the panel is cancelled and when someone is taken off it, and
each of those sends the people concerned a file with the new SEQUENCE, so their calendar
applies it to the entry it already has.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import cast

from flask import current_app
from sqlalchemy import select

from agencies.models import Organisation, User
from cases.models import MultiAgencyCase
from core import audit
from core.formatting import govuk_date, utc_now
from extensions import db
from notifications.outbox import Attachment, portal_link, queue_email
from panels import calendar
from panels.models import (
    Attendance,
    AttendeeRole,
    CalendarFeedToken,
    Panel,
    PanelAgendaItem,
    PanelAttendee,
    PanelGuest,
    PanelStatus,
    PanelWalkIn,
    Reply,
)
from panels.permissions import eligible_organisation_ids, is_eligible
from panels.rules import TimeError, agenda_instant, deputy_refusal, format_time, london_date, london_time


class PanelError(ValueError):
    """A change the rules do not allow; the message is for the person who asked."""


@dataclass
class PanelDetails:
    """What the inspector types about the meeting itself."""

    title: str
    starts_at_utc: datetime
    ends_at_utc: datetime
    place: str
    video_link: str


# Changing these sends attendees an update (a new SEQUENCE) once the panel is scheduled.
CALENDAR_FIELDS = ("starts_at_utc", "ends_at_utc", "place", "video_link")
TIME_FIELDS = ("starts_at_utc", "ends_at_utc")


# --- calendar data ---------------------------------------------------------------------------


def organizer() -> calendar.Person:
    """The Inspectorate's panels mailbox (``PANEL_ORGANIZER_EMAIL``), never a person on the list:
    calendar clients send replies to the ORGANIZER, and that mailbox passes them to the portal."""
    config = current_app.config
    return calendar.Person(config["PANEL_ORGANIZER_NAME"], config["PANEL_ORGANIZER_EMAIL"])


def _description(panel: Panel, *, for_guest: bool = False) -> str:
    lines = [calendar.MARKING, "", f"Learning panel convened by HM Inspectorate of Probation: {panel.title}"]
    if panel.agenda and not for_guest:
        lines += ["", "Agenda:"]
        for number, item in enumerate(panel.agenda, start=1):
            at = f" ({format_time(item.start_time)})" if item.start_time else ""
            lines.append(f"{number}. {item.case.reference}{at}")
    if panel.place:
        lines += ["", f"Place: {panel.place}"]
    if panel.video_link:
        lines += ["", f"Join online: {panel.video_link}"]
    if for_guest:
        return "\n".join(lines)
    lines += [
        "",
        "Reply, and download the panel pack, in the Learning panels portal:",
        portal_link("panels.show_panel", panel_id=panel.id),
    ]
    return "\n".join(lines)


def calendar_event(panel: Panel) -> calendar.PanelEvent:
    return calendar.PanelEvent(
        uid=panel.uid,
        sequence=panel.sequence,
        stamp=panel.updated_at_utc,
        starts_at=panel.starts_at_utc,
        ends_at=panel.ends_at_utc,
        summary=panel.title,
        organizer=organizer(),
        location=panel.place or panel.video_link,
        description=_description(panel),
        url=portal_link("panels.show_panel", panel_id=panel.id),
        cancelled=panel.is_cancelled,
        attendees=tuple(invitee(a) for a in panel.attendees) + tuple(guest_invitee(g) for g in panel.guests),
    )


def guest_event(panel: Panel) -> calendar.PanelEvent:
    """The calendar event as a guest gets it: no link into the portal, no case references."""
    return replace(calendar_event(panel), url="", description=_description(panel, for_guest=True))


def guest_invitee(guest: PanelGuest) -> calendar.Invitee:
    return calendar.Invitee(
        person=calendar.Person(guest.full_name, guest.email), role=guest.role.ical_role, partstat="NEEDS-ACTION"
    )


def invitee(attendee: PanelAttendee) -> calendar.Invitee:
    """An ATTENDEE. The convening inspector is one like the others but is not asked to reply to
    her own panel: RSVP=FALSE, and ACCEPTED unless she has said otherwise in the portal."""
    convener = attendee.panel.convened_by_id is not None and attendee.user_id == attendee.panel.convened_by_id
    return calendar.Invitee(
        person=calendar.Person(attendee.user.full_name, attendee.user.email),
        role=attendee.role.ical_role,
        partstat=attendee.reply.partstat if attendee.reply else ("ACCEPTED" if convener else "NEEDS-ACTION"),
        rsvp=not convener,
    )


def personal_invite(panel: Panel) -> bytes:
    """The file an attendee downloads: the current state, cancelled if the panel is."""
    event = calendar_event(panel)
    return calendar.cancellation(event) if panel.is_cancelled else calendar.request(event)


def _touch(panel: Panel) -> None:
    """Record that the panel changed (a new DTSTAMP and version) when only its agenda or
    attendee list did: packs and calendar files are built from all of it."""
    panel.updated_at_utc = utc_now()


# --- emails ----------------------------------------------------------------------------------


def send_to_attendee(
    attendee: PanelAttendee,
    *,
    template: str,
    subject: str,
    ics: bytes | None = None,
    method: str = "REQUEST",
    subject_lead: str = "",
    **context: object,
) -> None:
    """One email to one attendee; with a calendar file, an iMIP message (RFC 6047).

    The calendar goes inline, as a ``text/calendar; method=…; charset=UTF-8`` part of the
    ``multipart/alternative`` beside the text and HTML bodies (which repeat the date, time,
    place, video link and portal link: Outlook shows the body, not DESCRIPTION); its method is
    always the file's METHOD. A copy follows as an ``.ics`` attachment for clients that want
    a file to open.
    """
    panel = attendee.panel
    if method != "CANCEL" and not is_eligible(panel, attendee.user):
        # Their organisation's invitation was withdrawn, or they moved or left: the panel is no
        # longer theirs (panels/permissions.py), so no news of it either; a cancellation still
        # goes, to take it out of their calendar.
        return
    attachments = []
    if ics is not None:
        if calendar.method_of(ics) != method:
            raise ValueError(f"The calendar file's METHOD is not {method}")
        attachments += [
            Attachment("invite.ics", f"text/calendar; method={method}; charset=UTF-8", ics, inline=True),
            Attachment(f"{panel.reference}.ics", "application/ics", ics),
        ]
    queue_email(
        to=attendee.user.email,
        recipient=attendee.user,
        subject=f"{subject}: {panel.title}, {govuk_date(panel.starts_at_utc)}"
        if subject
        else f"{panel.title}, {govuk_date(panel.starts_at_utc)}",
        subject_lead=subject_lead,
        template=template,
        context={
            "panel": panel,
            "attendee": attendee,
            "agenda_references": [_agenda_line(item) for item in panel.agenda],
            "panel_link": portal_link("panels.show_panel", panel_id=panel.id),
            "reply_link": portal_link("panels.reply_to_panel", panel_id=panel.id),
            **context,
        },
        concerning=panel,
        about_a_case=True,
        attachments=attachments,
    )


def _agenda_line(item: PanelAgendaItem) -> str:
    return f"{item.case.reference} at {format_time(item.start_time)}" if item.start_time else item.case.reference


def _invite(attendee: PanelAttendee, *, update: bool = False, changes: Iterable[str] = (), moved: bool = False) -> None:
    now = utc_now()
    ics = calendar.request(calendar_event(attendee.panel))
    send_to_attendee(
        attendee,
        template="panel_update" if update else "panel_invitation",
        subject="Updated" if update else "Invitation",
        ics=ics,
        changes=list(changes),
        moved=moved,
    )
    if attendee.invited_at_utc is None:
        attendee.invited_at_utc = now
    attendee.notified_at_utc = now


def send_to_guest(guest: PanelGuest, *, kind: str, ics: bytes, method: str = "REQUEST", **context: object) -> None:
    """A guest's email: the meeting's time and place and the calendar file, and nothing else
    (no links into the portal, no case references: a guest has no account)."""
    panel = guest.panel
    subjects = {"invitation": "Invitation", "update": "Updated", "cancelled": "Cancelled", "removed": "Cancelled"}
    queue_email(
        to=guest.email,
        subject=f"{subjects[kind]}: {panel.title}, {govuk_date(panel.starts_at_utc)}",
        template="panel_guest",
        context={"panel": panel, "guest": guest, "kind": kind, "organizer": organizer(), **context},
        concerning=panel,
        about_a_case=True,
        # An iMIP message like an attendee's (send_to_attendee), so the guest's calendar shows it
        # as a meeting request; a copy of the file follows for clients that want one.
        attachments=[
            Attachment("invite.ics", f"text/calendar; method={method}; charset=UTF-8", ics, inline=True),
            Attachment(f"{panel.reference}.ics", "application/ics", ics),
        ],
    )
    now = utc_now()
    if guest.invited_at_utc is None:
        guest.invited_at_utc = now
    guest.notified_at_utc = now


def _invite_guests(panel: Panel, *, update: bool = False, changes: Iterable[str] = (), moved: bool = False) -> int:
    ics = calendar.request(guest_event(panel))
    guests = [g for g in panel.guests if g.was_invited or not update]
    for guest in guests:
        send_to_guest(guest, kind="update" if update else "invitation", ics=ics, changes=list(changes), moved=moved)
    return len(guests)


def add_guest(panel: Panel, full_name: str, email: str, role: AttendeeRole, by: User) -> PanelGuest:
    """Invite someone without an account by name and email; on a scheduled panel they are
    emailed the invitation at once."""
    _editable(panel)
    address = email.strip().lower()
    if any(g.email == address for g in panel.guests) or any(a.user.email.lower() == address for a in panel.attendees):
        raise PanelError("This person is already invited to the panel")
    guest = PanelGuest(panel=panel, full_name=full_name.strip(), email=address, role=role, added_by_id=by.id)
    db.session.add(guest)
    _touch(panel)
    audit.record("panel.guest_added", panel, f"Guest {guest.full_name} invited to {panel.title}", actor=by)
    if panel.is_scheduled:
        _flush_for_stamp(panel)
        send_to_guest(guest, kind="invitation", ics=calendar.request(guest_event(panel)))
    return guest


def remove_guest(guest: PanelGuest, by: User) -> bool:
    """Take a guest off the panel; one who was invited gets a cancellation. Returns whether emailed."""
    panel = guest.panel
    _editable(panel)
    emailed = panel.is_scheduled and guest.was_invited
    audit.record("panel.guest_removed", panel, f"Guest {guest.full_name} removed from {panel.title}", actor=by)
    if emailed:
        panel.sequence += 1
        _touch(panel)
        _flush_for_stamp(panel)
        ics = calendar.cancellation(guest_event(panel), only=guest_invitee(guest))
        send_to_guest(guest, kind="removed", ics=ics, method="CANCEL")
    panel.guests.remove(guest)
    return emailed


def _flush_for_stamp(panel: Panel) -> None:
    # The calendar file's DTSTAMP is the row's new updated_at_utc, set when it is flushed.
    db.session.flush()


# --- the panel itself ------------------------------------------------------------------------


def _check_future(details: PanelDetails, now: datetime) -> None:
    if details.starts_at_utc <= now:
        raise PanelError("The panel must start in the future")


def create_panel(details: PanelDetails, by: User, convener_role: AttendeeRole | None = AttendeeRole.CHAIR) -> Panel:
    """A draft panel convened by ``by``, who is put on the attendee list in ``convener_role``
    (None: they will not attend). Nobody is emailed until the panel is scheduled."""
    _check_future(details, utc_now())
    panel = Panel(
        uid=f"panel-new-{secrets.token_hex(8)}@learning-panels",
        title=details.title,
        starts_at_utc=details.starts_at_utc,
        ends_at_utc=details.ends_at_utc,
        place=details.place,
        video_link=details.video_link,
        convened_by=by,
        status=PanelStatus.DRAFT,
    )
    db.session.add(panel)
    db.session.flush()
    # The UID names the panel and adds a random part, so it is unique across installations.
    panel.uid = f"panel-{panel.id}-{secrets.token_hex(8)}@learning-panels"
    if convener_role is not None:
        panel.attendees.append(PanelAttendee(user=by, role=convener_role))
    audit.record(
        "panel.created", panel, f"Created the draft panel {panel.title}", starts_at_utc=panel.starts_at_utc.isoformat()
    )
    return panel


def update_details(panel: Panel, details: PanelDetails, version: int | str | None, by: User) -> list[str]:
    """Save the meeting's details; return the names of the fields that changed.

    Once scheduled, a new time or place goes to every invited attendee as an update with a
    higher SEQUENCE, and a new time clears the replies (people must say again whether they
    can come) and re-arms the reminders (they are keyed by the start).
    """
    panel.check_version(version)
    if not panel.details_editable:
        raise PanelError(f"A {panel.status.label.lower()} panel cannot be changed")
    before = {name: getattr(panel, name) for name in ("title", *CALENDAR_FIELDS)}
    after = {
        "title": details.title,
        "starts_at_utc": details.starts_at_utc,
        "ends_at_utc": details.ends_at_utc,
        "place": details.place,
        "video_link": details.video_link,
    }
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return []
    if any(name in TIME_FIELDS for name in changed):
        _check_future(details, utc_now())
    # The agenda moves with the panel (or the change is refused until its times fit).
    agenda_moves = _moved_agenda(panel, details) if any(name in TIME_FIELDS for name in changed) else []
    for name in changed:
        setattr(panel, name, after[name])
    for item, _old, new in agenda_moves:
        item.start_time = new
    moved = any(name in TIME_FIELDS for name in changed)
    notify = panel.is_scheduled and any(name in CALENDAR_FIELDS for name in changed)
    if notify:
        panel.sequence += 1
    if panel.is_scheduled and moved:
        for attendee in panel.attendees:
            attendee.reply = None
            attendee.reply_comment = ""
            attendee.replied_at_utc = None
    if agenda_moves:
        _touch(panel)
    audit.record(
        "panel.updated",
        panel,
        f"Changed {', '.join(_field_label(n) for n in changed)} of {panel.title}",
        changes={n: [_auditable(before[n]), _auditable(after[n])] for n in changed},
        agenda_moved={i.case.reference: [format_time(o), format_time(n)] for i, o, n in agenda_moves},
        sequence=panel.sequence,
    )
    if notify:
        sentences = change_sentences(before, after, [(i.case.reference, o, n) for i, o, n in agenda_moves])
        _flush_for_stamp(panel)
        for attendee in panel.attendees:
            if attendee.was_invited:
                _invite(attendee, update=True, changes=sentences, moved=moved)
        _invite_guests(panel, update=True, changes=sentences, moved=moved)
    return changed


def _moved_agenda(panel: Panel, details: PanelDetails) -> list[tuple[PanelAgendaItem, time, time]]:
    """Each timed agenda item's new London time when the panel moves: shifted by as much as the
    panel's start time moved, and still within the panel. PanelError (nothing changed) if any
    would fall outside it: the inspector changes those times first."""
    shift = _minutes(london_time(details.starts_at_utc)) - _minutes(london_time(panel.starts_at_utc))
    moves: list[tuple[PanelAgendaItem, time, time]] = []
    misfits: list[str] = []
    for item in panel.agenda:
        if item.start_time is None:
            continue
        minutes = _minutes(item.start_time) + shift
        if not 0 <= minutes < 24 * 60:
            misfits.append(item.case.reference)
            continue
        new = time(minutes // 60, minutes % 60)
        try:
            at = agenda_instant(details.starts_at_utc, new)
        except TimeError:  # a time the clocks skip that day
            at = None
        if at is None or not details.starts_at_utc <= at < details.ends_at_utc:
            misfits.append(item.case.reference)
        elif new != item.start_time:
            moves.append((item, item.start_time, new))
    if misfits:
        raise PanelError(
            f"The agenda times of {', '.join(misfits)} would fall outside the panel's new time "
            f"({format_time(london_time(details.starts_at_utc))} to {format_time(london_time(details.ends_at_utc))}): "
            "change or clear them on the agenda first"
        )
    return moves


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def change_sentences(
    before: dict[str, object], after: dict[str, object], agenda_moves: Iterable[tuple[str, time, time]] = ()
) -> list[str]:
    """What changed, in words, for the update email: "The time has changed from 10am to 2pm."."""
    sentences = []
    old_start, new_start = cast(datetime, before["starts_at_utc"]), cast(datetime, after["starts_at_utc"])
    old_end, new_end = cast(datetime, before["ends_at_utc"]), cast(datetime, after["ends_at_utc"])
    if london_date(old_start) != london_date(new_start):
        sentences.append(f"The date has changed from {govuk_date(old_start)} to {govuk_date(new_start)}.")
    old_from, new_from = london_time(old_start), london_time(new_start)
    old_to, new_to = london_time(old_end), london_time(new_end)
    if old_from != new_from:
        sentences.append(f"The time has changed from {format_time(old_from)} to {format_time(new_from)} (UK time).")
        if new_end - new_start != old_end - old_start:
            sentences.append(f"It now ends at {format_time(new_to)} (it was to end at {format_time(old_to)}).")
    elif old_to != new_to:
        sentences.append(f"The end time has changed from {format_time(old_to)} to {format_time(new_to)} (UK time).")
    moves = list(agenda_moves)
    if moves:
        sentences.append(
            "The agenda moves with it: "
            + "; ".join(
                f"{reference} is now at {format_time(new)} (was {format_time(old)})" for reference, old, new in moves
            )
            + "."
        )
    old_place, new_place = str(before["place"] or ""), str(after["place"] or "")
    if old_place != new_place:
        if old_place and new_place:
            sentences.append(f"The place has changed from {old_place} to {new_place}.")
        elif new_place:
            sentences.append(f"The panel now meets in person at {new_place}.")
        else:
            sentences.append(f"The panel no longer meets at {old_place}.")
    old_link, new_link = str(before["video_link"] or ""), str(after["video_link"] or "")
    if old_link != new_link:
        if new_link:
            sentences.append(f"The video link has changed to {new_link}." if old_link else f"Join online: {new_link}.")
        else:
            sentences.append("The panel no longer has a video link.")
    return sentences


def _field_label(name: str) -> str:
    return {
        "title": "title",
        "starts_at_utc": "start",
        "ends_at_utc": "end",
        "place": "place",
        "video_link": "video link",
    }[name]


def _auditable(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def schedule_problems(panel: Panel, now: datetime) -> list[str]:
    """What stops a draft from being scheduled, in the words the confirmation page shows."""
    problems = []
    if not panel.is_draft:
        problems.append(f"This panel is already {panel.status.label.lower()}")
    if panel.starts_at_utc <= now:
        problems.append("The panel's start time has passed: change its date first")
    if not panel.agenda:
        problems.append("Add at least one case to the agenda")
    if not panel.attendees:
        problems.append("Add at least one attendee")
    if not (panel.place or panel.video_link):
        problems.append("Add a place or a video link")
    return problems


def schedule_panel(panel: Panel, version: int | str | None, by: User) -> int:
    """Send every attendee their invitation with the calendar file; return how many."""
    panel.check_version(version)
    problems = schedule_problems(panel, utc_now())
    if problems:
        raise PanelError(problems[0])
    panel.status = PanelStatus.SCHEDULED
    panel.scheduled_at_utc = utc_now()
    audit.record(
        "panel.scheduled",
        panel,
        f"Scheduled {panel.title} and invited {len(panel.attendees)} people",
        attendees=len(panel.attendees),
        starts_at_utc=panel.starts_at_utc.isoformat(),
    )
    _flush_for_stamp(panel)
    for attendee in panel.attendees:
        _invite(attendee)
    return len(panel.attendees) + _invite_guests(panel)


def cancel_panel(panel: Panel, reason: str, version: int | str | None, by: User) -> int:
    """Cancel the panel; everyone who was invited gets METHOD:CANCEL. Returns emails sent."""
    panel.check_version(version)
    if not panel.details_editable:
        raise PanelError(f"A {panel.status.label.lower()} panel cannot be cancelled")
    was_scheduled = panel.is_scheduled
    panel.status = PanelStatus.CANCELLED
    panel.cancelled_at_utc = utc_now()
    panel.cancellation_reason = reason
    panel.sequence += 1
    audit.record("panel.cancelled", panel, f"Cancelled {panel.title}", reason=reason, sequence=panel.sequence)
    if not was_scheduled:
        return 0
    _flush_for_stamp(panel)
    ics = calendar.cancellation(calendar_event(panel))
    sent = 0
    for attendee in panel.attendees:
        if attendee.was_invited:
            send_to_attendee(
                attendee,
                template="panel_cancelled",
                subject="",
                subject_lead="Cancelled:",  # first, where calendar and mail clients look for it
                ics=ics,
                method="CANCEL",
                reason=reason,
            )
            attendee.notified_at_utc = utc_now()
            sent += 1
    guest_ics = calendar.cancellation(guest_event(panel))
    for guest in panel.guests:
        if guest.was_invited:
            send_to_guest(guest, kind="cancelled", ics=guest_ics, method="CANCEL", reason=reason)
            sent += 1
    return sent


# --- agenda ----------------------------------------------------------------------------------


def _editable(panel: Panel) -> None:
    if not panel.details_editable:
        raise PanelError(f"A {panel.status.label.lower()} panel cannot be changed")


def _check_agenda_time(panel: Panel, start_time: time | None) -> None:
    """An agenda time must fall within the panel (it is a London time on the panel's day)."""
    at = agenda_instant(panel.starts_at_utc, start_time)
    if at is not None and not panel.starts_at_utc <= at < panel.ends_at_utc:
        raise PanelError(
            f"The time must be during the panel, from {format_time(london_time(panel.starts_at_utc))} "
            f"to before {format_time(london_time(panel.ends_at_utc))}"
        )


def add_agenda_item(panel: Panel, case: MultiAgencyCase, start_time: time | None, by: User) -> PanelAgendaItem:
    _editable(panel)
    if any(item.case.id == case.id for item in panel.agenda):
        raise PanelError(f"{case.reference} is already on the agenda")
    _check_agenda_time(panel, start_time)
    item = PanelAgendaItem(case=case, start_time=start_time, position=len(panel.agenda) + 1)
    panel.agenda.append(item)
    _touch(panel)
    db.session.flush()
    audit.record(
        "panel.agenda_added",
        panel,
        f"Added {case.reference} to the agenda of {panel.title}",
        case=case.reference,
        start_time=format_time(start_time),
    )
    return item


def change_agenda_time(item: PanelAgendaItem, start_time: time | None, by: User) -> None:
    panel = item.panel
    _editable(panel)
    _check_agenda_time(panel, start_time)
    before = item.start_time
    item.start_time = start_time
    _touch(panel)
    audit.record(
        "panel.agenda_changed",
        panel,
        f"Changed the time of {item.case.reference} on {panel.title}",
        case=item.case.reference,
        changes={"start_time": [format_time(before), format_time(start_time)]},
    )


def move_agenda_item(item: PanelAgendaItem, offset: int, by: User) -> bool:
    """Move an item up (-1) or down (+1) the agenda; False if it is already at that end."""
    panel = item.panel
    _editable(panel)
    items = list(panel.agenda)
    index = items.index(item)
    target = index + offset
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    _touch(panel)
    audit.record(
        "panel.agenda_reordered",
        panel,
        f"Moved {item.case.reference} {'up' if offset < 0 else 'down'} the agenda of {panel.title}",
        order=[each.case.reference for each in items],
    )
    return True


def remove_agenda_item(item: PanelAgendaItem, by: User) -> None:
    panel = item.panel
    _editable(panel)
    reference = item.case.reference
    panel.agenda.remove(item)
    for position, each in enumerate(panel.agenda, start=1):
        each.position = position
    _touch(panel)
    audit.record("panel.agenda_removed", panel, f"Removed {reference} from the agenda of {panel.title}", case=reference)


# --- attendees -------------------------------------------------------------------------------


def _only_one_chair(panel: Panel, new_chair: PanelAttendee) -> None:
    for attendee in panel.attendees:
        if attendee is not new_chair and attendee.role == AttendeeRole.CHAIR:
            attendee.role = AttendeeRole.MEMBER


def add_attendee(
    panel: Panel, person: User, role: AttendeeRole, by: User, *, deputy_for: PanelAttendee | None = None
) -> PanelAttendee:
    """Put someone on the list; once the panel is scheduled they are sent the invitation now.
    ``deputy_for``: the invitee who nominated them (``nominate_deputy``)."""
    _editable(panel)
    if panel.attendee_for(person.id) is not None:
        raise PanelError(f"{person.full_name} is already invited")
    if not is_eligible(panel, person):
        raise PanelError(
            f"{person.full_name} cannot be invited: their organisation is not invited to a case on the agenda"
        )
    attendee = PanelAttendee(user=person, role=role, deputy_for_id=deputy_for.id if deputy_for else None)
    panel.attendees.append(attendee)
    if role == AttendeeRole.CHAIR:
        _only_one_chair(panel, attendee)
    _touch(panel)
    audit.record(
        "panel.attendee_added",
        panel,
        f"Invited {person.full_name} to {panel.title} as {role.label.lower()}"
        + (f" (deputy for {deputy_for.user.full_name})" if deputy_for else ""),
        person=person.email,
        organisation=person.organisation.name,
        role=role.value,
    )
    if panel.is_scheduled:
        _flush_for_stamp(panel)
        _invite(attendee)
    return attendee


def change_attendee_role(attendee: PanelAttendee, role: AttendeeRole, by: User) -> None:
    panel = attendee.panel
    _editable(panel)
    before = attendee.role
    if before == role:
        return
    attendee.role = role
    if role == AttendeeRole.CHAIR:
        _only_one_chair(panel, attendee)
    _touch(panel)
    audit.record(
        "panel.attendee_role_changed",
        panel,
        f"Made {attendee.user.full_name} {role.label.lower()} of {panel.title}",
        person=attendee.user.email,
        changes={"role": [before.value, role.value]},
    )


def remove_attendee(attendee: PanelAttendee, by: User) -> bool:
    """Take someone off the list. If they had been invited they get a cancellation naming just
    them (with a higher SEQUENCE), so their calendar drops the entry. Returns whether one was sent."""
    panel = attendee.panel
    _editable(panel)
    person = attendee.user
    notify = panel.is_scheduled and attendee.was_invited
    if notify:
        panel.sequence += 1
    _touch(panel)
    audit.record(
        "panel.attendee_removed",
        panel,
        f"Removed {person.full_name} from {panel.title}",
        person=person.email,
        organisation=person.organisation.name,
        notified=notify,
    )
    if notify:
        _flush_for_stamp(panel)
        ics = calendar.cancellation(calendar_event(panel), only=invitee(attendee))
        send_to_attendee(attendee, template="panel_removed", subject="No longer invited", ics=ics, method="CANCEL")
    for deputy in attendee.deputies:
        # Their deputies stay invited (the convenor removes them if they should not come); the
        # link to the removed row goes (SQLite does not apply ON DELETE SET NULL).
        deputy.deputy_for_id = None
    panel.attendees.remove(attendee)
    return notify


REPLY_COMMENT_LIMIT = 1000


def reply_to_panel(attendee: PanelAttendee, reply: Reply, by: User, comment: str = "", via: str = "portal") -> None:
    """The attendee's own answer, with what they wrote: from the reply page, or (``via`` "calendar")
    from their calendar's Accept / Tentative / Decline. It does not change the panel's version:
    a reply must never make an inspector's open edit stale."""
    panel = attendee.panel
    if not panel.is_scheduled:
        raise PanelError(f"You cannot reply to a {panel.status.label.lower()} panel")
    if panel.ends_at_utc <= utc_now():
        raise PanelError("This panel has finished")
    before = attendee.reply
    attendee.reply = reply
    attendee.reply_comment = (comment or "").strip()[:REPLY_COMMENT_LIMIT]
    attendee.replied_at_utc = utc_now()
    audit.record(
        "panel.replied",
        panel,
        f"{by.full_name} replied {reply.label.lower()} to {panel.title}"
        + (" from their calendar" if via == "calendar" else ""),
        actor=by,
        reply=reply.value,
        previous=before.value if before else None,
        via=via,
        with_comment=bool(attendee.reply_comment),
    )


# --- deputies --------------------------------------------------------------------------------


class DeputyRefused(PanelError):
    """The nomination is refused (the person cannot be this invitee's deputy); nothing changed."""


def deputy_role(role: AttendeeRole) -> AttendeeRole:
    """A deputy takes the decliner's place, except the chair's: who chairs is the convenor's choice."""
    return AttendeeRole.MEMBER if role == AttendeeRole.CHAIR else role


def _check_deputy(attendee: PanelAttendee, deputy: User, by: User) -> PanelAttendee | None:
    """Refuse a nomination the rules do not allow (``rules.deputy_refusal``), whatever the form
    offered; return the deputy's row if this invitee nominated them before."""
    panel = attendee.panel
    if by.id != attendee.user_id:
        raise PanelError("Only the invitee can nominate their deputy")
    existing = panel.attendee_for(deputy.id)
    if existing is not None and existing.deputy_for_id == attendee.id:
        return existing
    refusal = deputy_refusal(
        decliner_organisation_id=attendee.user.organisation_id,
        deputy_organisation_id=deputy.organisation_id,
        deputy_active=deputy.active,
        organisation_may_attend=deputy.organisation_id in eligible_organisation_ids(panel),
        already_invited=existing is not None or deputy.id == attendee.user_id,
    )
    if refusal:
        raise DeputyRefused(refusal)
    return None


def decline_with_deputy(attendee: PanelAttendee, deputy: User, by: User, comment: str = "") -> PanelAttendee:
    """Decline and nominate ``deputy`` (from the decliner's organisation) in one step: the
    nomination is checked first, so a refused one records nothing. See ``nominate_deputy``."""
    _check_deputy(attendee, deputy, by)
    reply_to_panel(attendee, Reply.DECLINED, by, comment=comment)
    return nominate_deputy(attendee, deputy, by)


def nominate_deputy(attendee: PanelAttendee, deputy: User, by: User) -> PanelAttendee:
    """The invitee, having declined, nominates a deputy from their own organisation, who is
    invited in their place through ``add_attendee`` (the invitation email with its calendar
    request, and access to the panel as anyone on the list has it), in the decliner's role
    (a chair's deputy is a member). The convening inspector is emailed and the nomination
    audited. Nominating the same person again changes nothing and sends nothing.

    If the invitee later accepts after all, the deputy stays invited: the convenor removes
    them like anyone else.
    """
    panel = attendee.panel
    if attendee.reply != Reply.DECLINED:
        raise PanelError("You can nominate a deputy when you decline")
    if (existing := _check_deputy(attendee, deputy, by)) is not None:
        return existing
    deputy_attendee = add_attendee(panel, deputy, deputy_role(attendee.role), by, deputy_for=attendee)
    audit.record(
        "panel.deputy_nominated",
        panel,
        f"{attendee.user.full_name} declined {panel.title} and nominated {deputy.full_name} as deputy",
        actor=by,
        person=deputy.email,
        deputy_for=attendee.user.email,
        organisation=deputy.organisation.name,
        role=deputy_attendee.role.value,
    )
    convenor = panel.convened_by
    if convenor is not None and convenor.active and convenor.is_inspectorate and convenor.id != by.id:
        queue_email(
            to=convenor.email,
            recipient=convenor,
            subject=f"Deputy nominated: {panel.title}, {govuk_date(panel.starts_at_utc)}",
            template="panel_deputy",
            context={
                "panel": panel,
                "decliner": attendee,
                "deputy": deputy_attendee,
                "panel_link": portal_link("panels.show_panel", panel_id=panel.id) + "#attendees",
            },
            concerning=panel,
            about_a_case=True,
        )
    return deputy_attendee


# --- after the panel -------------------------------------------------------------------------


class AttendanceRefused(PanelError):
    """The register has problems, by form field name; nothing was saved."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class AttendanceEntry:
    attendance: Attendance
    deputy_name: str = ""


def _check_outcome_allowed(panel: Panel) -> None:
    if panel.status not in (PanelStatus.SCHEDULED, PanelStatus.HELD):
        raise PanelError(f"The outcome of a {panel.status.label.lower()} panel cannot be recorded")
    if not panel.has_started(utc_now()):
        raise PanelError("You can record the outcome once the panel has started")


def record_outcome(
    panel: Panel,
    register: Mapping[int, AttendanceEntry],
    notes: str,
    mark_held: bool,
    version: int | str | None,
    by: User,
) -> None:
    """The attendance register (each invitee present, sent apologies, represented by a named
    deputy, or absent), the notes, and (optionally) that the panel was held."""
    panel.check_version(version)
    _check_outcome_allowed(panel)
    problems = {
        f"deputy_{attendee.id}": f"Enter the name of {attendee.user.full_name}'s deputy"
        for attendee in panel.attendees
        if (entry := register.get(attendee.id)) is not None
        and entry.attendance == Attendance.DEPUTY
        and not entry.deputy_name.strip()
    }
    if problems:
        raise AttendanceRefused(problems)
    for attendee in panel.attendees:
        entry = register.get(attendee.id)
        attendee.attendance = entry.attendance if entry else None
        attendee.deputy_name = entry.deputy_name.strip() if entry and entry.attendance == Attendance.DEPUTY else ""
    panel.notes = notes
    newly_held = mark_held and panel.is_scheduled
    if newly_held:
        panel.status = PanelStatus.HELD
        panel.held_recorded_at_utc = utc_now()
    _touch(panel)
    audit.record(
        "panel.held" if newly_held else "panel.outcome_recorded",
        panel,
        f"{'Marked ' + panel.title + ' as held' if newly_held else 'Recorded the outcome of ' + panel.title}",
        attendance={a.user.email: a.attendance_text for a in panel.attendees if a.attendance},
    )


def add_walk_in(panel: Panel, full_name: str, organisation: Organisation, by: User) -> PanelWalkIn:
    """Someone who came without an invitation, from an organisation that may attend."""
    _check_outcome_allowed(panel)
    if organisation.id not in eligible_organisation_ids(panel):
        raise AttendanceRefused({"organisation_id": "Choose an organisation invited to a case on the agenda"})
    walk_in = PanelWalkIn(panel=panel, full_name=full_name.strip(), organisation=organisation, added_by_id=by.id)
    db.session.add(walk_in)
    _touch(panel)
    db.session.flush()
    audit.record(
        "panel.walk_in_added",
        panel,
        f"{walk_in.full_name} ({organisation.name}) came to {panel.title}",
        actor=by,
        organisation=organisation.name,
    )
    return walk_in


def remove_walk_in(walk_in: PanelWalkIn, by: User) -> None:
    panel = walk_in.panel
    audit.record(
        "panel.walk_in_removed",
        panel,
        f"{walk_in.full_name} taken off the register of {panel.title}",
        actor=by,
    )
    _touch(panel)
    db.session.delete(walk_in)


# --- the personal calendar feed --------------------------------------------------------------


def active_feed_token(user: User) -> CalendarFeedToken | None:
    return db.session.scalar(
        select(CalendarFeedToken).where(
            CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at_utc.is_(None)
        )
    )


def revoke_feed(user: User, *, because: str = "") -> bool:
    """End the person's feed address: every later use of it is a 404."""
    revoked = False
    for token in db.session.scalars(
        select(CalendarFeedToken).where(
            CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at_utc.is_(None)
        )
    ):
        token.revoked_at_utc = utc_now()
        revoked = True
    if revoked:
        summary = f"{user.full_name} revoked their calendar feed address"
        if because:
            summary = f"{user.full_name}'s calendar feed address revoked: {because}"
        audit.record("calendar_feed.revoked", user, summary)
    return revoked


def revoke_feed_with_sessions(user: User) -> None:
    """Registered with ``agencies.operations.when_sessions_revoked``: whoever may have had the
    person's sessions may have copied their feed address too."""
    revoke_feed(user, because="their sessions were ended")


def new_feed_token(user: User) -> str:
    """A new secret feed address (the old one stops working). Only its hash is kept, so the
    token is returned once, to show the person."""
    revoke_feed(user)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeedToken(user=user, token_hash=CalendarFeedToken.hash_token(token)))
    audit.record("calendar_feed.created", user, f"{user.full_name} made a new calendar feed address")
    return token


def feed_token(token: str) -> CalendarFeedToken | None:
    """The stored token this secret belongs to (revoked or not), found by its hash."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(CalendarFeedToken).where(CalendarFeedToken.token_hash == CalendarFeedToken.hash_token(token))
    )
