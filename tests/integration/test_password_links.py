"""Password reset and first sign-in links go through the outbox and work once."""

from __future__ import annotations

import re

from agencies.models import PasswordLink, Role, User
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_user


def _link_from_outbox(to: str) -> str:
    message = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    )
    assert message is not None, f"no email queued for {to}"
    return re.search(r"http://portal\.test(/password/set/\S+)", message.body_text).group(1)


def test_reset_request_queues_an_email_with_a_working_link(client) -> None:
    user = make_user(email="forgot@test.example")
    page = client.post("/password/forgot", data={"email": "forgot@test.example"}).get_data(as_text=True)
    assert "Check your email" in page
    path = _link_from_outbox("forgot@test.example")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "violet orchard summit", "confirm": "violet orchard summit"})
    assert response.status_code == 302
    # The link works once.
    assert client.get(path).status_code == 404
    assert (
        client.post("/login", data={"email": "forgot@test.example", "password": "violet orchard summit"}).status_code
        == 302
    )
    assert db.session.get(User, user.id).password_changed_at_utc is not None


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client) -> None:
    make_user(email="known@test.example")
    known = client.post("/password/forgot", data={"email": "known@test.example"}).get_data(as_text=True)
    unknown = client.post("/password/forgot", data={"email": "unknown@test.example"}).get_data(as_text=True)
    without_nonce = lambda page: re.sub(r'nonce="[^"]*"', "", page)  # noqa: E731
    assert without_nonce(known).replace("known@", "X@") == without_nonce(unknown).replace("unknown@", "X@")
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 1


def test_weak_password_is_refused_and_the_link_still_works(client) -> None:
    make_user(email="weak@test.example")
    client.post("/password/forgot", data={"email": "weak@test.example"})
    path = _link_from_outbox("weak@test.example")
    page = client.post(path, data={"password": "password1234", "confirm": "password1234"}).get_data(as_text=True)
    assert "too easy to guess" in page
    mismatch = client.post(path, data={"password": "violet orchard summit", "confirm": "violet orchard summut"})
    assert "Passwords do not match" in mismatch.get_data(as_text=True)
    assert client.get(path).status_code == 200


def test_expired_link_is_refused(client) -> None:
    from datetime import timedelta

    from core.formatting import utc_now

    make_user(email="late@test.example")
    client.post("/password/forgot", data={"email": "late@test.example"})
    path = _link_from_outbox("late@test.example")
    link = db.session.scalar(db.select(PasswordLink))
    link.expires_at_utc = utc_now() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(path).status_code == 404


def test_setting_a_password_ends_existing_sessions(app, client_for) -> None:
    user = make_user(Role.ADMIN, email="sessions@test.example")
    signed_in = client_for(user)
    assert signed_in.get("/admin/people").status_code == 200
    anonymous = app.test_client()
    anonymous.post("/password/forgot", data={"email": "sessions@test.example"})
    path = _link_from_outbox("sessions@test.example")
    anonymous.post(path, data={"password": "violet orchard summit", "confirm": "violet orchard summit"})
    assert signed_in.get("/admin/people").status_code == 302
