"""A form sent after the session ended keeps its text: after signing in again the person goes
back to the form with what they typed in it, held server-side for them alone."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from agencies.models import OrganisationKind, Role
from core.formatting import utc_now
from core.held_forms import HeldForm
from extensions import db
from tests.conftest import make_organisation, make_user, sign_in_as
from tests.factories.cases import invitation_of, make_case

TYPED = "Police attended the address on 3 March and made a referral."


def _world():
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police, email="officer@police.example")
    colleague = make_user(Role.AGENCY_MEMBER, police, email="colleague@police.example")
    case = make_case([police])
    agency_return = invitation_of(case, police).agency_return
    db.session.commit()
    return officer, colleague, agency_return


def _sign_in(client, email: str):
    return client.post("/login", data={"email": email, "password": "correct horse battery staple"})


def test_a_form_sent_after_the_idle_limit_comes_back_after_signing_in(app: Flask) -> None:
    officer, colleague, agency_return = _world()
    path = f"/cases/returns/{agency_return.id}/involvement"
    client = sign_in_as(app.test_client(), officer)
    assert client.get(path).status_code == 200
    with client.session_transaction() as session:  # 31 minutes without a request
        session["last_seen"] = (utc_now() - timedelta(minutes=31)).timestamp()
    sent = client.post(path, data={"involvement": "involved", "involvement_nature": TYPED, "version": "1"})
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/login")
    held = db.session.scalars(db.select(HeldForm)).all()
    assert [(h.user_id, h.path) for h in held] == [(officer.id, path)]
    assert db.session.get(type(agency_return), agency_return.id).involvement_nature == ""  # nothing saved

    # Someone else signing in on this browser is not given it.
    other = app.test_client()
    _sign_in(other, colleague.email)
    assert TYPED not in other.get(path).get_data(as_text=True)

    # The person signs in again: back to the form, with their text, once.
    signed_in = _sign_in(client, officer.email)
    assert signed_in.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert TYPED in page and "We kept what you typed before you were signed out" in page
    assert TYPED not in client.get(path).get_data(as_text=True)


def test_a_form_sent_after_the_browser_dropped_the_session_is_held_for_the_last_person(app: Flask) -> None:
    officer, _colleague, agency_return = _world()
    path = f"/cases/returns/{agency_return.id}/involvement"
    client = sign_in_as(app.test_client(), officer)
    client.get("/")  # the browser now holds the signed note of who was signed in
    client.delete_cookie("session")
    before = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        sent = client.post(path, data={"involvement_nature": TYPED, "csrf_token": "expired"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = before
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400 and "we have kept what you typed" in page
    assert [(h.user_id, h.path) for h in db.session.scalars(db.select(HeldForm))] == [(officer.id, path)]
    # A forged note holds nothing.
    stranger = app.test_client()
    stranger.set_cookie("portal-last-person", "1.forged.signature")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        stranger.post(path, data={"involvement_nature": "Not theirs"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = before
    assert db.session.scalar(db.select(db.func.count(HeldForm.id))) == 1


def test_passwords_are_never_held(app: Flask) -> None:
    officer, _colleague, _return = _world()
    client = sign_in_as(app.test_client(), officer)
    with client.session_transaction() as session:
        session["last_seen"] = (utc_now() - timedelta(minutes=31)).timestamp()
    client.post("/account/password", data={"current_password": "x", "new_password": "y"})
    assert db.session.scalar(db.select(db.func.count(HeldForm.id))) == 0


def _idle(client) -> None:
    with client.session_transaction() as session:  # 31 minutes without a request
        session["last_seen"] = (utc_now() - timedelta(minutes=31)).timestamp()


def test_a_form_the_page_fills_from_its_record_shows_the_held_text_instead(app: Flask) -> None:
    """The panel's details page fills its fields from the panel on GET: the held text must win
    over that refill, and the next visit shows the panel's own values again."""
    from tests.factories.panels import panel_world

    world = panel_world()
    db.session.commit()
    panel = world.panel
    path = f"/panels/{panel.id}/edit"
    client = sign_in_as(app.test_client(), world.inspector)
    assert panel.title in client.get(path).get_data(as_text=True)
    _idle(client)
    typed_title = "Learning panel: Northshire, moved to the larger room"
    sent = client.post(path, data={"title": typed_title, "place": "Room 4", "version": str(panel.version)})
    assert sent.headers["Location"].startswith("/login")
    assert db.session.get(type(panel), panel.id).title != typed_title  # nothing saved

    assert _sign_in(client, world.inspector.email).headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert typed_title in page and 'value="Room 4"' in page
    assert "We kept what you typed before you were signed out" in page
    again = client.get(path).get_data(as_text=True)  # once: then the panel's own details
    assert typed_title not in again and panel.title in again
