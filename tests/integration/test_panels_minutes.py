"""The panel's minutes: written by the convenor or the note-taker after the panel starts (a stale
save keeps what was typed), circulated to attendees for comments by a date, commented on,
approved (then locked, with who and when); the PDF is marked and stamped per recipient (pypdf)."""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine
from flask import Flask
from pypdf import PdfReader

from core.formatting import london_today
from extensions import db
from panels.minutes import minutes_of
from panels.models import AttendeeRole, MinutesStatus, PanelDecision
from tests.conftest import make_user, sign_in_as
from tests.factories.learning import make_action, theme
from tests.factories.panels import panel_emails, panel_world
from tests.factories.renders import download


def _date(day) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(day.day), str(day.month), str(day.year)]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_minutes_from_draft_to_circulated_to_approved(app: Flask) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    first, second = panel.agenda[0], panel.agenda[1]
    with time_machine.travel(panel.starts_at_utc + timedelta(hours=3)):
        inspector = sign_in_as(app.test_client(), world.inspector)
        police = sign_in_as(app.test_client(), world.police)
        # Nothing to see for an attendee until they are circulated; nothing to write for them.
        assert police.get(f"/panels/{panel.id}/minutes").status_code == 403
        assert police.get(f"/panels/{panel.id}/minutes/edit").status_code == 403
        page = inspector.get(f"/panels/{panel.id}/minutes/edit").get_data(as_text=True)
        assert f"Discussion (item 1, case {first.case.reference})" in page
        data = {
            "version": "0",
            f"discussion_{first.id}": "The police described both call-outs.",
            f"findings_{first.id}": "Repeat incidents were not linked.",
            f"learning_{first.id}": "Link repeat incidents before grading.",
            f"discussion_{second.id}": "Health had no contact.",
            "any_other_business": "Next panel in March.",
            "submit": "y",
        }
        assert inspector.post(f"/panels/{panel.id}/minutes/edit", data=data).status_code == 302
        minutes = minutes_of(panel)
        assert minutes.status == MinutesStatus.DRAFT and minutes.item_for(first.id).key_findings == (
            "Repeat incidents were not linked."
        )
        # A second save from the same opened form is stale: refused, and every word kept.
        stale = inspector.post(
            f"/panels/{panel.id}/minutes/edit", data={**data, "any_other_business": "My own AOB words."}
        )
        html = stale.get_data(as_text=True)
        assert stale.status_code == 200 and "Someone else saved these minutes" in html and "My own AOB words." in html
        db.session.expire_all()
        assert minutes_of(panel).any_other_business == "Next panel in March."

        # The decisions log: a decision about item 1, with the police's agreement.
        form = inspector.get(f"/panels/{panel.id}/decisions/add").get_data(as_text=True)
        assert f"Item 1: case {first.case.reference}" in form and "Northshire Police" in form
        html = inspector.post(f"/panels/{panel.id}/decisions/add", data={"decided_by": "The panel"}).get_data(
            as_text=True
        )
        assert "Enter what was decided" in html
        response = inspector.post(
            f"/panels/{panel.id}/decisions/add",
            data={
                "agenda_item_id": str(first.id),
                "decision": "The police will link repeat incidents before grading.",
                "decided_by": "The panel, on the chair's proposal",
                "agreeing": [str(world.police.organisation_id)],
            },
        )
        assert response.status_code == 302
        decision = db.session.scalar(db.select(PanelDecision))
        assert (decision.case_id, [o.name for o in decision.agreeing]) == (first.case_id, ["Northshire Police"])
        assert decision.reference in inspector.get(f"/panels/{panel.id}/minutes").get_data(as_text=True)

        # Circulated for comments by a date: every attendee is emailed.
        response = inspector.post(
            f"/panels/{panel.id}/minutes/circulate",
            data={"version": str(minutes_of(panel).version), "comments_by": _date(london_today() + timedelta(days=10))},
        )
        assert response.status_code == 302
        assert len(panel_emails(template="panel_minutes")) == len(panel.attendees)
        assert "Draft minutes of" in panel_emails(to=world.police.email, template="panel_minutes")[0].subject

        page = police.get(f"/panels/{panel.id}/minutes").get_data(as_text=True)
        assert "Repeat incidents were not linked." in page and "Comments are due by" in page
        html = police.post(f"/panels/{panel.id}/minutes/comments", data={"text": " "}).get_data(as_text=True)
        assert "Enter your comment" in html
        assert (
            police.post(
                f"/panels/{panel.id}/minutes/comments", data={"text": "Please add the March call-out."}
            ).status_code
            == 302
        )
        assert "Please add the March call-out." in inspector.get(f"/panels/{panel.id}/minutes").get_data(as_text=True)
        # Health sees the minutes but not the police's comment.
        health = sign_in_as(app.test_client(), world.health)
        assert "Please add the March call-out." not in health.get(f"/panels/{panel.id}/minutes").get_data(as_text=True)

        # The draft PDF: marked, stamped for its reader, with the minutes and the attendance.
        pdf = download(police, f"/panels/{panel.id}/minutes.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(pdf.data))
        for page_obj in reader.pages:
            assert page_obj.extract_text().count("OFFICIAL-SENSITIVE") >= 2
        text = text_of(pdf.data)
        assert "Prepared for Priya Constable, Northshire Police" in text
        assert "DRAFT minutes for comments by" in text and "Link repeat incidents before grading." in text
        # Someone who is not an attendee never gets them.
        assert (
            sign_in_as(app.test_client(), world.police_colleague).get(f"/panels/{panel.id}/minutes.pdf").status_code
            == 404
        )

        # The learning agreed needs its theme and level before approval (it becomes shared learning).
        refused = inspector.post(
            f"/panels/{panel.id}/minutes/approve", data={"version": str(minutes_of(panel).version)}
        )
        assert refused.status_code == 200 and "Choose the theme and level of the learning agreed at item 1" in (
            refused.get_data(as_text=True)
        )
        filed = {**data, "version": str(minutes_of(panel).version), f"theme_{first.id}": str(theme("MAPPA").id)}
        assert (
            inspector.post(f"/panels/{panel.id}/minutes/edit", data={**filed, f"level_{first.id}": "local"}).status_code
            == 302
        )

        # Approved: locked, with who and when.
        assert (
            inspector.post(
                f"/panels/{panel.id}/minutes/approve", data={"version": str(minutes_of(panel).version)}
            ).status_code
            == 302
        )
        db.session.expire_all()
        minutes = minutes_of(panel)
        assert (minutes.status, minutes.approved_by_id) == (MinutesStatus.APPROVED, world.inspector.id)
        assert minutes.approved_at_utc is not None
        assert inspector.get(f"/panels/{panel.id}/minutes/edit").status_code == 302  # no edit after approval
        refused = inspector.post(f"/panels/{panel.id}/minutes/edit", data={**data, "version": str(minutes.version)})
        assert refused.status_code == 302
        assert police.post(f"/panels/{panel.id}/minutes/comments", data={"text": "Late"}).status_code == 302
        db.session.expire_all()
        assert minutes_of(panel).any_other_business == "Next panel in March."
        approved_pdf = text_of(download(health, f"/panels/{panel.id}/minutes.pdf").data)
        assert "Approved by Imogen Inspector" in approved_pdf and decision.reference in approved_pdf
        # The log is locked with the minutes.
        assert inspector.post(f"/panels/decisions/{decision.id}/remove").status_code == 302
        assert db.session.get(PanelDecision, decision.id) is not None

        # An action carries out the decision: its page shows the trail through the panel's record.
        action = make_action(world.police.organisation, case=first.case)
        action.panel, action.decision = panel, decision
        db.session.commit()
        page = inspector.get(f"/learning/actions/{action.id}").get_data(as_text=True)
        assert "Repeat incidents were not linked." in page and "Link repeat incidents before grading." in page
        assert f"{decision.reference}: The police will link repeat incidents before grading." in page
        edit = inspector.get(f"/learning/actions/{action.id}/edit").get_data(as_text=True)
        assert "Decision it carries out" in edit and decision.reference in edit


def test_the_note_taker_writes_the_minutes_but_does_not_circulate_them(app: Flask) -> None:
    world = panel_world(schedule=False)
    from panels import operations

    note_taker = make_user("agency_member", world.police.organisation, email="notes@police.example")
    operations.add_attendee(world.panel, note_taker, AttendeeRole.NOTE_TAKER, world.inspector)
    db.session.flush()
    operations.schedule_panel(world.panel, world.panel.version, world.inspector)
    db.session.commit()
    with time_machine.travel(world.panel.starts_at_utc + timedelta(hours=3)):
        client = sign_in_as(app.test_client(), note_taker)
        assert client.get(f"/panels/{world.panel.id}/minutes").status_code == 200
        assert client.get(f"/panels/{world.panel.id}/minutes/edit").status_code == 200
        response = client.post(
            f"/panels/{world.panel.id}/minutes/edit",
            data={"version": "0", "any_other_business": "Taken by the note-taker.", "submit": "y"},
        )
        assert response.status_code == 302
        assert client.get(f"/panels/{world.panel.id}/minutes/circulate").status_code == 403
