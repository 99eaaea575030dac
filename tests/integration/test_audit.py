"""The audit trail: recorded with the change, append-only, filterable, exportable."""

from __future__ import annotations

import csv
import io

import pytest

from agencies.models import Role
from core import audit
from core.audit import AuditEvent
from extensions import db
from tests.conftest import make_user


def test_an_event_rolls_back_with_its_change() -> None:
    audit.record("test.rolled_back", summary="should vanish")
    db.session.rollback()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "test.rolled_back")) is None


def test_events_cannot_be_changed_or_deleted() -> None:
    event = audit.record("test.kept", summary="original")
    db.session.commit()
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).summary == "original"


def test_secrets_are_never_written() -> None:
    event = audit.record(
        "test.secret", password="hunter2", token="abc", nested={"totp_secret": "x", "ok": 1}, kept="yes"
    )
    assert event.details == {"nested": {"ok": 1}, "kept": "yes"}


def test_admin_filters_the_trail_by_action_person_and_date(client_for, admin) -> None:
    audit.record("organisation.created", summary="Added A", actor=admin)
    audit.record("person.deactivated", summary="Deactivated B", actor_email="someone.else@test.example")
    db.session.commit()
    client = client_for(admin)
    page = client.get("/admin/audit?action=organisation").get_data(as_text=True)
    assert "Added A" in page and "Deactivated B" not in page
    page = client.get("/admin/audit?actor=someone.else").get_data(as_text=True)
    assert "Deactivated B" in page and "Added A" not in page
    page = client.get("/admin/audit?from=2001-01-01&to=2001-12-31").get_data(as_text=True)
    assert "Added A" not in page and "No events match" in page
    bad = client.get("/admin/audit?from=yesterday").get_data(as_text=True)
    assert "govuk-error-summary" in bad and "Enter the &#39;from&#39; date in the format 2026-04-01" in bad


def test_admin_exports_the_trail_as_csv(client_for, admin) -> None:
    audit.record("test.export", summary='=HYPERLINK("http://evil")', actor=admin)
    db.session.commit()
    response = client_for(admin).get("/admin/audit.csv?action=test.")
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["test.export"]
    assert rows[0]["summary"].startswith("'=")  # neutralised for spreadsheets
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.audit_trail")) is not None


def test_refused_access_is_audited(client_for) -> None:
    member = make_user(Role.AGENCY_MEMBER)
    client_for(member).get("/admin/people")
    refused = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "access.refused"))
    assert refused.actor_id == member.id and refused.details["status"] == 403
