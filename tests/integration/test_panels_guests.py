"""Guests without accounts: invited by name and email; they get the invitation, updates and
cancellation with the calendar file (parsed back with icalendar), and nothing else: no link into
the portal, no case references, no account, so no page or file of the portal ever reaches them."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from icalendar import Calendar

from agencies.models import User
from extensions import db
from notifications.models import OutboxMessage
from panels import operations
from panels.models import PanelGuest
from tests.conftest import sign_in_as
from tests.factories.panels import panel_world


def _guest_emails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.template == "panel_guest").order_by(OutboxMessage.id)
        )
    )


def _calendar(message: OutboxMessage) -> tuple[str, Calendar]:
    """The message's inline calendar part (an iMIP message, like an attendee's); its .ics copy
    must carry the same file."""
    [inline] = [attachment for attachment in message.attachments if attachment.inline]
    [copy] = [attachment for attachment in message.attachments if not attachment.inline]
    assert copy.data == inline.data and copy.filename.endswith(".ics")
    return inline.content_type, Calendar.from_ical(inline.data)


def test_a_guest_gets_the_invitation_updates_and_cancellation_and_nothing_else(app: Flask) -> None:
    world = panel_world(schedule=False)
    panel = world.panel
    client = sign_in_as(app.test_client(), world.inspector)
    form = client.get(f"/panels/{panel.id}/guests/add").get_data(as_text=True)
    assert "and nothing else" in form and "never receive the panel pack" in form
    html = client.post(f"/panels/{panel.id}/guests/add", data={"full_name": "Dr Ada Chair", "email": "nope"}).get_data(
        as_text=True
    )
    assert "There is a problem" in html and 'value="Dr Ada Chair"' in html
    response = client.post(
        f"/panels/{panel.id}/guests/add",
        data={"full_name": "Dr Ada Chair", "email": "Ada.Chair@independent.example", "role": "chair"},
    )
    assert response.status_code == 302
    assert _guest_emails() == []  # a draft panel invites nobody yet
    # Scheduling invites the guest with everyone else.
    operations.schedule_panel(panel, panel.version, world.inspector)
    db.session.commit()
    [invitation] = _guest_emails()
    assert invitation.to_address == "ada.chair@independent.example"
    content_type, calendar = _calendar(invitation)
    assert content_type.startswith("text/calendar; method=REQUEST")
    [event] = calendar.walk("VEVENT")
    assert "mailto:ada.chair@independent.example" in [str(a).lower() for a in event.get("ATTENDEE")]
    assert event.get("URL") is None and world.case.reference not in str(event.get("DESCRIPTION"))
    # Nothing else: no link into the portal, no case reference, no account.
    portal = app.config["PORTAL_BASE_URL"]
    assert portal not in invitation.body_text and portal not in invitation.body_html
    assert "/panels/" not in invitation.body_text and world.case.reference not in invitation.body_text
    assert db.session.scalar(db.select(User).where(User.email == "ada.chair@independent.example")) is None
    assert "all you will receive" in invitation.body_text

    # An update of time or place reaches the guest; so does the cancellation.
    details = operations.PanelDetails(
        title=panel.title,
        starts_at_utc=panel.starts_at_utc + timedelta(days=1),
        ends_at_utc=panel.ends_at_utc + timedelta(days=1),
        place=panel.place,
        video_link=panel.video_link,
    )
    operations.update_details(panel, details, panel.version, world.inspector)
    db.session.commit()
    operations.cancel_panel(panel, "The chair is ill.", panel.version, world.inspector)
    db.session.commit()
    emails = _guest_emails()
    assert [m.subject.split(":")[1].strip() for m in emails] == ["Invitation", "Updated", "Cancelled"]
    content_type, calendar = _calendar(emails[-1])
    assert content_type.startswith("text/calendar; method=CANCEL") and "The chair is ill." in emails[-1].body_text
    # The pack is rendered only for attendees with accounts: never for the guest.
    assert all(not m.attachments or m.attachments[0].filename.endswith(".ics") for m in emails)


def test_a_removed_guest_gets_a_cancellation_and_only_the_inspectorate_manages_guests(app: Flask) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    guest = operations.add_guest(
        panel, "Prof Sam Expert", "sam@university.example", operations.AttendeeRole.MEMBER, world.inspector
    )
    db.session.commit()
    police = sign_in_as(app.test_client(), world.police)
    assert police.get(f"/panels/{panel.id}/guests/add").status_code == 403
    assert police.post(f"/panels/guests/{guest.id}/remove").status_code == 404
    assert "Prof Sam Expert" in police.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "sam@university.example" not in police.get(f"/panels/{panel.id}").get_data(as_text=True)
    client = sign_in_as(app.test_client(), world.inspector)
    assert client.post(f"/panels/guests/{guest.id}/remove").status_code == 302
    assert db.session.scalar(db.select(PanelGuest)) is None
    emails = _guest_emails()
    assert [m.subject.split(":")[1].strip() for m in emails] == ["Invitation", "Cancelled"]
    assert _calendar(emails[-1])[0].startswith("text/calendar; method=CANCEL")
