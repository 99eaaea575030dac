"""Scheduling, updating and cancelling a panel: one email per attendee through the outbox, each
with a calendar file whose METHOD matches its Content-Type, parsed back with icalendar."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, time, timedelta

import pytest
from icalendar import Calendar

from core.audit import AuditEvent
from core.formatting import govuk_date
from extensions import db
from notifications.models import OutboxMessage
from notifications.worker import send_all_due
from panels import operations as operations
from panels.models import AttendeeRole, Reply
from panels.rules import london_date, panel_times
from tests.conftest import make_user
from tests.factories.panels import details, future, make_panel, panel_emails, panel_world
from tests.smtp import SmtpServer


def calendar_of(message: OutboxMessage) -> tuple[str, Calendar]:
    """The inline calendar part (iMIP); the .ics attachment beside it carries the same bytes."""
    [inline] = [a for a in message.attachments if a.inline]
    [attached] = [a for a in message.attachments if not a.inline]
    assert attached.data == inline.data and attached.filename.endswith(".ics")
    return inline.content_type, Calendar.from_ical(inline.data)


def method_parameter(content_type: str) -> str:
    params = dict(part.strip().split("=", 1) for part in content_type.split(";")[1:])
    return params["method"]


def only_event(cal: Calendar):
    [vevent] = cal.walk("VEVENT")
    return vevent


def attendee_addresses(vevent) -> set[str]:
    values = vevent.get("ATTENDEE", [])
    values = values if isinstance(values, list) else [values]
    return {str(v).removeprefix("mailto:") for v in values}


def test_scheduling_emails_each_attendee_once_with_a_request_they_can_add_to_their_calendar() -> None:
    world = panel_world(schedule=False)
    assert panel_emails() == []  # a draft invites nobody

    operations.schedule_panel(world.panel, world.panel.version, world.inspector)
    db.session.commit()

    messages = panel_emails()
    assert sorted(m.to_address for m in messages) == sorted(
        ["inspector@inspectorate.example", "police@police.example", "health@health.example"]
    )
    panel = world.panel
    for message in messages:
        assert message.template == "panel_invitation"
        assert message.subject.startswith("OFFICIAL-SENSITIVE: Invitation: Northshire learning panel")
        content_type, cal = calendar_of(message)
        assert content_type.startswith("text/calendar")
        assert method_parameter(content_type) == "REQUEST" == cal["METHOD"]
        vevent = only_event(cal)
        assert vevent["UID"] == panel.uid and panel.uid.startswith(f"panel-{panel.id}-")
        assert vevent["SEQUENCE"] == 0
        assert vevent.decoded("DTSTART").astimezone(UTC) == panel.starts_at_utc
        assert vevent.decoded("DTSTAMP") == panel.updated_at_utc.replace(microsecond=0)
        assert attendee_addresses(vevent) == {
            "inspector@inspectorate.example",
            "police@police.example",
            "health@health.example",
        }
        # The organiser is the panels mailbox (replies go there), never a person on the list.
        assert str(vevent["ORGANIZER"]) == "mailto:learning-panels@inspectorate.example"
        assert vevent["ORGANIZER"].params["CN"] == "HM Inspectorate of Probation learning panels"
        # The details are in the body too; case references, never case details.
        assert "Room 3, County Hall" in message.body_text and "https://meet.example.org/panel" in message.body_text
        assert world.case.reference in message.body_text
        assert "Jordan" not in message.body_text and "Jordan" not in message.body_html
        assert f"http://portal.test/panels/{panel.id}/reply" in message.body_text
    police_copy = only_event(calendar_of(panel_emails(to="police@police.example")[0])[1])
    roles = {
        str(v).removeprefix("mailto:"): (v.params["ROLE"], v.params["PARTSTAT"], v.params["RSVP"])
        for v in police_copy["ATTENDEE"]
    }
    # The convening inspector attends but is not asked to reply to her own panel.
    assert roles["inspector@inspectorate.example"] == ("CHAIR", "ACCEPTED", "FALSE")
    assert roles["police@police.example"] == ("REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE")
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.scheduled")) is not None


def test_the_delivered_email_carries_the_calendar_part_with_the_same_method(smtp_server: SmtpServer) -> None:  # noqa: F811
    world = panel_world(schedule=True)
    db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.template.notlike("panel%")))
    db.session.commit()

    send_all_due()

    received = smtp_server.wait_for(3)
    for item in received:
        message = email.message_from_bytes(item.data, policy=email.policy.default)
        # RFC 6047: the calendar is one of the alternatives, beside the text and HTML bodies,
        # and a copy follows as a file.
        assert message.get_content_type() == "multipart/mixed"
        alternative, attached = message.get_payload()
        assert alternative.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
        part = alternative.get_payload()[2]
        assert part.get_param("method") == "REQUEST" and part.get_param("charset").upper() == "UTF-8"
        assert part.get_content_disposition() is None
        assert attached.get_content_type() == "application/ics"
        assert attached.get_content_disposition() == "attachment" and attached.get_filename().endswith(".ics")
        assert attached.get_payload(decode=True) == part.get_payload(decode=True)
        cal = Calendar.from_ical(part.get_payload(decode=True))
        assert cal["METHOD"] == "REQUEST"
        assert only_event(cal)["UID"] == world.panel.uid
        assert str(message["Subject"]).strip().startswith("OFFICIAL-SENSITIVE:")
        assert message["To"] in {"inspector@inspectorate.example", "police@police.example", "health@health.example"}
        text = alternative.get_payload()[0].get_content()
        html = alternative.get_payload()[1].get_content()
        for body in (text, html):
            for detail in (
                "Room 3, County Hall",
                "https://meet.example.org/panel",
                f"/panels/{world.panel.id}",
                "UK time",
            ):
                assert detail in body


def test_moving_the_panel_sends_an_update_with_the_same_uid_and_a_higher_sequence() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    operations.reply_to_panel(panel.attendee_for(world.police.id), Reply.ACCEPTED, world.police)
    db.session.commit()
    first = only_event(calendar_of(panel_emails(to="police@police.example")[0])[1])
    new_start, new_end = future(days=21, hours=3)

    changed = operations.update_details(
        panel, details(starts_at=new_start, ends_at=new_end), panel.version, world.inspector
    )
    db.session.commit()

    assert changed == ["starts_at_utc", "ends_at_utc"]
    updates = panel_emails(template="panel_update")
    assert sorted(m.to_address for m in updates) == sorted(
        ["inspector@inspectorate.example", "police@police.example", "health@health.example"]
    )
    update = next(m for m in updates if m.to_address == "police@police.example")
    content_type, cal = calendar_of(update)
    assert method_parameter(content_type) == "REQUEST" == cal["METHOD"]
    vevent = only_event(cal)
    assert vevent["UID"] == first["UID"]
    assert vevent["SEQUENCE"] == first["SEQUENCE"] + 1
    assert vevent.decoded("DTSTAMP") >= first.decoded("DTSTAMP")
    assert vevent.decoded("DTSTART").astimezone(UTC) == new_start
    # In words: the same 10am start on a later day, ending an hour later.
    assert f"The date has changed from {govuk_date(first.decoded('DTSTART'))} to {govuk_date(new_start)}." in (
        update.body_text
    )
    assert "The end time has changed from midday to 1pm (UK time)." in update.body_text
    assert "Reply again to say whether you can attend at the new time" in update.body_text
    # A new time asks everyone to reply again.
    assert panel.attendee_for(world.police.id).reply is None
    partstats = {str(v).removeprefix("mailto:"): str(v.params["PARTSTAT"]) for v in vevent["ATTENDEE"]}
    assert partstats.pop("inspector@inspectorate.example") == "ACCEPTED"  # the convener
    assert set(partstats.values()) == {"NEEDS-ACTION"}


def test_a_new_place_is_an_update_but_a_new_title_alone_emails_nobody() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    before = len(panel_emails())

    operations.update_details(
        panel,
        details(title="Renamed panel", starts_at=panel.starts_at_utc, ends_at=panel.ends_at_utc),
        panel.version,
        world.inspector,
    )
    db.session.commit()
    assert len(panel_emails()) == before and panel.sequence == 0

    operations.update_details(
        panel,
        details(
            title="Renamed panel", starts_at=panel.starts_at_utc, ends_at=panel.ends_at_utc, place="Room 9, Police HQ"
        ),
        panel.version,
        world.inspector,
    )
    db.session.commit()
    updates = panel_emails(template="panel_update")
    assert len(updates) == 3 and panel.sequence == 1
    vevent = only_event(calendar_of(updates[0])[1])
    assert vevent["LOCATION"] == "Room 9, Police HQ" and vevent["SEQUENCE"] == 1
    assert vevent["SUMMARY"] == "Renamed panel"
    assert "The place has changed from Room 3, County Hall to Room 9, Police HQ." in updates[0].body_text
    assert "Reply again" not in updates[0].body_text  # the time is the same: replies stand


def test_rescheduling_moves_the_agenda_with_the_panel_and_says_so() -> None:
    """A 10am panel with its case at 10:15am, moved to 2pm: the case is at 2:15pm on the page, in
    the calendar's description and in the email, which says what changed in words."""
    world = panel_world(schedule=True)
    panel = world.panel
    [first_item, second_item] = panel.agenda
    operations.change_agenda_time(first_item, time(10, 15), world.inspector)
    operations.change_agenda_time(second_item, time(11, 30), world.inspector)
    db.session.commit()
    day = london_date(panel.starts_at_utc)
    starts, ends = panel_times(day, time(14, 0), time(16, 0))

    operations.update_details(panel, details(starts_at=starts, ends_at=ends), panel.version, world.inspector)
    db.session.commit()

    assert [item.start_time for item in panel.agenda] == [time(14, 15), time(15, 30)]
    update = panel_emails(to="police@police.example", template="panel_update")[-1]
    vevent = only_event(calendar_of(update)[1])
    assert vevent["SEQUENCE"] == 1
    assert f"{world.case.reference} (2:15pm)" in str(vevent["DESCRIPTION"])
    assert "10:15am" not in str(vevent["DESCRIPTION"])
    assert "The time has changed from 10am to 2pm (UK time)." in update.body_text
    assert f"{world.case.reference} is now at 2:15pm (was 10:15am)" in update.body_text
    assert f"{world.case.reference} at 2:15pm" in update.body_text  # the details list it at its new time
    assert "The date has changed" not in update.body_text and "ends at" not in update.body_text


def test_a_move_the_agenda_times_would_not_fit_is_refused_and_changes_nothing() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    operations.change_agenda_time(panel.agenda[0], time(11, 30), world.inspector)
    db.session.commit()
    before = (panel.starts_at_utc, panel.ends_at_utc, panel.sequence, len(panel_emails()))
    day = london_date(panel.starts_at_utc)
    starts, ends = panel_times(day, time(10, 0), time(11, 0))  # an hour shorter: 11:30am is after the end

    with pytest.raises(operations.PanelError, match=f"agenda times of {world.case.reference} would fall outside"):
        operations.update_details(panel, details(starts_at=starts, ends_at=ends), panel.version, world.inspector)
    db.session.rollback()

    assert (panel.starts_at_utc, panel.ends_at_utc, panel.sequence, len(panel_emails())) == before
    assert panel.agenda[0].start_time == time(11, 30)


def test_cancelling_sends_method_cancel_to_everyone_invited() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    uid = panel.uid

    sent = operations.cancel_panel(panel, "The chair is unwell.", panel.version, world.inspector)
    db.session.commit()

    assert sent == 3
    cancellations = panel_emails(template="panel_cancelled")
    assert len(cancellations) == 3
    for message in cancellations:
        content_type, cal = calendar_of(message)
        assert method_parameter(content_type) == "CANCEL" == cal["METHOD"]
        vevent = only_event(cal)
        assert vevent["STATUS"] == "CANCELLED" and vevent["UID"] == uid and vevent["SEQUENCE"] == 1
        assert "The chair is unwell." in message.body_text
        assert message.subject == f"Cancelled: OFFICIAL-SENSITIVE: {panel.title}, {govuk_date(panel.starts_at_utc)}"


def test_cancelling_a_draft_emails_nobody() -> None:
    world = panel_world(schedule=False)
    assert operations.cancel_panel(world.panel, "Not needed", world.panel.version, world.inspector) == 0
    db.session.commit()
    assert panel_emails() == []


def test_removing_an_attendee_sends_them_alone_a_cancellation_naming_only_them() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    before = {m.id for m in panel_emails()}

    assert operations.remove_attendee(panel.attendee_for(world.health.id), world.inspector)
    db.session.commit()

    new = [m for m in panel_emails() if m.id not in before]
    assert [m.to_address for m in new] == ["health@health.example"]
    content_type, cal = calendar_of(new[0])
    assert method_parameter(content_type) == "CANCEL" == cal["METHOD"]
    vevent = only_event(cal)
    assert vevent["STATUS"] == "CANCELLED" and vevent["UID"] == panel.uid and vevent["SEQUENCE"] == 1
    assert attendee_addresses(vevent) == {"health@health.example"}
    assert panel.attendee_for(world.health.id) is None


def test_someone_added_after_scheduling_is_invited_at_once_and_nobody_else_is_emailed() -> None:
    world = panel_world(schedule=True)
    before = len(panel_emails())

    operations.add_attendee(world.panel, world.police_colleague, AttendeeRole.OBSERVER, world.inspector)
    db.session.commit()

    new = panel_emails()[before:]
    assert [m.to_address for m in new] == ["police.colleague@police.example"]
    vevent = only_event(calendar_of(new[0])[1])
    roles = {str(v).removeprefix("mailto:"): v.params["ROLE"] for v in vevent["ATTENDEE"]}
    assert roles["police.colleague@police.example"] == "OPT-PARTICIPANT"


def test_only_people_from_invited_agencies_and_the_inspectorate_can_be_added() -> None:
    world = panel_world(schedule=False)
    import pytest

    with pytest.raises(operations.PanelError, match="not invited to a case"):
        operations.add_attendee(world.panel, world.outsider, AttendeeRole.MEMBER, world.inspector)
    with pytest.raises(operations.PanelError, match="already invited"):
        operations.add_attendee(world.panel, world.police, AttendeeRole.MEMBER, world.inspector)
    colleague = make_user(email="second.inspector@inspectorate.example", role="inspector")
    operations.add_attendee(world.panel, colleague, AttendeeRole.NOTE_TAKER, world.inspector)


def test_a_panel_has_one_chair() -> None:
    world = panel_world(schedule=False)
    panel = world.panel
    operations.change_attendee_role(panel.attendee_for(world.police.id), AttendeeRole.CHAIR, world.inspector)
    db.session.commit()
    assert panel.chair.user == world.police
    assert panel.attendee_for(world.inspector.id).role == AttendeeRole.MEMBER


def test_each_change_is_audited() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    operations.update_details(
        panel,
        details(starts_at=panel.starts_at_utc + timedelta(days=1), ends_at=panel.ends_at_utc + timedelta(days=1)),
        panel.version,
        world.inspector,
    )
    operations.remove_attendee(panel.attendee_for(world.health.id), world.inspector)
    operations.cancel_panel(panel, "Clash", panel.version, world.inspector)
    db.session.commit()
    actions = list(
        db.session.scalars(
            db.select(AuditEvent.action)
            .where(AuditEvent.object_type == "Panel", AuditEvent.object_id == str(panel.id))
            .order_by(AuditEvent.id)
        )
    )
    assert actions[:2] == ["panel.created", "panel.agenda_added"]
    assert {
        "panel.attendee_added",
        "panel.scheduled",
        "panel.updated",
        "panel.attendee_removed",
        "panel.cancelled",
    } <= set(actions)
    updated = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.updated"))
    assert set(updated.details["changes"]) == {"starts_at_utc", "ends_at_utc"}


def test_make_panel_factory_defaults_to_a_future_panel_with_the_convener_as_chair() -> None:
    inspector = make_user("inspector", email="lone@inspectorate.example")
    panel = make_panel(inspector)
    assert panel.chair.user == inspector and panel.is_draft
