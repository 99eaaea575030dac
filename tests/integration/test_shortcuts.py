"""Shortcuts along the flow: flag a review from its page, schedule a panel from a case's page,
and invite several people to a panel in one step (the case's agencies' people first)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from extensions import db
from panels.models import AttendeeRole, Panel
from panels.rules import london_date
from tests.conftest import make_organisation, sign_in_as
from tests.factories.cases import make_case, make_review
from tests.factories.panels import panel_world
from tests.integration.test_panels_pages import error_summary, form_for


def test_a_reviews_page_offers_to_flag_it_and_then_opens_its_case(client_for, inspector) -> None:
    review = make_review()
    client = client_for(inspector)
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert re.search(rf'href="/cases/reviews/{review.id}/flag"[^>]*>\s*Flag as a multi-agency case', page)
    case = make_case([make_organisation(name="Shortcut Police")], review=review)
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Flag as a multi-agency case" not in page
    assert re.search(rf'href="/cases/{case.id}"[^>]*>\s*Open the multi-agency case', page)


def test_a_cases_page_schedules_a_panel_with_the_case_on_its_agenda(app: Flask) -> None:
    world = panel_world(schedule=False)
    case = make_case([world.police_org])
    client = sign_in_as(app.test_client(), world.inspector)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/panels/new?case={case.id}"' in page and "Schedule a panel for this case" in page
    form = client.get(f"/panels/new?case={case.id}").get_data(as_text=True)
    assert f"The panel will discuss {case.reference}" in form
    day = london_date(world.panel.starts_at_utc) + timedelta(days=30)
    response = client.post("/panels/new", data={**form_for(day), "case_id": str(case.id)})
    assert response.status_code == 302
    panel = db.session.scalars(db.select(Panel).order_by(Panel.id.desc())).first()
    assert [item.case_id for item in panel.agenda] == [case.id]
    # A failed submit keeps the case, and a case the person may not see is ignored.
    failed = client.post("/panels/new", data={**form_for(day), "title": "", "case_id": str(case.id)})
    assert f"The panel will discuss {case.reference}" in failed.get_data(as_text=True)
    ignored = client.get("/panels/new?case=999999").get_data(as_text=True)
    assert "The panel will discuss" not in ignored


def test_several_people_are_invited_in_one_step_agencies_first(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = sign_in_as(app.test_client(), world.inspector)
    page = client.get(f"/panels/{world.panel.id}/attendees/add").get_data(as_text=True)
    # The agencies asked about the cases come before the Inspectorate's people.
    assert page.index("Pat Colleague – Northshire Police") < page.index("Alex Admin – ")
    response = client.post(
        f"/panels/{world.panel.id}/attendees/add",
        data={"user_ids": [world.police_colleague.id, world.admin.id], "role": "observer"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    panel = db.session.get(Panel, world.panel.id)
    for person in (world.police_colleague, world.admin):
        attendee = panel.attendee_for(person.id)
        assert attendee is not None and attendee.role == AttendeeRole.OBSERVER


def test_inviting_nobody_or_two_chairs_is_refused(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = sign_in_as(app.test_client(), world.inspector)
    path = f"/panels/{world.panel.id}/attendees/add"
    empty = client.post(path, data={"role": "member"})
    assert error_summary(empty.get_data(as_text=True)) == ["Select at least one person to invite"]
    chairs = client.post(path, data={"user_ids": [world.police_colleague.id, world.admin.id], "role": "chair"})
    assert error_summary(chairs.get_data(as_text=True)) == [
        "A panel has one chair: select one person to chair it, or choose another role"
    ]
    # The ticks are kept.
    assert chairs.get_data(as_text=True).count("checked") >= 2
    db.session.expire_all()
    assert db.session.get(Panel, world.panel.id).attendee_for(world.admin.id) is None


def test_removing_a_case_from_the_agenda_is_asked_first(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = sign_in_as(app.test_client(), world.inspector)
    item = world.panel.agenda[0]
    panel_page = client.get(f"/panels/{world.panel.id}").get_data(as_text=True)
    assert f'href="/panels/agenda-items/{item.id}/remove"' in panel_page
    page = client.get(f"/panels/agenda-items/{item.id}/remove").get_data(as_text=True)
    assert f"Remove {world.case.reference} from the agenda" in page and "Keep it on the agenda" in page
    db.session.expire_all()
    assert len(db.session.get(Panel, world.panel.id).agenda) == 2, "asking removes nothing"
    assert client.post(f"/panels/agenda-items/{item.id}/remove").status_code == 302
    db.session.expire_all()
    assert [i.case_id for i in db.session.get(Panel, world.panel.id).agenda] == [world.other_case.id]
