"""A conflict is a message, never a 500: forms that create something are sent once (a double
click, a resent request), and saves that meet someone else's change at the same moment (a stale
row at a flush, a unique constraint) answer like a stale edit. The concurrent versions run real
requests in threads, each with its own client and database connection, on PostgreSQL."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cases.models import MultiAgencyCase
from core.submissions import FormSubmission
from extensions import db
from learning.models import ActionRecord, LearningItem
from notifications.models import OutboxMessage
from panels.models import Panel, PanelStatus
from panels.rules import london_date
from tests.conftest import sign_in_as
from tests.factories.cases import inspectorate_inspector, today
from tests.factories.learning import learning_case, theme
from tests.factories.panels import PanelWorld, panel_world
from tests.factories.reviews import make_review
from tests.integration.test_actions_lifecycle import _action_form
from tests.integration.test_cases_flagging import _flag_data

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL: set TEST_DATABASE_URL",
)


def on_postgresql(test: Callable[..., None]) -> Callable[..., None]:
    return pytest.mark.postgres(needs_postgres(test))


def signed_in(app: Flask, world: PanelWorld, count: int) -> list[FlaskClient]:
    """Tabs: one client each, so each request has its own session and database connection."""
    return [sign_in_as(app.test_client(), world.inspector) for _ in range(count)]


def _date(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert found, f"no {name} on the page"
    return found.group(1)


def panel_form(world: PanelWorld, **fields: object) -> dict[str, object]:
    day = london_date(world.panel.starts_at_utc) + timedelta(days=30)
    return {
        "title": "Northshire learning panel",
        "date": _date(day),
        "start_time": "10am",
        "end_time": "12:30pm",
        "place": "Room 3, County Hall",
        "video_link": "",
        "convener_role": "chair",
        **fields,
    }


def flag_form(world: PanelWorld, **fields: object) -> dict[str, object]:
    return _flag_data([world.police_org, world.health_org], **fields)


def learning_form(token: str) -> dict[str, object]:
    return {
        "description": "Link repeat incidents and tell children's services.",
        "theme_id": str(theme("Domestic abuse").id),
        "level": "multi_agency",
        "submit": "y",
        "form_token": token,
    }


def token_of(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return hidden(response.get_data(as_text=True), "form_token")


def cases_of(review) -> int:
    db.session.expire_all()
    return len(db.session.scalars(db.select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id)).all())


def count(model: type) -> int:
    db.session.expire_all()
    return len(db.session.scalars(db.select(model)).all())


# --- the same form sent twice (SQLite and PostgreSQL) --------------------------------------------


def test_a_draft_panel_form_sent_twice_makes_one_panel(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.inspector)
    data = panel_form(world, form_token=token_of(client, "/panels/new"))
    before = count(Panel)

    first = client.post("/panels/new", data=data)
    again = client.post("/panels/new", data=data)

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Panel) == before + 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "You had already sent this form" in page
    # A new form is a new token: a second panel on purpose is still possible.
    assert client.post("/panels/new", data={**data, "form_token": token_of(client, "/panels/new")}).status_code == 302
    assert count(Panel) == before + 2


def test_send_invitations_twice_sends_them_once(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = sign_in_as(app.test_client(), world.inspector)
    page = client.get(f"/panels/{world.panel.id}/schedule").get_data(as_text=True)
    data = {"version": hidden(page, "version"), "form_token": hidden(page, "form_token"), "submit": "y"}

    first = client.post(f"/panels/{world.panel.id}/schedule", data=data)
    emails = count(OutboxMessage)
    again = client.post(f"/panels/{world.panel.id}/schedule", data=data)

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"] == f"/panels/{world.panel.id}"
    assert count(OutboxMessage) == emails > 0
    assert db.session.get(Panel, world.panel.id).status == PanelStatus.SCHEDULED


def test_flagging_a_review_twice_and_from_four_tabs_makes_one_case(app: Flask) -> None:
    world = panel_world(schedule=False)
    review = make_review(received_on=today() - timedelta(days=90))
    db.session.commit()
    client = sign_in_as(app.test_client(), world.inspector)
    url = f"/cases/reviews/{review.id}/flag"
    tabs = [token_of(client, url) for _ in range(4)]

    responses = [client.post(url, data=flag_form(world, form_token=token)) for token in [tabs[0], *tabs]]

    assert [r.status_code for r in responses] == [302] * 5
    case = db.session.scalar(db.select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    assert {r.headers["Location"] for r in responses} == {f"/cases/{case.id}"}
    assert cases_of(review) == 1


def test_inviting_agencies_twice_invites_once(app: Flask) -> None:
    world = panel_world(schedule=False)
    client = sign_in_as(app.test_client(), world.inspector)
    url = f"/cases/{world.other_case.id}/invite"
    data = {"organisation_ids": [str(world.police_org.id)], "form_token": token_of(client, url), "submit": "y"}
    first = client.post(url, data=data)
    emails = count(OutboxMessage)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert count(OutboxMessage) == emails


def test_an_action_and_learning_sent_twice_are_recorded_once(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    client = client_for(inspectorate_inspector())
    learning_url = f"/learning/cases/{case.id}/learning/new"
    learning = learning_form(token_of(client, learning_url))
    assert [client.post(learning_url, data=learning).status_code for _ in range(2)] == [302, 302]
    assert count(LearningItem) == 1

    action_url = f"/learning/cases/{case.id}/actions/new"
    action = {**_action_form(police.id), "form_token": token_of(client, action_url)}
    first, again = (client.post(action_url, data=action) for _ in range(2))
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(ActionRecord) == 1
    assert count(FormSubmission) == 2


def test_a_token_that_was_not_issued_is_refused_with_a_message(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.inspector)
    response = client.post("/panels/new", data=panel_form(world, form_token="x" * 500))
    assert response.status_code == 200
    assert "This form has expired" in response.get_data(as_text=True)


# --- at the same moment (PostgreSQL) --------------------------------------------------------------


def at_once(app: Flask, requests: list[Callable[[], TestResponse]]) -> list[TestResponse]:
    """Run the requests in threads that start together; each has its own session and connection."""
    start = threading.Barrier(len(requests))
    results: list[TestResponse | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = requests[index]()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def no_server_errors(responses: list[TestResponse]) -> None:
    assert [r.status_code for r in responses if r.status_code >= 500] == []


@on_postgresql
def test_two_saves_of_a_scheduled_panel_at_once_give_one_save_and_one_message(app: Flask) -> None:
    world = panel_world(schedule=True)
    url = f"/panels/{world.panel.id}/edit"
    clients = signed_in(app, world, 2)
    version = hidden(clients[0].get(url).get_data(as_text=True), "version")
    db.session.commit()
    forms = [panel_form(world, version=version, title=f"Panel saved by tab {n}") for n in range(2)]

    for _round in range(3):
        responses = at_once(app, [lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)])
        no_server_errors(responses)
        saved = [r for r in responses if r.status_code == 302]
        refused = [r for r in responses if r.status_code != 302]
        assert len(saved) <= 1
        for response in refused:
            page = response.get_data(as_text=True)
            assert "Someone else changed this" in page and "Panel saved by tab" in page
        db.session.expire_all()
        version = str(db.session.get(Panel, world.panel.id).version)
        forms = [{**form, "version": version, "title": f"{form['title']}, again"} for form in forms]


@on_postgresql
def test_flagging_the_same_review_from_four_tabs_at_once_makes_one_case(app: Flask) -> None:
    world = panel_world(schedule=False)
    review = make_review(received_on=today() - timedelta(days=90))
    db.session.commit()
    url = f"/cases/reviews/{review.id}/flag"
    clients = signed_in(app, world, 4)
    forms = [flag_form(world, form_token=token_of(client, url)) for client in clients]
    db.session.commit()

    responses = at_once(app, [lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)])

    no_server_errors(responses)
    assert cases_of(review) == 1
    case = db.session.scalar(db.select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    for client, response in zip(clients, responses, strict=True):
        assert response.status_code == 302
        if response.headers["Location"] != f"/cases/{case.id}":
            assert client.get(response.headers["Location"]).headers["Location"] == f"/cases/{case.id}"


@on_postgresql
def test_send_invitations_pressed_twice_at_once_sends_them_once(app: Flask) -> None:
    world = panel_world(schedule=False)
    url = f"/panels/{world.panel.id}/schedule"
    clients = signed_in(app, world, 2)
    page = clients[0].get(url).get_data(as_text=True)
    data = {"version": hidden(page, "version"), "form_token": hidden(page, "form_token"), "submit": "y"}
    db.session.commit()

    responses = at_once(app, [lambda c=c: c.post(url, data=data) for c in clients])

    no_server_errors(responses)
    invitations = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.template == "panel_invitation")).all()
    recipients = [m.to_address for m in invitations]
    assert recipients and len(recipients) == len(set(recipients))
    assert db.session.get(Panel, world.panel.id).status == PanelStatus.SCHEDULED


@on_postgresql
def test_a_draft_panel_form_sent_twice_at_once_makes_one_panel(app: Flask) -> None:
    world = panel_world(schedule=True)
    clients = signed_in(app, world, 3)
    data = panel_form(world, form_token=token_of(clients[0], "/panels/new"))
    before = count(Panel)
    db.session.commit()

    responses = at_once(app, [lambda c=c: c.post("/panels/new", data=data) for c in clients])

    no_server_errors(responses)
    assert count(Panel) == before + 1
    assert len({r.headers["Location"] for r in responses}) == 1


@on_postgresql
def test_an_action_and_learning_sent_twice_at_once_are_recorded_once(app: Flask) -> None:
    case, police, _childrens, _officer = learning_case()
    inspector = inspectorate_inspector()
    db.session.commit()
    clients = [sign_in_as(app.test_client(), inspector) for _ in range(2)]
    learning_url = f"/learning/cases/{case.id}/learning/new"
    action_url = f"/learning/cases/{case.id}/actions/new"
    learning = learning_form(token_of(clients[0], learning_url))
    action = {**_action_form(police.id), "form_token": token_of(clients[0], action_url)}
    db.session.commit()

    for url, data, model in ((learning_url, learning, LearningItem), (action_url, action, ActionRecord)):
        responses = at_once(app, [lambda c=c, u=url, d=data: c.post(u, data=d) for c in clients])
        no_server_errors(responses)
        assert [r.status_code for r in responses] == [302, 302]
        assert count(model) == 1
