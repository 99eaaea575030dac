"""Secrets in the audit trail and the logs: the per-person throttle key (the session token) was
written into the audit table's details. Now no session token, one-time code, recovery code,
password link or calendar feed address reaches an audit row or a log line, whatever the flow;
and signing out everywhere, changing the password or having it reset also revokes the calendar
feed address (whoever had the sessions may have copied it), as the pages say."""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from agencies import two_factor
from agencies.models import RecoveryCode, User
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import TEST_PASSWORD, make_user, sign_in_as
from tests.factories.panels import make_feed
from tests.factories.security import current_code, required, sign_in_with_password  # noqa: F401

NEW_PASSWORD = "violet orchard summit"  # nosec B105 - test-only


class Secrets:
    """Every secret a flow handled, to look for afterwards."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str | None) -> None:
        self.values.update(v for v in values if v)

    def tokens_of(self, user: User) -> None:
        db.session.expire_all()
        self.add(db.session.get(User, user.id).session_token)


def everything_audited() -> str:
    db.session.expire_all()
    rows = db.session.scalars(db.select(AuditEvent)).all()
    return "\n".join(f"{row.action} {row.summary} {json.dumps(row.details)} {row.actor_email}" for row in rows)


def assert_kept_secret(secrets: Secrets, caplog: pytest.LogCaptureFixture) -> None:
    audited, logged = everything_audited(), caplog.text
    assert audited and secrets.values
    for secret in secrets.values:
        assert secret not in audited, f"a secret ({secret[:6]}…) is in the audit trail"
        assert secret not in logged, f"a secret ({secret[:6]}…) is in the logs"


def reset_link_path(client: FlaskClient, email: str) -> str:
    client.post("/password/forgot", data={"email": email})
    message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    match = re.search(r"http://portal\.test(/password/set/[A-Za-z0-9_-]+)", message.body_text)
    assert match
    return match.group(1)


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The development server (werkzeug), which logs every request line."""
    request_log = logging.getLogger("werkzeug")
    was_disabled, request_log.disabled = request_log.disabled, False  # Alembic's logging set-up turns it off
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    request_log.disabled = was_disabled


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own test server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.usefixtures("required")
def test_no_secret_of_the_sign_in_flows_reaches_the_audit_trail_or_the_logs(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = Secrets()
    user = make_user(email="careful@test.example")
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at_utc = utc_now()
    codes = two_factor.new_recovery_codes(2)
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(c)) for c in codes)
    db.session.commit()
    secrets.add(user.totp_secret, *codes)

    # Password, a wrong code, then the right one.
    client = app.test_client()
    secrets.tokens_of(user)
    sign_in_with_password(client, "careful@test.example", TEST_PASSWORD)
    secrets.tokens_of(user)
    right = current_code(user.totp_secret)
    wrong = "000000" if right != "000000" else "111111"
    client.post("/login/code", data={"code": wrong})
    assert client.post("/login/code", data={"code": right}).status_code == 302
    secrets.add(right)
    secrets.tokens_of(user)
    # Guessing the current password until throttled (the throttle key was the session token).
    for _ in range(6):
        client.post(
            "/account/password",
            data={"current_password": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
    assert "sign_in.throttled" in everything_audited()
    # A recovery code from another browser, then a replay of it.
    other = app.test_client()
    sign_in_with_password(other, "careful@test.example", TEST_PASSWORD)
    assert other.post("/login/recovery-code", data={"code": codes[0]}).status_code == 302
    secrets.tokens_of(user)
    replay = app.test_client()
    sign_in_with_password(replay, "careful@test.example", TEST_PASSWORD)
    replay.post("/login/recovery-code", data={"code": codes[0]})
    secrets.tokens_of(user)
    other.post("/logout")
    secrets.tokens_of(user)
    assert_kept_secret(secrets, caplog)


def test_no_password_link_or_feed_address_reaches_the_audit_trail_or_the_logs(
    app: Flask, live: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = Secrets()
    user = make_user(email="linked@test.example")
    db.session.commit()
    client = sign_in_as(app.test_client(), user)
    secrets.tokens_of(user)
    feed = make_feed(client)
    secrets.add(feed.rsplit("/", 1)[1].removesuffix(".ics"))
    assert fetch(live + feed) == 200

    # A reset link: opened on the development server (which logs the request line), then used.
    link = reset_link_path(app.test_client(), "linked@test.example")
    secrets.add(link.rsplit("/", 1)[1])
    assert fetch(live + link) == 200
    reset = app.test_client()
    assert reset.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    secrets.tokens_of(user)
    assert fetch(live + link) == 404  # used: and the refusal names no secret either
    # The reset revoked the feed; its address, used again, is refused and audited.
    assert fetch(live + feed) == 404
    assert "Revoked calendar feed address used" in everything_audited()
    assert "/password/set/" in caplog.text and "/panels/feed/" in caplog.text  # the lines are there
    assert_kept_secret(secrets, caplog)


# --- the calendar feed ends with the sessions ------------------------------------------------------


def test_signing_out_everywhere_revokes_the_calendar_feed(app: Flask) -> None:
    user = make_user(email="everywhere@test.example")
    client = sign_in_as(app.test_client(), user)
    elsewhere = sign_in_as(app.test_client(), user)
    feed = make_feed(client)
    assert app.test_client().get(feed).status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert "stops your calendar feed address working" in page
    done = client.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "Your calendar feed address no longer works" in done.get_data(as_text=True)
    assert app.test_client().get(feed).status_code == 404
    assert elsewhere.get("/account").status_code == 302
    assert "calendar_feed.revoked" in everything_audited()


def test_changing_the_password_revokes_the_calendar_feed(app: Flask) -> None:
    user = make_user(email="changer@test.example")
    client = sign_in_as(app.test_client(), user)
    feed = make_feed(client)
    assert "Your calendar feed address stops working" in client.get("/account/password").get_data(as_text=True)
    changed = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "your calendar feed address no longer works" in changed.get_data(as_text=True)
    assert app.test_client().get(feed).status_code == 404
    assert client.get("/account").status_code == 200  # this session carries on


def test_a_password_reset_revokes_the_calendar_feed(app: Flask) -> None:
    user = make_user(email="resetter@test.example")
    feed = make_feed(sign_in_as(app.test_client(), user))
    assert "stops working when you sign out everywhere or change your password" in (
        sign_in_as(app.test_client(), user).get("/panels/calendar-feed").get_data(as_text=True)
    )
    link = reset_link_path(app.test_client(), "resetter@test.example")
    assert app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert app.test_client().get(feed).status_code == 404


def test_an_ordinary_sign_out_keeps_the_calendar_feed(app: Flask) -> None:
    """Signing out at the end of the day must not break everyone's calendar subscriptions."""
    user = make_user(email="daily@test.example")
    client = sign_in_as(app.test_client(), user)
    feed = make_feed(client)
    client.post("/logout")
    assert app.test_client().get(feed).status_code == 200
