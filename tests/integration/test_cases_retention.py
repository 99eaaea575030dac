"""Identifying details: erased by the retention command after the period the admin sets,
leaving the reference; the admin edits the period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from agencies.models import OrganisationKind, Role
from cases.models import CaseSettings
from cases.operations import close_case, erase_expired_identifiers
from core.audit import AuditEvent
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.factories.cases import PERSON_NAME, PNC, make_case, today


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def police():
    return make_organisation(OrganisationKind.POLICE, "Northshire Police")


def _closed_case(police, closed_on: date):
    with time_machine.travel(at(date(2026, 1, 5)), tick=False):
        case = make_case([police], reply_by=date(2026, 2, 1))
    close_case(case, closed_on, case.flagged_by)
    db.session.commit()
    return case


def test_the_command_erases_identifiers_twelve_months_after_closing(app, police) -> None:
    expired = _closed_case(police, date(2026, 3, 1))
    recent = _closed_case(police, date(2026, 6, 1))
    with time_machine.travel(at(date(2026, 4, 1)), tick=False):
        open_case = make_case([police])
    cli = app.test_cli_runner()

    with time_machine.travel(at(date(2027, 2, 28)), tick=False):
        result = cli.invoke(args=["cases", "erase-expired"])
    assert "No identifying details were due" in result.output
    db.session.expire_all()
    assert expired.person_name == PERSON_NAME

    with time_machine.travel(at(date(2027, 3, 1)), tick=False):
        result = cli.invoke(args=["cases", "erase-expired"])
    assert result.exit_code == 0 and expired.reference in result.output
    db.session.expire_all()
    assert (expired.person_name, expired.date_of_birth, expired.other_identifiers) == (None, None, None)
    assert expired.identifiers_erased_at_utc is not None
    # The reference and the learning stay.
    assert expired.reference.startswith("SFO-") and expired.partner_summary and expired.invitations
    # The others keep theirs.
    assert recent.person_name == PERSON_NAME and open_case.other_identifiers == PNC
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.identifiers_erased"))
    assert event.object_id == str(expired.id) and PERSON_NAME not in str(event.details)
    # Running again erases nothing more and records nothing more.
    with time_machine.travel(at(date(2027, 3, 2)), tick=False):
        assert erase_expired_identifiers(date(2027, 3, 2)) == []


def test_erased_identifiers_page_says_so_and_the_case_still_shows(client_for, police) -> None:
    case = _closed_case(police, date(2025, 1, 1))
    erase_expired_identifiers(date(2026, 6, 1))
    db.session.commit()
    inspector = make_user(Role.INSPECTOR)
    page = client_for(inspector).get(f"/cases/{case.id}/identifiers").get_data(as_text=True)
    assert "were erased on" in page and PERSON_NAME not in page and case.reference in page
    # Looking is still recorded.
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.case_identifiers")) is not None
    assert "Erased on" in client_for(inspector).get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_admin_sets_the_retention_period(client_for, admin, police) -> None:
    case = _closed_case(police, date(2026, 3, 1))
    client = client_for(admin)
    page = client.get("/cases/retention").get_data(as_text=True)
    assert 'value="12"' in page
    for bad, message in (("0", "between 1 and 120"), ("abc", "Enter a whole number of months"), ("", "Enter a number")):
        page = client.post("/cases/retention", data={"retention_months": bad}).get_data(as_text=True)
        assert message in page and "<title>Error: " in page
    assert client.post("/cases/retention", data={"retention_months": "3"}).status_code == 302
    assert db.session.scalar(db.select(CaseSettings.retention_months)) == 3
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.retention_changed"))
    assert (event.details["before"], event.details["after"], event.actor_id) == (12, 3, admin.id)
    # The shorter period applies to cases already closed.
    assert erase_expired_identifiers(date(2026, 5, 31)) == []
    assert erase_expired_identifiers(date(2026, 6, 1)) == [case]


def test_erasure_anonymises_the_chronology_erases_its_names_and_the_documents(client_for) -> None:
    """Item 10 of issue 13: the names in the anonymisation map go with the identifiers, after the
    chronology's rows have had them replaced by roles; documents go when the admin's rule says so."""
    from datetime import timedelta

    from cases.chronology.models import CasePerson
    from cases.chronology.operations import add_person
    from cases.chronology.rules import PersonRole
    from cases.documents.models import ReturnDocument
    from cases.documents.operations import add_document
    from cases.models import ReturnChronologyEntry
    from cases.operations import close_case, erase_expired_identifiers
    from core.files import StoredFile
    from tests.factories.chronology import overlap_world

    world = overlap_world()
    add_person(world.case, PersonRole.VICTIM, "Alice Smith", world.inspector)
    add_document(world.health_return, b"Notes about Alice Smith\n", "notes.txt", world.health_member)
    close_case(world.case, today() - timedelta(days=800), world.inspector)
    db.session.commit()

    assert erase_expired_identifiers(today()) == [world.case]
    db.session.commit()
    db.session.expire_all()
    texts = " ".join(e.what_happened for e in db.session.scalars(db.select(ReturnChronologyEntry)))
    assert "the subject shouting at Victim 1" in texts
    assert "Jordan" not in texts and "Alice" not in texts
    assert [p.name for p in db.session.scalars(db.select(CasePerson))] == [None]
    assert db.session.scalar(db.select(ReturnDocument)) is None and db.session.scalar(db.select(StoredFile)) is None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.identifiers_erased"))
    assert event is not None and event.details["documents_deleted"] == 1
    assert event.details["chronology_rows_anonymised"] >= 2
    # The anonymised chronology still reads, with roles.
    page = client_for(world.inspector).get(f"/cases/{world.case.id}/chronology").get_data(as_text=True)
    assert "Victim 1" in page and "erased under the retention policy" in page


def test_the_admin_may_keep_documents_past_erasure(client_for, admin) -> None:
    from datetime import timedelta

    from cases.documents.models import ReturnDocument
    from cases.documents.operations import add_document
    from cases.operations import close_case, erase_expired_identifiers
    from tests.factories.chronology import overlap_world

    client = client_for(admin)
    assert "Also delete the documents" in client.get("/cases/retention").get_data(as_text=True)
    client.post("/cases/retention", data={"retention_months": "12"})  # unticked: keep them
    assert db.session.scalar(db.select(CaseSettings.erase_documents)) is False
    world = overlap_world()
    add_document(world.health_return, b"Notes\n", "notes.txt", world.health_member)
    close_case(world.case, today() - timedelta(days=800), world.inspector)
    db.session.commit()
    erase_expired_identifiers(today())
    db.session.commit()
    assert db.session.scalar(db.select(ReturnDocument)) is not None


def test_reading_the_retention_period_writes_nothing(client_for, admin) -> None:
    # Before the reference data has run there is no settings row: the page shows the default
    # without making one (a GET changes nothing); the first save makes it.
    db.session.execute(db.delete(CaseSettings))
    db.session.commit()
    client = client_for(admin)
    assert 'value="12"' in client.get("/cases/retention").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(db.select(CaseSettings)).all() == []
    assert client.post("/cases/retention", data={"retention_months": "6"}).status_code == 302
    assert db.session.scalars(db.select(CaseSettings.retention_months)).all() == [6]
