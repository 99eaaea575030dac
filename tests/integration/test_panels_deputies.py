"""An invitee who declines nominates a deputy from their own organisation on the reply page: the
deputy is invited in their place (the invitation email with its iMIP REQUEST, delivered over
SMTP and parsed back with icalendar), gains the panel, the convenor is told, and the panel
page and attendance register show who stands in for whom. Nominations the rules refuse invite
nobody, and nominating the same person twice invites them once."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from agencies.models import Role, User
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from notifications.worker import send_all_due
from panels import operations as operations
from panels.models import AttendeeRole, Panel, PanelAttendee, Reply
from tests.conftest import make_user, sign_in_as
from tests.factories.panels import PanelWorld, panel_emails, panel_world
from tests.smtp import SmtpServer

COLLEAGUE = "police.colleague@police.example"


@pytest.fixture
def world() -> PanelWorld:
    return panel_world(schedule=True)


def reply_url(world: PanelWorld) -> str:
    return f"/panels/{world.panel.id}/reply"


def police_client(app: Flask, world: PanelWorld) -> FlaskClient:
    return sign_in_as(app.test_client(), world.police)


def decline(client: FlaskClient, world: PanelWorld, deputy_id: object, comment: str = ""):
    return client.post(reply_url(world), data={"reply": "declined", "deputy_id": deputy_id, "comment": comment})


def error_summary(page: str) -> list[str]:
    block = page.split('class="govuk-error-summary', 1)
    assert len(block) == 2, "no error summary on the page"
    return re.findall(r'<a href="#[^"]*">([^<]+)</a>', block[1].split("</ul>", 1)[0])


def fresh_panel(world: PanelWorld) -> Panel:
    db.session.expire_all()
    return db.session.get_one(Panel, world.panel.id)


def attendee_of(world: PanelWorld, person: User) -> PanelAttendee | None:
    return fresh_panel(world).attendee_for(person.id)


def attendee_addresses(vevent) -> set[str]:
    values = vevent.get("ATTENDEE", [])
    values = values if isinstance(values, list) else [values]
    return {str(v).removeprefix("mailto:") for v in values}


# --- the reply page offers it -------------------------------------------------------------------


def test_the_reply_page_offers_a_deputy_from_the_decliners_own_organisation(app: Flask, world: PanelWorld) -> None:
    inactive = make_user(Role.AGENCY_MEMBER, world.police_org, email="gone@police.example", full_name="Gil Gone")
    inactive.active = False
    db.session.commit()

    page = police_client(app, world).get(reply_url(world)).get_data(as_text=True)

    field = page.split('for="deputy_id"', 1)[1].split("</select>", 1)[0]
    assert "If you cannot attend, nominate a deputy (optional)" in field
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', field)
    assert options == [("", "No deputy"), (str(world.police_colleague.id), "Pat Colleague")]
    # Not themselves, not another organisation's people, not an inactive account.
    for name in ("Priya Constable", "Hamid Nurse", "Owen Sergeant", "Gil Gone", "Imogen Inspector"):
        assert name not in field
    assert "your deputy stays invited unless the convening inspector removes them" in field


def test_the_select_is_left_out_when_nobody_can_be_nominated(app: Flask, world: PanelWorld) -> None:
    page = sign_in_as(app.test_client(), world.health).get(reply_url(world)).get_data(as_text=True)
    assert 'name="reply"' in page and 'name="deputy_id"' not in page  # Hamid's trust has nobody else


# --- decline and nominate -----------------------------------------------------------------------


def test_a_nominated_deputy_is_invited_with_a_calendar_request_and_the_convenor_is_told(
    app: Flask, world: PanelWorld, smtp_server: SmtpServer
) -> None:
    db.session.execute(db.delete(OutboxMessage))  # only what the nomination sends is delivered below
    db.session.commit()
    client = police_client(app, world)
    colleague = sign_in_as(app.test_client(), world.police_colleague)
    assert colleague.get(f"/panels/{world.panel.id}").status_code == 404  # not on the panel yet

    response = decline(client, world, world.police_colleague.id, comment="On leave that week")

    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "We have invited Pat Colleague as your deputy and told the convening inspector." in flashed
    decliner = attendee_of(world, world.police)
    deputy = attendee_of(world, world.police_colleague)
    assert decliner is not None and deputy is not None
    assert (decliner.reply, decliner.reply_comment) == (Reply.DECLINED, "On leave that week")
    assert deputy.deputy_for_id == decliner.id and deputy.role == AttendeeRole.MEMBER
    assert deputy.was_invited and deputy.reply is None

    # The deputy's invitation is the ordinary one, with the iMIP REQUEST naming them.
    [invitation] = panel_emails(to=COLLEAGUE)
    assert invitation.template == "panel_invitation"
    assert "Priya Constable cannot attend and has nominated you as their deputy" in invitation.body_text
    # Every invitation says where a deputy is nominated (a calendar's Decline cannot).
    assert "if you cannot, you can nominate a deputy from your organisation there" in invitation.body_text
    assert "If you cannot, you can nominate a deputy from your organisation there." in invitation.body_html
    [convenor_email] = panel_emails(to="inspector@inspectorate.example")
    assert convenor_email.template == "panel_deputy"
    assert convenor_email.subject.startswith("OFFICIAL-SENSITIVE: Deputy nominated: Northshire learning panel")
    for body in (convenor_email.body_text, convenor_email.body_html):
        assert "Priya Constable (Northshire Police) cannot attend" in body
        assert "nominated Pat Colleague as their deputy" in body
        assert f"/panels/{world.panel.id}#attendees" in body
    assert len(panel_emails()) == 2  # nobody else is emailed

    send_all_due()
    messages = [email.message_from_bytes(item.data, policy=email.policy.default) for item in smtp_server.wait_for(2)]
    [delivered] = [m for m in messages if m["To"] == COLLEAGUE]
    calendar_parts = [p for p in delivered.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendar_parts) == 1
    [part] = calendar_parts
    assert part.get_param("method") == "REQUEST"
    cal = Calendar.from_ical(part.get_payload(decode=True))
    assert cal["METHOD"] == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert vevent["UID"] == world.panel.uid
    assert COLLEAGUE in attendee_addresses(vevent)
    [deputy_entry] = [v for v in vevent["ATTENDEE"] if str(v) == f"mailto:{COLLEAGUE}"]
    assert deputy_entry.params["PARTSTAT"] == "NEEDS-ACTION" and deputy_entry.params["CN"] == "Pat Colleague"
    [police_entry] = [v for v in vevent["ATTENDEE"] if str(v) == "mailto:police@police.example"]
    assert police_entry.params["PARTSTAT"] == "DECLINED"
    [convenor_delivered] = [m for m in messages if m["To"] == "inspector@inspectorate.example"]
    assert not [p for p in convenor_delivered.walk() if p.get_content_type() == "text/calendar"]

    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.deputy_nominated"))
    assert event is not None and event.actor_id == world.police.id
    assert event.details["person"] == COLLEAGUE and event.details["deputy_for"] == "police@police.example"

    # Access comes from the list: the deputy now sees the panel, may reply and download their
    # invite and pack; someone of another force still does not.
    assert colleague.get(f"/panels/{world.panel.id}").status_code == 200
    assert colleague.get(reply_url(world)).status_code == 200
    assert colleague.get(f"/panels/{world.panel.id}/invite.ics").status_code == 200
    outsider = sign_in_as(app.test_client(), world.outsider)
    assert outsider.get(f"/panels/{world.panel.id}").status_code == 404


def test_the_panel_page_shows_who_stands_in_for_whom(app: Flask, world: PanelWorld) -> None:
    assert decline(police_client(app, world), world, world.police_colleague.id).status_code == 302

    for person in (world.inspector, world.health, world.police_colleague):
        page = sign_in_as(app.test_client(), person).get(f"/panels/{world.panel.id}").get_data(as_text=True)
        attendees = page.split('id="attendees"', 1)[1]
        assert re.search(r"Priya Constable\s*<p[^>]*>Declined; nominated Pat Colleague as deputy</p>", attendees)
        assert re.search(r"Pat Colleague\s*<p[^>]*>Deputy for Priya Constable</p>", attendees)
    deputy_reply_page = sign_in_as(app.test_client(), world.police_colleague).get(reply_url(world))
    assert "You are invited as deputy for Priya Constable." in deputy_reply_page.get_data(as_text=True)
    decliner_reply_page = police_client(app, world).get(reply_url(world)).get_data(as_text=True)
    assert "You have nominated Pat Colleague as your deputy." in decliner_reply_page
    assert 'name="deputy_id"' not in decliner_reply_page  # the only colleague is already the deputy


def test_nominating_the_same_person_twice_invites_them_once(app: Flask, world: PanelWorld) -> None:
    client = police_client(app, world)
    assert decline(client, world, world.police_colleague.id).status_code == 302
    again = decline(client, world, world.police_colleague.id)

    assert again.status_code == 302
    assert "Pat Colleague is already invited as your deputy." in client.get(again.location).get_data(as_text=True)
    panel = fresh_panel(world)
    assert [a.user_id for a in panel.attendees].count(world.police_colleague.id) == 1
    assert len(panel_emails(to=COLLEAGUE)) == 1
    assert len(panel_emails(template="panel_deputy")) == 1
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "panel.deputy_nominated")).all()
    assert len(events) == 1
    # The operation itself is idempotent too (a second tab, a double click past the page).
    decliner = panel.attendee_for(world.police.id)
    assert operations.nominate_deputy(decliner, world.police_colleague, world.police).deputy_for_id == decliner.id
    db.session.commit()
    assert len(panel_emails(to=COLLEAGUE)) == 1


# --- refused nominations ------------------------------------------------------------------------


def _other_organisation(world: PanelWorld) -> User:
    return world.health  # on the panel, of another organisation


def _outsider(world: PanelWorld) -> User:
    return world.outsider  # another force, asked about nothing


def _inactive(world: PanelWorld) -> User:
    person = make_user(Role.AGENCY_MEMBER, world.police_org, email="left@police.example", full_name="Lee Left")
    person.active = False
    return person


def _already_invited(world: PanelWorld) -> User:
    person = make_user(Role.AGENCY_MEMBER, world.police_org, email="on.list@police.example", full_name="Ola List")
    operations.add_attendee(world.panel, person, AttendeeRole.OBSERVER, world.inspector)
    return person


def _themselves(world: PanelWorld) -> User:
    return world.police


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (_other_organisation, "Choose a deputy from your own organisation"),
        (_outsider, "Choose a deputy from your own organisation"),
        (_inactive, "Choose a deputy whose account is active"),
        (_already_invited, "Choose someone who is not already invited to this panel"),
        (_themselves, "Choose someone who is not already invited to this panel"),
    ],
    ids=["other organisation", "outsider", "inactive", "already invited", "themselves"],
)
def test_a_nomination_the_rules_refuse_is_an_error_and_invites_nobody(
    app: Flask, world: PanelWorld, who, message: str
) -> None:
    person = who(world)
    db.session.commit()
    attendees_before = sorted(a.user_id for a in fresh_panel(world).attendees)
    emails_before = len(panel_emails())

    response = decline(police_client(app, world), world, person.id, comment="Typed before the error")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error_summary(page) == [message]
    assert 'href="#deputy_id"' in page and "Typed before the error" in page
    panel = fresh_panel(world)
    assert sorted(a.user_id for a in panel.attendees) == attendees_before
    assert panel.attendee_for(world.police.id).reply is None  # nothing recorded, not even the decline
    assert len(panel_emails()) == emails_before
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.deputy_nominated")) is None


def test_an_id_that_names_nobody_is_refused(app: Flask, world: PanelWorld) -> None:
    for value in ("999999", "2147483648", "not-an-id"):
        response = decline(police_client(app, world), world, value)
        if value == "999999":
            assert error_summary(response.get_data(as_text=True)) == ["Choose a deputy from the list"]
        else:  # not an id a row could have: read as no deputy, the decline alone is recorded
            assert response.status_code == 302
    assert len(fresh_panel(world).attendees) == 3


def test_a_deputy_goes_only_with_a_decline(app: Flask, world: PanelWorld) -> None:
    response = police_client(app, world).post(
        reply_url(world), data={"reply": "tentative", "deputy_id": world.police_colleague.id}
    )
    [message] = error_summary(response.get_data(as_text=True))
    assert message == "To nominate a deputy, choose &#34;No, I cannot attend&#34;"
    assert attendee_of(world, world.police_colleague) is None
    assert attendee_of(world, world.police).reply is None
    assert panel_emails(to=COLLEAGUE) == []
    # The operation refuses one for an invitee who has not declined, and one made by anybody else.
    decliner = fresh_panel(world).attendee_for(world.police.id)
    with pytest.raises(operations.PanelError, match="when you decline"):
        operations.nominate_deputy(decliner, world.police_colleague, world.police)
    with pytest.raises(operations.PanelError, match="Only the invitee"):
        operations.decline_with_deputy(decliner, world.police_colleague, world.inspector)
    db.session.rollback()


# --- afterwards ---------------------------------------------------------------------------------


def test_accepting_after_all_keeps_the_deputy_invited(app: Flask, world: PanelWorld) -> None:
    client = police_client(app, world)
    assert decline(client, world, world.police_colleague.id).status_code == 302
    assert client.post(reply_url(world), data={"reply": "accepted"}).status_code == 302

    panel = fresh_panel(world)
    assert panel.attendee_for(world.police.id).reply == Reply.ACCEPTED
    assert panel.attendee_for(world.police_colleague.id) is not None
    page = sign_in_as(app.test_client(), world.inspector).get(f"/panels/{world.panel.id}").get_data(as_text=True)
    assert "Nominated Pat Colleague as deputy" in page and "Declined; nominated" not in page
    reply_page = client.get(reply_url(world)).get_data(as_text=True)
    assert "they stay invited unless the convening inspector removes them" in reply_page


def test_the_convenor_removes_a_deputy_like_anyone_else(app: Flask, world: PanelWorld) -> None:
    assert decline(police_client(app, world), world, world.police_colleague.id).status_code == 302
    deputy = attendee_of(world, world.police_colleague)
    assert deputy is not None
    inspector = sign_in_as(app.test_client(), world.inspector)

    assert inspector.post(f"/panels/attendees/{deputy.id}/remove").status_code == 302

    assert attendee_of(world, world.police_colleague) is None
    assert [m.template for m in panel_emails(to=COLLEAGUE)] == ["panel_invitation", "panel_removed"]
    page = inspector.get(f"/panels/{world.panel.id}").get_data(as_text=True)
    assert "nominated Pat Colleague" not in page
    colleague = sign_in_as(app.test_client(), world.police_colleague)
    assert colleague.get(f"/panels/{world.panel.id}").status_code == 404


def test_removing_the_decliner_keeps_their_deputy_on_the_list(app: Flask, world: PanelWorld) -> None:
    assert decline(police_client(app, world), world, world.police_colleague.id).status_code == 302
    operations.remove_attendee(fresh_panel(world).attendee_for(world.police.id), world.inspector)
    db.session.commit()

    deputy = attendee_of(world, world.police_colleague)
    assert deputy is not None and deputy.deputy_for_id is None and deputy.deputy_note == ""


def test_the_attendance_register_offers_the_deputy(app: Flask, world: PanelWorld) -> None:
    assert decline(police_client(app, world), world, world.police_colleague.id).status_code == 302
    decliner = attendee_of(world, world.police)
    deputy = attendee_of(world, world.police_colleague)
    assert decliner is not None and deputy is not None

    with time_machine.travel(world.panel.starts_at_utc + timedelta(hours=1)):
        client = sign_in_as(app.test_client(), world.inspector)
        page = client.get(f"/panels/{world.panel.id}/outcome").get_data(as_text=True)

    assert re.search(rf'name="attendance_{decliner.id}"[^>]*value="deputy"[^>]*checked', page)
    assert re.search(rf'name="deputy_{decliner.id}"[^>]*value="Pat Colleague"', page) or re.search(
        rf'value="Pat Colleague"[^>]*name="deputy_{decliner.id}"', page
    )
    assert "Declined; nominated Pat Colleague as deputy" in page
    assert "Deputy for Priya Constable" in page


def test_the_pack_lists_who_stands_in_for_whom(app: Flask, world: PanelWorld) -> None:
    import io

    from pypdf import PdfReader

    from tests.factories.renders import download

    assert decline(police_client(app, world), world, world.police_colleague.id).status_code == 302
    deputy = sign_in_as(app.test_client(), world.police_colleague)
    response = download(deputy, f"/panels/{world.panel.id}/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Declined. Declined; nominated Pat Colleague as deputy" not in text  # said once
    assert "Declined; nominated Pat Colleague as deputy" in text
    assert "Deputy for Priya Constable" in text
