"""ASVS 16.2-16.3: reads of sensitive data and authorisation failures are audited (who,
what, when in UTC, from where); the audit never stores secrets; the admin exports a date
range as CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask

from agencies import access
from agencies.models import Role
from core import audit
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from tests.conftest import TEST_PASSWORD, make_user, sign_in_as
from tests.factories.security import current_code


@pytest.fixture
def probe_app(db_url: str) -> Flask:
    """A second app on the same database, free to take test-only routes."""
    from portal.app import create_app

    return create_app("test", SQLALCHEMY_DATABASE_URI=db_url)


def test_record_read_is_committed_by_a_get_that_commits_nothing_else(probe_app: Flask) -> None:
    reader = make_user(Role.INSPECTOR, email="reader@test.example")
    subject_id = make_user(email="subject@test.example").id

    @probe_app.get("/_test/read")
    def read_probe():
        from agencies.models import User

        audit.record_read(db.session.get(User, subject_id), "case_identifiers", reference="SFO-2024-0001")
        return "identifiers"

    access.public(read_probe)
    before = utc_now()
    response = sign_in_as(probe_app.test_client(), reader).get(
        "/_test/read", environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.status_code == 200 and response.get_data(as_text=True) == "identifiers"
    db.session.expire_all()
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.case_identifiers"))
    assert event is not None
    assert (event.actor_id, event.actor_email) == (reader.id, "reader@test.example")
    assert (event.object_type, event.object_id) == ("User", str(subject_id))
    assert event.ip_address == "203.0.113.9"
    assert event.occurred_at_utc.tzinfo == UTC and before <= event.occurred_at_utc <= utc_now()
    assert event.details == {"reference": "SFO-2024-0001"}


def test_a_failed_request_does_not_leave_a_half_recorded_read(probe_app: Flask) -> None:
    @probe_app.get("/_test/read-then-fail")
    def read_then_fail():
        audit.record_read(None, "panel_pack")
        raise RuntimeError("the PDF could not be built")

    access.public(read_then_fail)
    assert probe_app.test_client().get("/_test/read-then-fail").status_code == 500
    db.session.expire_all()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack")) is None


def test_no_secret_ever_reaches_the_audit_trail(app: Flask) -> None:
    """Run every sign-in path with known secrets, then search every audit row for them."""
    app.config["REQUIRE_TWO_FACTOR"] = True
    try:
        admin = make_user(Role.ADMIN, email="secretive@test.example")
        admin.totp_secret, admin.totp_confirmed_at_utc = pyotp.random_base32(), utc_now()
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": "a wrong password typed"})
        client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
        client.post("/login/code", data={"code": "123456"})
        client.post("/login/recovery-code", data={"code": "abcde-fghij-klmno-pqrst-uvwxy"})
        code = current_code(admin.totp_secret)
        client.post("/login/code", data={"code": code})
        client.post(
            "/account/password",
            data={
                "current_password": "another wrong one",
                "password": "violet orchard summit",
                "confirm": "violet orchard summit",
            },
        )
        client.post("/account/recovery-codes", data={"current_password": TEST_PASSWORD})
        secrets = [
            TEST_PASSWORD,
            "a wrong password typed",
            "another wrong one",
            "violet orchard summit",
            admin.totp_secret,
            code,
            "abcde-fghij-klmno-pqrst-uvwxy",
            admin.password_hash,
            admin.session_token,
        ]
    finally:
        app.config["REQUIRE_TWO_FACTOR"] = False
    rows = db.session.scalars(db.select(AuditEvent)).all()
    assert len(rows) >= 6
    text = " ".join(f"{r.summary} {r.details} {r.actor_email}" for r in rows)
    assert [s for s in secrets if s and s in text] == []


def test_the_admin_exports_a_date_range_as_csv(client_for, admin) -> None:
    def at(day: str) -> datetime:
        return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)

    for day, summary in (
        ("2025-03-31", "before the range"),
        ("2025-04-01", "first day"),
        ("2025-04-30", "last day"),
        ("2025-05-01", "after the range"),
    ):
        event = audit.record("test.dated", summary=summary, actor=admin)
        event.occurred_at_utc = at(day)
    event = audit.record("test.dated", summary="=cmd|' /C calc'!A0", actor_email="=evil@test.example")
    event.occurred_at_utc = at("2025-04-15")
    db.session.commit()

    response = client_for(admin).get("/admin/audit.csv?action=test.&from=2025-04-01&to=2025-04-30")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["summary"] for row in rows] == ["last day", "'=cmd|' /C calc'!A0", "first day"]
    assert rows[1]["actor_email"] == "'=evil@test.example"  # formulas neutralised in every cell
    for row in rows:
        moment = datetime.fromisoformat(row["occurred_at_utc"])
        assert moment.utcoffset() == timedelta(0) and moment.date().isoformat().startswith("2025-04")
    export = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.audit_trail"))
    assert export.actor_id == admin.id and export.details["filters"]["from"] == "2025-04-01"


def test_the_export_refuses_everyone_but_admins(client_for) -> None:
    for role in (Role.INSPECTOR, Role.AGENCY_MEMBER):
        response = client_for(make_user(role)).get("/admin/audit.csv")
        assert response.status_code == 403 and "text/csv" not in response.headers["Content-Type"]
    refusals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert len(refusals) == 2 and all(re.search(r"403 for GET /admin/audit\.csv", r.summary) for r in refusals)
