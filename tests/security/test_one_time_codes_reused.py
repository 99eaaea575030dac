"""One-time codes used more than once: the same authenticator code or recovery code posted at
once from four half-signed-in sessions was accepted three times, because each request read
"not used yet", then wrote "used". Now a code is consumed by one conditional UPDATE (the step
only moves forward; a recovery code's ``used_at`` only goes from empty to set), so exactly one
of any number of simultaneous requests wins; a password link is spent the same way. Real
concurrent requests on PostgreSQL."""

from __future__ import annotations

import os
import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from agencies import two_factor
from agencies.models import RecoveryCode, User
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import TEST_PASSWORD, make_user
from tests.factories.security import at_once, current_code, required, sign_in_with_password  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("required"),  # two-step sign-in on
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs PostgreSQL: set TEST_DATABASE_URL",
    ),
]

SESSIONS = 4
ROUNDS = 3


def person_with_authenticator(email: str) -> User:
    user = make_user(email=email)
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at_utc = utc_now()
    db.session.commit()
    return user


def half_signed_in(app: Flask, email: str) -> list[FlaskClient]:
    clients = [app.test_client() for _ in range(SESSIONS)]
    for client in clients:
        assert sign_in_with_password(client, email, TEST_PASSWORD).status_code == 302
    return clients


def post_at_once(clients: list[FlaskClient], path: str, code: str) -> list[int]:
    """Each client posts ``code`` to ``path`` from its own thread, all released together."""
    return at_once(len(clients), lambda n: clients[n].post(path, data={"code": code}).status_code)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def test_one_authenticator_code_posted_from_four_sessions_at_once_signs_in_once(app: Flask) -> None:
    for round_number in range(ROUNDS):
        email = f"burst{round_number}@test.example"
        user = person_with_authenticator(email)
        clients = half_signed_in(app, email)
        statuses = post_at_once(clients, "/login/code", current_code(user.totp_secret or ""))
        assert sorted(statuses) == [200] * (SESSIONS - 1) + [302], statuses
        assert sum(signed_in(client) for client in clients) == 1
        db.session.expire_all()
        sign_ins = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "sign_in", AuditEvent.actor_id == user.id)
        ).all()
        assert len(sign_ins) == 1


def test_one_recovery_code_posted_from_four_sessions_at_once_signs_in_once(app: Flask) -> None:
    for round_number in range(ROUNDS):
        email = f"recovery{round_number}@test.example"
        user = person_with_authenticator(email)
        codes = two_factor.new_recovery_codes(2)
        db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(c)) for c in codes)
        db.session.commit()
        clients = half_signed_in(app, email)
        statuses = post_at_once(clients, "/login/recovery-code", codes[0])
        assert sorted(statuses) == [200] * (SESSIONS - 1) + [302], statuses
        assert sum(signed_in(client) for client in clients) == 1
        db.session.expire_all()
        used = db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.action == "two_factor.recovery_code_used")
            .where(AuditEvent.actor_id == user.id)
        ).all()
        assert len(used) == 1
        # The other code still works, once.
        assert (
            db.session.scalar(
                db.select(db.func.count(RecoveryCode.id)).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_at_utc.is_(None)
                )
            )
            == 1
        )


def test_one_password_link_posted_from_four_browsers_at_once_sets_one_password(app: Flask) -> None:
    user = make_user(email="linkburst@test.example")
    db.session.commit()
    app.test_client().post("/password/forgot", data={"email": "linkburst@test.example"})
    message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    path = re.search(r"http://portal\.test(/password/set/[A-Za-z0-9_-]+)", message.body_text).group(1)
    clients = [app.test_client() for _ in range(SESSIONS)]
    passwords = [f"violet orchard summit {n}" for n in range(SESSIONS)]
    statuses = at_once(
        SESSIONS, lambda n: clients[n].post(path, data={"password": passwords[n], "confirm": passwords[n]}).status_code
    )
    assert sorted(statuses) == [302] + [404] * (SESSIONS - 1), statuses
    db.session.expire_all()
    assert len(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "password.set")).all()) == 1
    assert db.session.get(User, user.id).password_changed_at_utc is not None
