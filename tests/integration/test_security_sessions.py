"""ASVS 7: sessions. New on sign-in, 30 minutes idle and 12 hours absolute (checked on the
server, not just by the cookie), ended everywhere by sign-out, password change, second-factor
reset and deactivation, and carried in __Host- Secure HttpOnly SameSite=Lax cookies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient

from agencies.models import Role, User
from tests.conftest import TEST_PASSWORD, make_user
from tests.factories.security import production_app, sign_in_with_password


def signed_in_client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert sign_in_with_password(client, user.email, TEST_PASSWORD).status_code == 302
    return client


def can_see_people(client: FlaskClient) -> bool:
    response = client.get("/admin/people")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def age_session(
    client: FlaskClient, *, idle: timedelta = timedelta(0), since_sign_in: timedelta = timedelta(0)
) -> None:
    with client.session_transaction() as session:
        session["last_seen"] -= idle.total_seconds()
        session["signed_in_at"] -= since_sign_in.total_seconds()


def test_sign_in_gives_a_new_session_with_nothing_carried_over(app: Flask) -> None:
    make_user(email="fresh@test.example")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "planted-token"
        session["anything"] = "from before"
    sign_in_with_password(client, "fresh@test.example", TEST_PASSWORD)
    with client.session_transaction() as session:
        assert "anything" not in session and session["_user_id"] != "planted-token"
        assert {"signed_in_at", "last_seen"} <= set(session)


def test_idle_sessions_end_on_the_server_after_30_minutes(app: Flask) -> None:
    client = signed_in_client(app, make_user(Role.ADMIN, email="idle@test.example"))
    age_session(client, idle=timedelta(minutes=29))
    assert can_see_people(client)  # ... and that request counts as activity
    age_session(client, idle=timedelta(minutes=29))
    assert can_see_people(client)
    age_session(client, idle=timedelta(minutes=31))
    response = client.get("/admin/people")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # Signed out for good: the session no longer names the person.
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert "For your security, we signed you out" in client.get("/login").get_data(as_text=True)


def test_activity_is_recorded_to_the_minute_without_rewriting_the_cookie_every_time(app: Flask) -> None:
    client = signed_in_client(app, make_user(Role.ADMIN, email="busy@test.example"))
    client.get("/admin/people")  # the first page after sign-in adds its CSRF token to the session
    age_session(client, idle=timedelta(seconds=20))
    assert "Set-Cookie" not in client.get("/admin/people").headers  # seen 20 s ago: nothing to record
    age_session(client, idle=timedelta(seconds=70))
    response = client.get("/admin/people")
    assert "Set-Cookie" in response.headers
    with client.session_transaction() as session:
        assert datetime.now(UTC).timestamp() - session["last_seen"] < 5


def test_sessions_end_12_hours_after_sign_in_however_active(app: Flask) -> None:
    client = signed_in_client(app, make_user(Role.ADMIN, email="marathon@test.example"))
    age_session(client, since_sign_in=timedelta(hours=11, minutes=50))
    assert can_see_people(client)
    age_session(client, since_sign_in=timedelta(minutes=15))
    assert not can_see_people(client)


def test_a_session_without_timestamps_is_refused(app: Flask) -> None:
    user = make_user(Role.ADMIN, email="forged@test.example")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
    assert not can_see_people(client)


def test_the_cookie_lifetime_is_30_minutes_and_refreshed_with_activity(app: Flask) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=12)
    client = signed_in_client(app, make_user(Role.ADMIN, email="refresh@test.example"))
    client.get("/admin/people")
    age_session(client, idle=timedelta(minutes=5))
    response = client.get("/admin/people")
    cookie = SimpleCookie(response.headers["Set-Cookie"])["session"]
    expires = parsedate_to_datetime(cookie["expires"])
    remaining = expires - datetime.now(UTC)
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30, seconds=5)


def end_by_sign_out(app: Flask, user: User, client: FlaskClient) -> None:
    assert client.post("/logout").status_code == 302


def end_by_password_change(app: Flask, user: User, client: FlaskClient) -> None:
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": "violet orchard summit",
            "confirm": "violet orchard summit",
        },
    )
    assert response.status_code == 302


def end_by_second_factor_reset(app: Flask, user: User, client: FlaskClient) -> None:
    admin = signed_in_client(app, make_user(Role.ADMIN, email="resetter@test.example"))
    assert admin.post(f"/admin/people/{user.id}/reset-two-step").status_code == 302


def end_by_deactivation(app: Flask, user: User, client: FlaskClient) -> None:
    admin = signed_in_client(app, make_user(Role.ADMIN, email="deactivator@test.example"))
    assert admin.post(f"/admin/people/{user.id}/deactivate").status_code == 302


@pytest.mark.parametrize(
    "end_sessions", [end_by_sign_out, end_by_password_change, end_by_second_factor_reset, end_by_deactivation]
)
def test_old_cookies_replayed_after_sessions_end_go_to_sign_in(app: Flask, end_sessions) -> None:
    user = make_user(Role.ADMIN, email="target@test.example")
    acting = signed_in_client(app, user)
    other_device = signed_in_client(app, user)
    # A copy of the cookie as it stood (a stolen or backed-up cookie).
    stolen = app.test_client()
    stolen.set_cookie("session", acting.get_cookie("session").value)
    assert can_see_people(stolen)

    end_sessions(app, user, acting)
    for client in (other_device, stolen):
        response = client.get("/admin/people")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_change_keeps_the_current_session(app: Flask) -> None:
    user = make_user(Role.ADMIN, email="keeper@test.example")
    client = signed_in_client(app, user)
    end_by_password_change(app, user, client)
    assert can_see_people(client)


def test_production_cookies_are_host_prefixed_secure_httponly_lax(monkeypatch: pytest.MonkeyPatch) -> None:
    app = production_app(monkeypatch)
    with app.test_request_context():
        from flask import session

        session["probe"] = "x"
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    header = response.headers["Set-Cookie"]
    name, _, attributes = header.partition("=")
    assert name == "__Host-session"
    lowered = [part.strip().lower() for part in attributes.split(";")]
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(lowered)
    assert not any(part.startswith("domain=") for part in lowered)  # __Host- forbids Domain
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(0)
