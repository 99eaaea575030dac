"""Who may open every panels route: inspector, admin, an attendee agency, a colleague in the same
agency who is not on the panel, a probation person, another agency, anonymous.

404 means the panel (or agenda item, or attendee row) does not seem to exist for that person;
403 means they can see it but may not do that; anonymous people are sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from extensions import db
from panels.models import Panel, PanelDecision, PanelGuest, PanelWalkIn
from tests.conftest import sign_in_as
from tests.factories.panels import PanelWorld, panel_world

WHO = ["inspector", "admin", "police", "police_colleague", "probation", "outsider", "anonymous"]

# (description, method, url builder, expected status per person)
Url = Callable[[PanelWorld], str]
OK, PREPARING, MOVED, SIGN_IN = 200, 202, 302, "sign-in"

MANAGE = {
    "inspector": OK,
    "admin": OK,
    "police": 403,
    "police_colleague": 404,
    "probation": 404,
    "outsider": 404,
    "anonymous": SIGN_IN,
}
INSPECTORATE_ONLY_OBJECT = {
    "inspector": OK,
    "admin": OK,
    "police": 404,
    "police_colleague": 404,
    "probation": 404,
    "outsider": 404,
    "anonymous": SIGN_IN,
}
SEE = {
    "inspector": OK,
    "admin": OK,
    "police": OK,
    "police_colleague": 404,
    "probation": 404,
    "outsider": 404,
    "anonymous": SIGN_IN,
}
EVERYONE = {
    "inspector": OK,
    "admin": OK,
    "police": OK,
    "police_colleague": OK,
    "probation": OK,
    "outsider": OK,
    "anonymous": SIGN_IN,
}


def _walk_in(world: PanelWorld) -> int:
    """Someone on the register who came without an invitation (made directly: only the id matters)."""
    walk_in = PanelWalkIn(panel=world.panel, full_name="DC Lee", organisation_id=world.police.organisation_id)
    db.session.add(walk_in)
    db.session.commit()
    return walk_in.id


def _guest(world: PanelWorld) -> int:
    guest = PanelGuest(panel=world.panel, full_name="Dr Ada Chair", email="ada@independent.example")
    db.session.add(guest)
    db.session.commit()
    return guest.id


def _decision(world: PanelWorld) -> int:
    decision = PanelDecision(panel=world.panel, decision="Agreed", decided_by="The panel")
    db.session.add(decision)
    db.session.commit()
    return decision.id


ROUTES: list[tuple[str, str, Url, dict[str, int | str]]] = [
    ("list", "GET", lambda w: "/panels/", EVERYONE),
    ("past list", "GET", lambda w: "/panels/?show=past", EVERYONE),
    ("panel page", "GET", lambda w: f"/panels/{w.panel.id}", SEE),
    ("create", "GET", lambda w: "/panels/new", {**MANAGE, "police_colleague": 403, "probation": 403, "outsider": 403}),
    ("edit", "GET", lambda w: f"/panels/{w.panel.id}/edit", MANAGE),
    ("add case", "GET", lambda w: f"/panels/{w.panel.id}/agenda/add", MANAGE),
    ("invite person", "GET", lambda w: f"/panels/{w.panel.id}/attendees/add", MANAGE),
    ("schedule", "GET", lambda w: f"/panels/{w.panel.id}/schedule", MANAGE),
    ("cancel", "GET", lambda w: f"/panels/{w.panel.id}/cancel", MANAGE),
    ("outcome", "GET", lambda w: f"/panels/{w.panel.id}/outcome", {**MANAGE, "inspector": MOVED, "admin": MOVED}),
    (
        "add walk-in",
        "GET",
        lambda w: f"/panels/{w.panel.id}/walk-ins/add",
        {**MANAGE, "inspector": MOVED, "admin": MOVED},
    ),
    (
        "remove walk-in",
        "POST",
        lambda w: f"/panels/walk-ins/{_walk_in(w)}/remove",
        {**INSPECTORATE_ONLY_OBJECT, "inspector": MOVED, "admin": MOVED},
    ),
    # The minutes: not started (the panel has not started), so attendees see nothing yet.
    ("minutes", "GET", lambda w: f"/panels/{w.panel.id}/minutes", {**SEE, "police": 403}),
    (
        "edit minutes",
        "GET",
        lambda w: f"/panels/{w.panel.id}/minutes/edit",
        {**MANAGE, "inspector": MOVED, "admin": MOVED},
    ),
    (
        "circulate minutes",
        "GET",
        lambda w: f"/panels/{w.panel.id}/minutes/circulate",
        {**MANAGE, "inspector": MOVED, "admin": MOVED},
    ),
    (
        "approve minutes",
        "GET",
        lambda w: f"/panels/{w.panel.id}/minutes/approve",
        {**MANAGE, "inspector": MOVED, "admin": MOVED},
    ),
    (
        "comment on minutes",
        "POST",
        lambda w: f"/panels/{w.panel.id}/minutes/comments",
        {**SEE, "inspector": MOVED, "admin": 403, "police": MOVED},
    ),
    (
        "minutes pdf",
        "GET",
        lambda w: f"/panels/{w.panel.id}/minutes.pdf",
        {**SEE, "inspector": 403, "admin": 403, "police": 403},
    ),
    (
        "retry minutes",
        "POST",
        lambda w: f"/panels/{w.panel.id}/minutes/retry",
        {**SEE, "inspector": 403, "admin": 403, "police": 403},
    ),
    ("add guest", "GET", lambda w: f"/panels/{w.panel.id}/guests/add", MANAGE),
    (
        "remove guest",
        "POST",
        lambda w: f"/panels/guests/{_guest(w)}/remove",
        {**INSPECTORATE_ONLY_OBJECT, "inspector": MOVED, "admin": MOVED},
    ),
    ("add decision", "GET", lambda w: f"/panels/{w.panel.id}/decisions/add", MANAGE),
    (
        "remove decision",
        "POST",
        lambda w: f"/panels/decisions/{_decision(w)}/remove",
        {**SEE, "inspector": MOVED, "admin": MOVED, "police": 403},
    ),
    ("agenda time", "GET", lambda w: f"/panels/agenda-items/{w.panel.agenda[0].id}/time", INSPECTORATE_ONLY_OBJECT),
    (
        "move agenda item",
        "POST",
        lambda w: f"/panels/agenda-items/{w.panel.agenda[0].id}/move/down",
        {**INSPECTORATE_ONLY_OBJECT, "inspector": MOVED, "admin": MOVED},
    ),
    (
        "remove agenda item page",
        "GET",
        lambda w: f"/panels/agenda-items/{w.panel.agenda[0].id}/remove",
        INSPECTORATE_ONLY_OBJECT,
    ),
    (
        "remove agenda item",
        "POST",
        lambda w: f"/panels/agenda-items/{w.panel.agenda[0].id}/remove",
        {**INSPECTORATE_ONLY_OBJECT, "inspector": MOVED, "admin": MOVED},
    ),
    ("attendee role", "GET", lambda w: f"/panels/attendees/{w.panel.attendees[1].id}/role", INSPECTORATE_ONLY_OBJECT),
    (
        "remove attendee",
        "GET",
        lambda w: f"/panels/attendees/{w.panel.attendees[1].id}/remove",
        INSPECTORATE_ONLY_OBJECT,
    ),
    ("reply", "GET", lambda w: f"/panels/{w.panel.id}/reply", {**SEE, "admin": 403}),
    ("invite file", "GET", lambda w: f"/panels/{w.panel.id}/invite.ics", {**SEE, "admin": 403}),
    # The first download of a pack asks for it and says it is being prepared (202).
    (
        "pack",
        "GET",
        lambda w: f"/panels/{w.panel.id}/pack.pdf",
        {k: (PREPARING if v == OK else v) for k, v in SEE.items()},
    ),
    (
        "retry pack",
        "POST",
        lambda w: f"/panels/{w.panel.id}/pack/retry",
        {k: (MOVED if v == OK else v) for k, v in SEE.items()},
    ),
    ("pack contents", "GET", lambda w: f"/panels/{w.panel.id}/pack-contents", MANAGE),
    ("feed page", "GET", lambda w: "/panels/calendar-feed", EVERYONE),
    ("make feed", "POST", lambda w: "/panels/calendar-feed", {k: (303 if v == OK else v) for k, v in EVERYONE.items()}),
    (
        "new feed confirmation",
        "GET",
        lambda w: "/panels/calendar-feed/new",
        {k: (MOVED if v == OK else v) for k, v in EVERYONE.items()},
    ),
    (
        "revoke feed",
        "POST",
        lambda w: "/panels/calendar-feed/revoke",
        {k: (MOVED if v == OK else v) for k, v in EVERYONE.items()},
    ),
]


@pytest.fixture
def world() -> PanelWorld:
    return panel_world(schedule=True)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "method", "url", "expected"), ROUTES, ids=[r[0] for r in ROUTES])
def test_route_access(
    app: Flask, world: PanelWorld, who: str, name: str, method: str, url: Url, expected: dict[str, int | str]
) -> None:
    client = app.test_client()
    if who != "anonymous":
        sign_in_as(client, world.people[who])
    response = client.open(url(world), method=method)
    want = expected[who]
    if want == SIGN_IN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == want, f"{who} {method} {name}: {response.status_code}"


@pytest.mark.parametrize("who", ["police", "outsider", "probation"])
def test_a_draft_panel_is_hidden_from_everyone_outside_the_inspectorate(app: Flask, who: str) -> None:
    world = panel_world(schedule=False)
    client = sign_in_as(app.test_client(), world.people[who])
    assert client.get(f"/panels/{world.panel.id}").status_code == 404
    assert client.get(f"/panels/{world.panel.id}/pack.pdf").status_code == 404
    assert world.panel.title not in client.get("/panels/").get_data(as_text=True)


def test_the_list_shows_an_agency_only_its_own_panels(app: Flask, world: PanelWorld) -> None:
    police = sign_in_as(app.test_client(), world.police).get("/panels/").get_data(as_text=True)
    outsider = sign_in_as(app.test_client(), world.outsider).get("/panels/").get_data(as_text=True)
    assert world.panel.title in police
    assert world.panel.title not in outsider and "There are no upcoming panels that you are invited to" in outsider


def test_a_removed_attendee_loses_access_at_once(app: Flask, world: PanelWorld) -> None:
    from panels import operations as operations

    client = sign_in_as(app.test_client(), world.police)
    assert client.get(f"/panels/{world.panel.id}").status_code == 200
    operations.remove_attendee(world.panel.attendee_for(world.police.id), world.inspector)
    db.session.commit()
    assert client.get(f"/panels/{world.panel.id}").status_code == 404
    assert client.get(f"/panels/{world.panel.id}/invite.ics").status_code == 404


def test_a_refused_request_is_audited(app: Flask, world: PanelWorld) -> None:
    from core.audit import REFUSED_ACTION, AuditEvent

    client = sign_in_as(app.test_client(), world.outsider)
    assert client.get(f"/panels/{world.panel.id}/pack.pdf").status_code == 404
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == REFUSED_ACTION))
    assert event.actor_id == world.outsider.id and event.details["status"] == 404


def test_every_panels_route_is_in_the_matrix(app: Flask) -> None:
    """A panels route added later must be added to the matrix above."""
    covered = {
        "panels.list_panels",
        "panels.show_panel",
        "panels.create_panel",
        "panels.edit_panel",
        "panels.add_agenda_item",
        "panels.add_attendee",
        "panels.schedule_panel",
        "panels.cancel_panel",
        "panels.record_outcome",
        "panels.add_walk_in",
        "panels.show_minutes",
        "panels.add_decision",
        "panels.add_guest",
        "panels.remove_guest",
        "panels.remove_decision",
        "panels.edit_minutes",
        "panels.circulate_minutes",
        "panels.approve_minutes",
        "panels.comment_on_minutes",
        "panels.download_minutes",
        "panels.retry_minutes",
        "panels.remove_walk_in",
        "panels.change_agenda_time",
        "panels.move_agenda_item",
        "panels.remove_agenda_item",
        "panels.change_attendee_role",
        "panels.remove_attendee",
        "panels.reply_to_panel",
        "panels.download_invite",
        "panels.download_pack",
        "panels.retry_pack",
        "panels.choose_pack_contents",
        "panels.manage_feed",
        "panels.create_feed",
        "panels.confirm_new_feed",
        "panels.revoke_feed",
        "panels.calendar_feed",
    }  # public by design: tests/integration/test_panels_feed.py
    import panels.views as views

    mine = {
        f"panels.{name}"
        for name, value in vars(views).items()
        if callable(value)
        and getattr(value, "__module__", "") == views.__name__
        and f"panels.{name}" in app.view_functions
    }
    assert mine == covered
    assert Panel.__tablename__ == "panels"
