"""Replies made with a calendar's own buttons come back: Outlook's and Google's REPLY messages
(tests/fixtures/calendar) sent by real SMTP to the inbound listener, recorded exactly as a
reply made on the portal's reply page; anything that is not a current invitee's reply to a
current version of a panel is ignored and logged."""

from __future__ import annotations

import email
import email.policy
import logging
import smtplib
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.audit import AuditEvent
from extensions import db
from notifications.inbound import calendar_parts, parse_address, receive
from panels import operations as operations
from panels.models import Panel, PanelAttendee, Reply
from tests.calendar_replies import (
    GOOGLE_COMMENT,
    OUTLOOK_COMMENT,
    Listener,
    inbound_listener,  # noqa: F401 (a fixture)
    reply_calendar,
    reply_message,
)
from tests.factories.panels import details, future, panel_world


def attendee_row(panel_id: int, user_id: int) -> PanelAttendee:
    db.session.rollback()  # see what the listener committed
    row = db.session.scalar(
        select(PanelAttendee).where(PanelAttendee.panel_id == panel_id, PanelAttendee.user_id == user_id)
    )
    assert row is not None
    return row


def reply_audits(panel_id: int) -> list[AuditEvent]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "panel.replied", AuditEvent.object_id == str(panel_id))
        )
    )


def test_an_outlook_accept_is_recorded_as_the_reply_page_records_it(inbound_listener: Listener) -> None:  # noqa: F811
    world = panel_world(schedule=True)
    panel_id, police_id = world.panel.id, world.police.id
    # The panel as the portal's reply page leaves it, for the health attendee.
    operations.reply_to_panel(world.panel.attendee_for(world.health.id), Reply.ACCEPTED, world.health, comment="Fine")
    db.session.commit()

    inbound_listener.send(reply_message("outlook", world.panel, world.police, "ACCEPTED"))

    police = attendee_row(panel_id, police_id)
    assert police.reply == Reply.ACCEPTED
    assert police.reply_comment == OUTLOOK_COMMENT
    assert police.replied_at_utc is not None
    by_calendar, by_page = sorted(reply_audits(panel_id), key=lambda e: e.details["via"])
    assert (by_calendar.details["via"], by_page.details["via"]) == ("calendar", "portal")
    assert by_calendar.actor_id == police_id  # the attendee's own reply, as on the page
    assert {k: v for k, v in by_calendar.details.items() if k != "via"} == {
        "reply": "accepted",
        "previous": None,
        "with_comment": True,
    }
    # The next invitation or update tells everyone else: PARTSTAT is the recorded reply.
    panel = db.session.get(Panel, panel_id)
    [vevent] = Calendar.from_ical(operations.personal_invite(panel)).walk("VEVENT")
    partstats = {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in vevent["ATTENDEE"]}
    assert partstats["police@police.example"] == "ACCEPTED"


def test_a_google_decline_with_its_comment_is_recorded_once(inbound_listener: Listener) -> None:  # noqa: F811
    world = panel_world(schedule=True)
    data = reply_message("google", world.panel, world.health, "DECLINED")
    # Google sends the calendar inline and again as an attachment: one reply, not two.
    assert len(calendar_parts(email.message_from_bytes(data, policy=email.policy.default))) == 1

    inbound_listener.send(data)

    health = attendee_row(world.panel.id, world.health.id)
    assert (health.reply, health.reply_comment) == (Reply.DECLINED, GOOGLE_COMMENT)
    assert len(reply_audits(world.panel.id)) == 1


def test_tentative_then_a_change_of_mind_both_come_through(inbound_listener: Listener) -> None:  # noqa: F811
    world = panel_world(schedule=True)
    inbound_listener.send(reply_message("outlook", world.panel, world.police, "TENTATIVE"))
    assert attendee_row(world.panel.id, world.police.id).reply == Reply.TENTATIVE
    inbound_listener.send(reply_message("google", world.panel, world.police, "ACCEPTED"))
    assert attendee_row(world.panel.id, world.police.id).reply == Reply.ACCEPTED
    assert [e.details["previous"] for e in reply_audits(world.panel.id)] == [None, "tentative"]


def test_a_reply_to_an_older_sequence_is_ignored_and_one_to_the_update_counts(
    inbound_listener: Listener,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    stale = reply_message("outlook", panel, world.police, "ACCEPTED")  # answered version 0
    starts, ends = future(days=20)
    operations.update_details(panel, details(starts_at=starts, ends_at=ends), panel.version, world.inspector)
    db.session.commit()
    assert panel.sequence == 1

    with caplog.at_level(logging.INFO):
        inbound_listener.send(stale)
    assert attendee_row(panel.id, world.police.id).reply is None
    assert "replied to version 0 of panel-" in caplog.text and "which is now at 1" in caplog.text

    inbound_listener.send(reply_message("outlook", db.session.get(Panel, panel.id), world.police, "ACCEPTED"))
    assert attendee_row(panel.id, world.police.id).reply == Reply.ACCEPTED


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("unknown uid", "unknown UID 'panel-999-feedface@learning-panels'"),
        ("not invited", "police2@otherpolice.example is not invited to panel-"),
        ("someone else's address", "came from police2@otherpolice.example"),
        ("not a reply", "NEEDS-ACTION"),
        ("cancelled", "You cannot reply to a cancelled panel"),
    ],
)
def test_replies_that_are_not_an_invitees_to_a_live_panel_are_ignored_and_logged(
    inbound_listener: Listener,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    case: str,
    logged: str,
) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    if case == "unknown uid":
        data = reply_message("google", panel, world.police, uid="panel-999-feedface@learning-panels")
    elif case == "not invited":
        data = reply_message("google", panel, world.outsider)
    elif case == "someone else's address":
        data = reply_message("outlook", panel, world.police, sent_from="police2@otherpolice.example")
    elif case == "not a reply":
        data = reply_message("google", panel, world.police, "NEEDS-ACTION")
    else:
        operations.cancel_panel(panel, "Postponed", panel.version, world.inspector)
        db.session.commit()
        data = reply_message("outlook", panel, world.police, sequence=panel.sequence)

    with caplog.at_level(logging.INFO):
        inbound_listener.send(data)  # accepted (250), so the mail server does not retry it

    assert "Calendar reply ignored" in caplog.text and logged in caplog.text
    assert attendee_row(panel.id, world.police.id).reply is None
    assert reply_audits(panel.id) == []


def test_mail_without_calendar_data_is_accepted_and_ignored(app, caplog: pytest.LogCaptureFixture) -> None:
    message = (
        b"From: someone@example.org\r\nTo: learning-panels@inspectorate.example\r\n"
        b"Subject: Out of office\r\n\r\nAway.\r\n"
    )
    with caplog.at_level(logging.INFO):
        assert receive(message) == ["ignored: no calendar data"]
    assert "no calendar data" in caplog.text


def test_the_reply_calendar_fixtures_parse_as_rfc_5546_replies() -> None:
    world = panel_world(schedule=True)
    for client in ("outlook", "google"):
        cal = Calendar.from_ical(reply_calendar(client, world.panel, world.police, "ACCEPTED"))
        assert cal["METHOD"] == "REPLY"
        [vevent] = cal.walk("VEVENT")
        assert vevent["UID"] == world.panel.uid
        assert vevent.decoded("DTSTART").astimezone(UTC) == world.panel.starts_at_utc.astimezone(UTC)
        assert isinstance(vevent.decoded("DTSTAMP"), datetime)


@pytest.mark.parametrize("setting", ["", "2525", "localhost:", "localhost:99999", "host:port"])
def test_inbound_smtp_must_be_host_and_port(setting: str) -> None:
    with pytest.raises(ValueError, match="INBOUND_SMTP"):
        parse_address(setting)
    assert parse_address("127.0.0.1:2525") == ("127.0.0.1", 2525)


def test_the_receive_command_needs_an_address(app) -> None:
    app.config["INBOUND_SMTP"] = ""
    result = app.test_cli_runner().invoke(args=["notifications", "receive"])
    assert result.exit_code != 0 and "INBOUND_SMTP" in result.output


def test_a_message_that_cannot_be_processed_is_refused_for_now_so_the_mail_server_retries(
    app,
    inbound_listener: Listener,  # noqa: F811
) -> None:
    world = panel_world(schedule=True)
    saved = app.config["INBOUND_CALENDAR_HANDLERS"]
    app.config["INBOUND_CALENDAR_HANDLERS"] = ("panels.replies:no_such_handler",)  # a broken deployment
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            inbound_listener.send(reply_message("outlook", world.panel, world.police))
    finally:
        app.config["INBOUND_CALENDAR_HANDLERS"] = saved
    assert refused.value.smtp_code == 451
    assert attendee_row(world.panel.id, world.police.id).reply is None

    inbound_listener.send(reply_message("outlook", world.panel, world.police))  # the retry
    assert attendee_row(world.panel.id, world.police.id).reply == Reply.ACCEPTED
