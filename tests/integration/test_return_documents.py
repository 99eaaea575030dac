"""Documents on an agency's return: types by content, size limits, safe names, streamed and
audited downloads, removal while a draft, the lock on submit, access by every role, and the
malware-scanning seam (a real subprocess that rejects the EICAR test file)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from agencies.models import Role
from cases.documents.models import ReturnDocument
from core.audit import AuditEvent
from core.files import ScanStatus, StoredFile, StoredFileChunk, scan_waiting_files
from extensions import db
from panels.models import AttendeeRole
from tests.conftest import make_user
from tests.factories import files
from tests.factories.chronology import OverlapWorld, overlap_world
from tests.factories.panels import make_panel

STUB = Path(__file__).resolve().parent.parent / "antivirus_stub.py"


@pytest.fixture
def world() -> OverlapWorld:
    # The health trust's return stays a draft: documents are added to it.
    return overlap_world()


def upload(client, agency_return, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/cases/returns/{agency_return.id}/documents",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def documents() -> list[ReturnDocument]:
    return list(db.session.scalars(db.select(ReturnDocument).order_by(ReturnDocument.id)))


@pytest.mark.parametrize(
    ("maker", "name", "label", "stored_name"),
    [
        (files.pdf, "Internal review.pdf", "PDF", "Internal review.pdf"),
        (files.docx, "risk assessment.docx", "Word document", "risk assessment.docx"),
        (lambda: files.xlsx([["date", "what"]]), "chronology.xlsx", "Excel spreadsheet", "chronology.xlsx"),
        (files.odt, "notes.odt", "OpenDocument text", "notes.odt"),
        (files.png, "photo.png", "PNG image", "photo.png"),
        (lambda: b"Plain notes\n", "notes.txt", "Plain text", "notes.txt"),
        # The name is not trusted: a PDF called .docx keeps its name and gains the right extension.
        (files.pdf, "not really.docx", "PDF", "not really.docx.pdf"),
        (files.pdf, "..\\..\\etc\\passwd;.pdf", "PDF", "etcpasswd.pdf"),
        (files.pdf, "/etc/shadow\x07.pdf", "PDF", "shadow.pdf"),
    ],
)
def test_accepted_types_are_known_by_their_content(client_for, world, maker, name, label, stored_name) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_for(world.health_member), world.health_return, maker(), name)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    (document,) = documents()
    assert document.file.type_label == label and document.file.filename == stored_name
    assert document.file.scan_status == ScanStatus.CLEAN  # no scanner configured in tests


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.HTML_PAGE, "report.pdf", "web page or script"),
        (files.SVG, "logo.png", "web page or script"),
        (files.EXE, "tool.pdf", "must be PDF, Word"),
        (files.plain_zip(), "bundle.docx", "must be PDF, Word"),
        (files.docx(macros=True), "macro.docx", "contains macros"),
        (b"", "empty.pdf", "The selected file is empty"),
    ],
)
def test_other_types_are_refused_with_a_govuk_error(client_for, world, data, name, message) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_for(world.health_member), world.health_return, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    assert documents() == [] and db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0


def test_no_file_chosen_is_an_error(client_for, world) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world.health_member).post(
        f"/cases/returns/{world.health_return.id}/documents", data={}, content_type="multipart/form-data"
    )
    assert "Select a file" in response.get_data(as_text=True)


def test_per_file_and_per_return_limits_are_shown_and_enforced(app, client_for, world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.health_member)
    page = client.get(f"/cases/returns/{world.health_return.id}/documents").get_data(as_text=True)
    assert "smaller than 10 MB" in page and "smaller than 30 MB" in page
    app.config.update(DOCUMENT_MAX_BYTES=3_000, RETURN_DOCUMENTS_MAX_BYTES=5_000)
    try:
        too_big = upload(client, world.health_return, b"x" * 3_001, "big.txt").get_data(as_text=True)
        assert "must be smaller than 3 KB" in too_big and documents() == []
        assert upload(client, world.health_return, b"y" * 2_900, "one.txt").status_code == 302
        over = upload(client, world.health_return, b"z" * 2_900, "two.txt").get_data(as_text=True)
        assert "must add up to less than 5 KB" in over and "2 KB is left" in over
        assert len(documents()) == 1
    finally:
        app.config.update(DOCUMENT_MAX_BYTES=10_000_000, RETURN_DOCUMENTS_MAX_BYTES=30_000_000)


def test_a_request_past_the_endpoint_allowance_is_refused_before_it_is_read(app, client_for, world) -> None:  # type: ignore[no-untyped-def]
    app.config["DOCUMENT_UPLOAD_ALLOWANCE"] = 10_000
    try:
        response = upload(client_for(world.health_member), world.health_return, b"x" * 20_000, "huge.txt")
        assert response.status_code == 413
    finally:
        app.config["DOCUMENT_UPLOAD_ALLOWANCE"] = 11_000_000


def test_downloads_are_streamed_attachments_and_audited(client_for, world) -> None:  # type: ignore[no-untyped-def]
    from core import files as core_files

    client = client_for(world.health_member)
    data = files.pdf("Streamed") + b"%" * (core_files.CHUNK_BYTES * 2)  # three chunks
    upload(client, world.health_return, data, "Rapport d’enquête.pdf")
    (document,) = documents()
    assert db.session.scalar(db.select(db.func.count(StoredFileChunk.id))) == 3
    response = client.get(f"/cases/documents/{document.id}")
    assert response.status_code == 200 and response.is_streamed
    assert response.data == data
    assert response.mimetype == "application/pdf" and response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Rapport-denquete.pdf"') and "filename*=UTF-8''" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read.return_document")).all()
    assert len(reads) == 1 and reads[0].actor_id == world.health_member.id and reads[0].object_id == str(document.id)
    added = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "return.document_added"))
    assert added is not None and added.details["sha256"] == document.file.sha256


def test_removable_while_a_draft_and_locked_on_submit(client_for, world) -> None:  # type: ignore[no-untyped-def]
    from cases.returns.operations import submit_return

    client = client_for(world.health_member)
    upload(client, world.health_return, files.pdf(), "first.pdf")
    upload(client, world.health_return, files.pdf(), "second.pdf")
    first, second = documents()
    assert client.post(f"/cases/documents/{first.id}/remove").status_code == 302
    assert [d.id for d in documents()] == [second.id]
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 1
    submit_return(world.health_return, world.health_return.version, world.health_member)
    db.session.commit()
    assert client.post(f"/cases/documents/{second.id}/remove").status_code == 302
    assert [d.id for d in documents()] == [second.id]  # locked with the return
    refused = upload(client, world.health_return, files.pdf(), "late.pdf")
    assert refused.status_code == 302 and len(documents()) == 1
    page = client.get(f"/cases/returns/{world.health_return.id}/documents").get_data(as_text=True)
    assert "Upload document" not in page and page.count("submitted, so it is locked") == 1  # said once


def test_every_role_sees_the_documents_it_should(client_for, world) -> None:  # type: ignore[no-untyped-def]
    from cases.returns.operations import submit_return

    upload(client_for(world.health_member), world.health_return, files.pdf(), "health.pdf")
    (document,) = documents()
    url = f"/cases/documents/{document.id}"
    expected_while_draft = {
        "inspector": 200,
        "admin": 200,
        "health": 200,
        "health colleague": 200,
        "police": 404,
        "council": 404,
        "other police": 404,
        "probation": 404,
    }
    from agencies.models import OrganisationKind
    from tests.conftest import make_organisation

    people = {
        "inspector": world.inspector,
        "admin": make_user(Role.ADMIN),
        "health": world.health_member,
        "health colleague": make_user(Role.AGENCY_MEMBER, world.health),
        "police": world.police_member,
        "council": world.council_member,
        "other police": world.other_member,
        "probation": make_user(Role.AGENCY_MEMBER, make_organisation(OrganisationKind.PROBATION_REGION)),
    }
    for who, status in expected_while_draft.items():
        assert client_for(people[who]).get(url).status_code == status, who
    # Submitted: still the health trust's own, until the case is on a panel another agency attends.
    submit_return(world.health_return, world.health_return.version, world.health_member)
    db.session.commit()
    assert client_for(world.police_member).get(url).status_code == 404
    make_panel(
        world.inspector, cases=[world.case], attendees=[(world.police_member, AttendeeRole.MEMBER)], schedule=True
    )
    assert client_for(world.police_member).get(url).status_code == 200
    assert client_for(world.council_member).get(url).status_code == 404  # not on the panel
    assert client_for(world.other_member).get(url).status_code == 404
    from flask import Flask  # noqa: F401 - the anonymous client below

    # Only the health trust may remove it, and only while a draft.
    assert client_for(world.inspector).post(f"/cases/documents/{document.id}/remove").status_code == 403
    assert client_for(world.police_member).post(f"/cases/documents/{document.id}/remove").status_code == 403


def test_anonymous_people_are_sent_to_sign_in(app, client_for, world) -> None:  # type: ignore[no-untyped-def]
    upload(client_for(world.health_member), world.health_return, files.pdf(), "health.pdf")
    (document,) = documents()
    response = app.test_client().get(f"/cases/documents/{document.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- the malware-scanning seam ---------------------------------------------------------------


@pytest.fixture
def scanner(app):  # type: ignore[no-untyped-def]
    app.config["ANTIVIRUS_COMMAND"] = f"{sys.executable} {STUB}"
    yield app
    app.config["ANTIVIRUS_COMMAND"] = ""


def test_files_are_being_checked_until_the_scanner_says_clean(scanner, client_for, world) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.health_member)
    upload(client, world.health_return, b"Clean notes\n", "clean.txt")
    upload(client, world.health_return, files.EICAR, "eicar.txt")
    clean, infected = documents()
    assert clean.file.scan_status == infected.file.scan_status == ScanStatus.CHECKING
    page = client.get(f"/cases/returns/{world.health_return.id}/documents").get_data(as_text=True)
    assert "Being checked" in page
    refused = client.get(f"/cases/documents/{clean.id}")
    assert refused.status_code == 200 and b"checked for viruses" in refused.data and not refused.is_streamed
    assert scan_waiting_files() == 2
    db.session.expire_all()
    assert clean.file.scan_status == ScanStatus.CLEAN and clean.file.scan_detail == "stdin: OK"
    assert (
        infected.file.scan_status == ScanStatus.INFECTED and "Eicar-Test-Signature FOUND" in infected.file.scan_detail
    )
    assert client.get(f"/cases/documents/{clean.id}").data == b"Clean notes\n"
    blocked = client.get(f"/cases/documents/{infected.id}")
    assert b"did not pass the virus check" in blocked.data and files.EICAR not in blocked.data
    verdicts = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "file.scanned")).all()
    assert sorted(v.details["status"] for v in verdicts) == ["clean", "infected"]


def test_a_failing_scanner_leaves_the_file_unavailable_and_is_retried(scanner, client_for, world) -> None:  # type: ignore[no-untyped-def]
    from core import files as core_files

    scanner.config["ANTIVIRUS_COMMAND"] = f"{sys.executable} {STUB} --fail"
    upload(client_for(world.health_member), world.health_return, b"Notes\n", "notes.txt")
    (document,) = documents()
    for attempt in range(1, core_files.MAX_SCAN_ATTEMPTS):
        assert scan_waiting_files() == 0
        db.session.expire_all()
        assert document.file.scan_status == ScanStatus.CHECKING and document.file.scan_attempts == attempt
        assert "Can't connect to clamd" in document.file.scan_detail
    assert scan_waiting_files() == 1
    db.session.expire_all()
    assert document.file.scan_status == ScanStatus.FAILED


def test_the_worker_runs_the_scan_on_every_pass(scanner, client_for, world) -> None:  # type: ignore[no-untyped-def]
    from notifications.reminder_jobs import run_pass_jobs

    upload(client_for(world.health_member), world.health_return, b"Notes\n", "notes.txt")
    assert run_pass_jobs(__import__("core.formatting", fromlist=["utc_now"]).utc_now()) == {
        "core.files:scan_waiting_files": 1
    }
