"""The panel screens through the test client: creating, editing (and stale edits), the agenda,
attendees, replies, the outcome, and the lists (upcoming and past, paged, without N+1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from core.formatting import utc_now
from extensions import db
from panels import operations as operations
from panels.models import AttendeeRole, Panel, PanelStatus, Reply
from panels.rules import london_date
from tests.conftest import sign_in_as
from tests.factories.panels import PanelWorld, details, future, make_panel, panel_emails, panel_world, reloaded


def form_for(day, start: str = "10am", end: str = "12:30pm", **fields: str) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Northshire learning panel",
        "date": [str(day.day), str(day.month), str(day.year)],
        "start_time": start,
        "end_time": end,
        "place": "Room 3, County Hall",
        "video_link": "",
        "convener_role": "chair",
    }
    data.update(fields)
    return data


def error_summary(page: str) -> list[str]:
    block = page.split('class="govuk-error-summary', 1)
    assert len(block) == 2, "no error summary on the page"
    return re.findall(r'<a href="#[^"]*">([^<]+)</a>', block[1].split("</ul>", 1)[0])


@pytest.fixture
def world() -> PanelWorld:
    return panel_world(schedule=True)


def inspector_client(app: Flask, world: PanelWorld) -> FlaskClient:
    return sign_in_as(app.test_client(), world.inspector)


# --- creating and editing ------------------------------------------------------------------------


def test_an_inspector_creates_a_draft_panel_with_london_times(app: Flask, world: PanelWorld) -> None:
    day = london_date(world.panel.starts_at_utc) + timedelta(days=30)
    response = inspector_client(app, world).post(
        "/panels/new", data=form_for(day, "9:30am", "1pm", convener_role="note_taker")
    )

    assert response.status_code == 302
    panel = db.session.scalar(db.select(Panel).order_by(Panel.id.desc()).limit(1))
    assert panel.status == PanelStatus.DRAFT and panel.convened_by_id == world.inspector.id
    assert london_date(panel.starts_at_utc) == day
    assert panel.starts_at_utc.astimezone().tzinfo is not None
    assert panel.attendee_for(world.inspector.id).role == AttendeeRole.NOTE_TAKER
    page = inspector_client(app, world).get(response.headers["Location"]).get_data(as_text=True)
    assert "9:30am to 1pm (UK time)" in page and "Draft" in page


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {"title": "", "start_time": "", "end_time": "", "place": "", "date": ["", "", ""]},
            [
                "Enter a title",
                "Enter the date of the panel",
                "Enter the start time",
                "Enter the end time",
                "Enter a place or a video link",
            ],
        ),
        ({"date": ["31", "2", "2027"]}, ["Date of the panel must be a real date"]),
        ({"start_time": "25:00"}, ["Enter a real time, like 10am or 14:30"]),
        ({"start_time": "2pm", "end_time": "1pm"}, ["The end time must be after the start time"]),
        (
            {"video_link": "javascript:alert(1)"},
            ["Enter a video link that starts with https://, like https://meet.example.org/abc"],
        ),
        ({"title": "x" * 201}, ["Must be 200 characters or fewer"]),
        ({"title": "Panel\r\nBcc: evil@example.com"}, ["Enter text on one line, without special characters"]),
    ],
)
def test_bad_details_get_an_error_summary_and_keep_what_was_typed(
    app: Flask, world: PanelWorld, changes: dict[str, object], messages: list[str]
) -> None:
    day = london_date(world.panel.starts_at_utc) + timedelta(days=30)
    data = form_for(day, place="<script>alert(1)</script>")
    data.update(changes)
    response = inspector_client(app, world).post("/panels/new", data=data)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error_summary(page) == messages
    assert "<title>Error: Create a panel" in page
    if data["place"]:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert db.session.scalar(db.select(db.func.count(Panel.id))) == 1


@pytest.mark.parametrize("date_value", ["2026-02-30", "<script>"])
def test_a_date_posted_in_the_wrong_shape_is_an_error_not_a_crash(
    app: Flask, world: PanelWorld, date_value: object
) -> None:
    response = inspector_client(app, world).post(
        "/panels/new", data={**form_for(world.panel.starts_at_utc), "date": date_value}
    )
    assert response.status_code == 200
    assert error_summary(response.get_data(as_text=True)) == ["Date of the panel must include a month and a year"]


def test_a_time_the_clocks_skip_is_refused(app: Flask, world: PanelWorld) -> None:
    from datetime import date

    response = inspector_client(app, world).post("/panels/new", data=form_for(date(2027, 3, 28), "1:30am", "3am"))
    assert error_summary(response.get_data(as_text=True)) == [
        "1:30am does not exist on 28 March 2027: the clocks go forward"
    ]


def test_a_panel_in_the_past_is_refused(app: Flask, world: PanelWorld) -> None:
    day = london_date(world.panel.starts_at_utc) - timedelta(days=60)
    response = inspector_client(app, world).post("/panels/new", data=form_for(day))
    assert error_summary(response.get_data(as_text=True)) == ["The panel must start in the future"]


def test_a_stale_edit_is_refused_and_what_was_typed_comes_back(app: Flask, world: PanelWorld) -> None:
    client = inspector_client(app, world)
    page = client.get(f"/panels/{world.panel.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    # A colleague adds someone meanwhile (a new version of the panel).
    operations.add_attendee(world.panel, world.police_colleague, AttendeeRole.OBSERVER, world.inspector)
    db.session.commit()
    day = london_date(world.panel.starts_at_utc)

    response = client.post(
        f"/panels/{world.panel.id}/edit", data={**form_for(day, title="My new title"), "version": version}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing it" in page
    assert 'value="My new title"' in page
    db.session.expire_all()
    assert db.session.get(Panel, world.panel.id).title == "Northshire learning panel"
    # Saving again from the refreshed form goes through.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    again = client.post(
        f"/panels/{world.panel.id}/edit", data={**form_for(day, title="My new title"), "version": version}
    )
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Panel, world.panel.id).title == "My new title"


def test_moving_a_scheduled_panel_through_the_form_says_who_was_emailed(app: Flask, world: PanelWorld) -> None:
    client = inspector_client(app, world)
    day = london_date(world.panel.starts_at_utc) + timedelta(days=2)
    response = client.post(
        f"/panels/{world.panel.id}/edit", data={**form_for(day), "version": world.panel.version}, follow_redirects=True
    )
    assert "We have emailed 3 people an updated calendar invitation." in response.get_data(as_text=True)
    assert len(panel_emails(template="panel_update")) == 3


# --- agenda and attendees -------------------------------------------------------------------------


def test_the_agenda_can_be_added_to_timed_reordered_and_trimmed(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = inspector_client(app, world)
    from tests.factories.cases import make_case

    third = make_case([world.police_org], by=world.inspector)
    response = client.post(f"/panels/{world.panel.id}/agenda/add", data={"case_id": third.id, "start_time": "11am"})
    assert response.status_code == 302
    panel = db.session.get(Panel, world.panel.id)
    assert [i.case.reference for i in panel.agenda][-1] == third.reference
    item = panel.agenda[-1]

    outside = client.post(f"/panels/agenda-items/{item.id}/time", data={"start_time": "5pm"})
    assert "The time must be during the panel, from 10am to before midday" in outside.get_data(as_text=True)

    client.post(f"/panels/agenda-items/{item.id}/move/up")
    db.session.expire_all()
    assert [i.case.reference for i in db.session.get(Panel, world.panel.id).agenda] == [
        world.case.reference,
        third.reference,
        world.other_case.reference,
    ]
    client.post(f"/panels/agenda-items/{item.id}/remove")
    db.session.expire_all()
    assert third.reference not in [i.case.reference for i in db.session.get(Panel, world.panel.id).agenda]

    for bad in (999999, "abc", ""):
        unknown = client.post(f"/panels/{world.panel.id}/agenda/add", data={"case_id": bad})
        assert error_summary(unknown.get_data(as_text=True)) == ["Select a case"]


def test_only_eligible_people_are_offered_and_accepted(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = inspector_client(app, world)
    page = client.get(f"/panels/{world.panel.id}/attendees/add").get_data(as_text=True)
    assert "Pat Colleague – Northshire Police" in page
    assert "Owen Sergeant" not in page  # his force is asked about nothing
    assert "Priya Constable" not in page  # already on the list
    response = client.post(
        f"/panels/{world.panel.id}/attendees/add", data={"user_ids": world.outsider.id, "role": "member"}
    )
    assert error_summary(response.get_data(as_text=True)) == ["Select people from the list"]
    assert world.panel.attendee_for(world.outsider.id) is None


def test_the_panel_page_shows_the_replies(app: Flask, world: PanelWorld) -> None:
    police = sign_in_as(app.test_client(), world.police)
    assert police.post(f"/panels/{world.panel.id}/reply", data={"reply": "tentative"}).status_code == 302
    empty = police.post(f"/panels/{world.panel.id}/reply", data={})
    assert error_summary(empty.get_data(as_text=True)) == ["Select whether you will attend"]

    page = inspector_client(app, world).get(f"/panels/{world.panel.id}").get_data(as_text=True)

    assert "Replies: 0 accepted, 1 tentative, 0 declined, 2 not replied." in page
    assert re.search(r"Priya Constable.*?Tentative", page, re.S)
    invite = police.get(f"/panels/{world.panel.id}/invite.ics")
    assert invite.status_code == 200 and invite.mimetype == "text/calendar"
    assert b"PARTSTAT=TENTATIVE" in invite.data and b"METHOD:REQUEST" in invite.data


def test_a_reply_can_carry_a_comment_the_inspector_sees_and_other_agencies_do_not(
    app: Flask, world: PanelWorld
) -> None:
    police = sign_in_as(app.test_client(), world.police)
    response = police.post(
        f"/panels/{world.panel.id}/reply", data={"reply": "declined", "comment": "Our deputy <b>Sam</b> will come"}
    )
    assert response.status_code == 302
    attendee = world.panel.attendee_for(world.police.id)
    assert (attendee.reply, attendee.reply_comment) == (Reply.DECLINED, "Our deputy <b>Sam</b> will come")
    assert "Our deputy &lt;b&gt;Sam&lt;/b&gt; will come" in police.get(f"/panels/{world.panel.id}/reply").get_data(
        as_text=True
    )

    inspector_page = inspector_client(app, world).get(f"/panels/{world.panel.id}").get_data(as_text=True)
    assert "Our deputy &lt;b&gt;Sam&lt;/b&gt; will come" in inspector_page
    health_page = sign_in_as(app.test_client(), world.health).get(f"/panels/{world.panel.id}").get_data(as_text=True)
    assert "Our deputy" not in health_page


def test_the_invite_file_is_the_same_on_every_download(app: Flask, world: PanelWorld) -> None:
    police = sign_in_as(app.test_client(), world.police)
    first = police.get(f"/panels/{world.panel.id}/invite.ics")
    with time_machine.travel(utc_now() + timedelta(minutes=10)):
        second = police.get(f"/panels/{world.panel.id}/invite.ics")
    assert first.data == second.data
    assert first.headers["Content-Type"].startswith("text/calendar; method=REQUEST")


# --- after the panel ------------------------------------------------------------------------------


def test_the_outcome_is_recorded_after_the_panel_starts(app: Flask, world: PanelWorld) -> None:
    early = inspector_client(app, world).get(f"/panels/{world.panel.id}/outcome")
    assert early.status_code == 302
    rows = {a.user.email: a for a in world.panel.attendees}
    inspector_row, police_row, health_row = (
        rows["inspector@inspectorate.example"],
        rows["police@police.example"],
        rows["health@health.example"],
    )
    with time_machine.travel(world.panel.starts_at_utc + timedelta(hours=3)):
        client = inspector_client(app, world)  # signed in "now", the day of the panel
        page = client.get(f"/panels/{world.panel.id}/outcome").get_data(as_text=True)
        assert "Attendance register" in page and "Represented by a deputy" in page
        data = {
            f"attendance_{inspector_row.id}": "present",
            f"attendance_{police_row.id}": "deputy",
            f"attendance_{health_row.id}": "apologies",
            "notes": "Agreed three actions.",
            "mark_held": "Save and mark as held",
            "version": world.panel.version,
        }
        # A deputy must be named; and everyone must be recorded. What was typed stays.
        html = client.post(f"/panels/{world.panel.id}/outcome", data=data).get_data(as_text=True)
        assert "There is a problem" in html and "Enter the name of" in html and "Agreed three actions." in html
        missing = {k: v for k, v in data.items() if k != f"attendance_{health_row.id}"}
        html = client.post(f"/panels/{world.panel.id}/outcome", data=missing).get_data(as_text=True)
        assert "sent apologies, sent a deputy or was absent" in html
        db.session.expire_all()
        assert db.session.get(Panel, world.panel.id).status == PanelStatus.SCHEDULED

        response = client.post(
            f"/panels/{world.panel.id}/outcome", data={**data, f"deputy_{police_row.id}": "Sergeant Ada Byrne"}
        )
        assert response.status_code == 302
        db.session.expire_all()
        panel = db.session.get(Panel, world.panel.id)
        assert panel.status == PanelStatus.HELD and panel.notes == "Agreed three actions."
        assert {a.user.email: (a.attendance.value, a.deputy_name) for a in panel.attendees} == {
            "inspector@inspectorate.example": ("present", ""),
            "police@police.example": ("deputy", "Sergeant Ada Byrne"),
            "health@health.example": ("apologies", ""),
        }
        shown = client.get(f"/panels/{world.panel.id}").get_data(as_text=True)
        assert "Represented by Sergeant Ada Byrne (deputy)" in shown and "Sent apologies" in shown

        # Someone who came without an invitation, from an organisation that may attend.
        form = client.get(f"/panels/{world.panel.id}/walk-ins/add").get_data(as_text=True)
        assert police_row.user.organisation.name in form
        html = client.post(f"/panels/{world.panel.id}/walk-ins/add", data={"full_name": "DC Lee"}).get_data(
            as_text=True
        )
        assert "Choose the organisation they came from" in html and 'value="DC Lee"' in html
        response = client.post(
            f"/panels/{world.panel.id}/walk-ins/add",
            data={"full_name": "DC Lee", "organisation_id": str(police_row.user.organisation_id)},
        )
        assert response.status_code == 302
        panel = db.session.get(Panel, world.panel.id)
        assert [(w.full_name, w.organisation_id) for w in panel.walk_ins] == [
            ("DC Lee", police_row.user.organisation_id)
        ]
        assert "DC Lee" in client.get(f"/panels/{world.panel.id}").get_data(as_text=True)
        walk_in_id = panel.walk_ins[0].id
        assert client.post(f"/panels/walk-ins/{walk_in_id}/remove").status_code == 302
        db.session.expire_all()
        assert db.session.get(Panel, world.panel.id).walk_ins == []

        past = client.get("/panels/?show=past").get_data(as_text=True)
        assert panel.title in past and "Held" in past
        assert panel.title not in client.get("/panels/").get_data(as_text=True)
        # A held panel can no longer be changed or cancelled.
        assert client.get(f"/panels/{world.panel.id}/edit").status_code == 302
        assert client.get(f"/panels/{world.panel.id}/cancel").status_code == 302


# --- lists ---------------------------------------------------------------------------------------


def test_lists_split_upcoming_from_past_and_page_them(app: Flask, world: PanelWorld) -> None:
    for number in range(30):
        make_panel(
            world.inspector,
            cases=[world.case],
            attendees=[world.police],
            schedule=True,
            title=f"Panel number {number:02d}",
            starts_at=future(days=40 + number)[0],
            ends_at=future(days=40 + number)[1],
        )
    police = sign_in_as(app.test_client(), world.police)
    first = police.get("/panels/").get_data(as_text=True)
    second = police.get("/panels/?page=2").get_data(as_text=True)
    assert first.count("Panel number") == 24 and "Northshire learning panel" in first
    assert second.count("Panel number") == 6
    assert "Showing 1 to 25 of 31" in first
    # Upcoming panels come soonest first.
    assert first.index("Northshire learning panel") < first.index("Panel number 00")


def fresh_session() -> None:
    """Each request has a session of its own; tests share theirs with the client, so start clean."""
    db.session.remove()


def test_the_list_does_not_query_per_row(app: Flask, count_queries) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.police)
    fresh_session()
    with count_queries() as few:
        client.get("/panels/")
    world = reloaded(world)
    for number in range(12):
        make_panel(
            world.inspector,
            cases=[world.case, world.other_case],
            attendees=[world.police, world.health],
            schedule=True,
            title=f"Extra {number}",
        )
    fresh_session()
    with count_queries() as many:
        page = client.get("/panels/").get_data(as_text=True)
    assert page.count("Extra ") == 12
    assert many.count == few.count


def test_the_panel_page_does_not_query_per_case_or_person(app: Flask, count_queries) -> None:
    world = panel_world(schedule=False)
    client = inspector_client(app, world)
    panel_id = world.panel.id
    fresh_session()
    with count_queries() as few:
        client.get(f"/panels/{panel_id}")
    world = reloaded(world)
    from tests.factories.cases import make_case

    for _ in range(4):
        case = make_case([world.police_org, world.health_org], by=world.inspector)
        operations.add_agenda_item(world.panel, case, None, world.inspector)
    operations.add_attendee(world.panel, world.police_colleague, AttendeeRole.MEMBER, world.inspector)
    db.session.commit()
    fresh_session()
    with count_queries() as many:
        page = client.get(f"/panels/{panel_id}").get_data(as_text=True)
    assert page.count("SFO-") >= 6
    assert many.count == few.count


def test_an_attendee_reply_does_not_make_an_inspectors_edit_stale(app: Flask, world: PanelWorld) -> None:
    version = world.panel.version
    operations.reply_to_panel(world.panel.attendee_for(world.police.id), Reply.ACCEPTED, world.police)
    db.session.commit()
    assert db.session.get(Panel, world.panel.id).version == version
    operations.update_details(
        world.panel,
        details(title="Still fine", starts_at=world.panel.starts_at_utc, ends_at=world.panel.ends_at_utc),
        version,
        world.inspector,
    )
