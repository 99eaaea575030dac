"""Evidence files on an action's progress updates: the same rules as documents on returns (type
by content, size limits, safe names, streamed and audited downloads, access as the action's),
and completion that needs a file when the inspector said so."""

from __future__ import annotations

import io

from agencies.models import OrganisationKind, Role
from core.audit import AuditEvent
from extensions import db
from learning.models import ActionEvent, ActionEvidenceFile, ActionStatus
from tests.conftest import make_organisation, make_user
from tests.factories import files
from tests.factories.learning import learning_case, make_action


def post(client, action, *, status: str, evidence: str = "", uploads=()):  # type: ignore[no-untyped-def]
    data = {
        "version": str(action.version),
        "status": status,
        "progress": "Work done.",
        "evidence": evidence,
        "evidence_files": [(io.BytesIO(content), name) for content, name in uploads],
        "submit": "y",
    }
    return client.post(f"/learning/actions/{action.id}/update", data=data, content_type="multipart/form-data")


def test_the_owner_attaches_files_and_anyone_who_sees_the_action_downloads_them(client_for) -> None:  # type: ignore[no-untyped-def]
    case, police, _childrens, officer = learning_case()
    action = make_action(police, case=case)
    client = client_for(officer)
    response = post(
        client, action, status="in_progress", uploads=[(files.pdf("Audit"), "audit.pdf"), (b"notes\n", "n.txt")]
    )
    assert response.status_code == 302
    evidence = db.session.scalars(db.select(ActionEvidenceFile).order_by(ActionEvidenceFile.id)).all()
    assert [e.file.filename for e in evidence] == ["audit.pdf", "n.txt"]
    posted = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "action.progress_posted"))
    assert posted is not None and posted.details["evidence_files"] == ["audit.pdf", "n.txt"]
    page = client.get(f"/learning/actions/{action.id}").get_data(as_text=True)
    assert f"/learning/actions/evidence/{evidence[0].id}" in page
    for person in (officer, make_user(Role.INSPECTOR), make_user(Role.ADMIN)):
        download = client_for(person).get(f"/learning/actions/evidence/{evidence[0].id}")
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
        assert download.headers["Content-Disposition"].startswith('attachment; filename="audit.pdf"')
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read.action_evidence")).all()
    assert len(reads) == 3
    # Another agency's member does not see the action, nor its files.
    outsider = make_user(Role.AGENCY_MEMBER, make_organisation(OrganisationKind.HEALTH, "Elsewhere NHS"))
    assert client_for(outsider).get(f"/learning/actions/evidence/{evidence[0].id}").status_code == 404


def test_refused_files_are_govuk_errors_and_nothing_is_posted(app, client_for) -> None:  # type: ignore[no-untyped-def]
    case, police, _childrens, officer = learning_case()
    action = make_action(police, case=case)
    client = client_for(officer)
    html = post(client, action, status="in_progress", uploads=[(files.HTML_PAGE, "page.pdf")]).get_data(as_text=True)
    assert "There is a problem" in html and "web page or script" in html and "choose the files again" in html
    app.config["DOCUMENT_MAX_BYTES"] = 1_000
    try:
        html = post(client, action, status="in_progress", uploads=[(b"x" * 1_001, "big.txt")]).get_data(as_text=True)
        assert "must be smaller than 1 KB" in html
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 10_000_000
    db.session.expire_all()
    assert [u.event for u in action.updates] == [ActionEvent.ACCEPT]
    assert db.session.scalar(db.select(ActionEvidenceFile)) is None


def test_completion_needs_a_file_when_the_action_says_so(client_for) -> None:  # type: ignore[no-untyped-def]
    case, police, _childrens, officer = learning_case()
    action = make_action(police, case=case)
    action.completion_needs_file = True
    db.session.commit()
    client = client_for(officer)
    html = post(client, action, status="awaiting_sign_off", evidence="Audit done.").get_data(as_text=True)
    assert "Attach at least one file as evidence" in html
    db.session.expire_all()
    assert action.status == ActionStatus.ACCEPTED
    # A file on an earlier update counts.
    assert post(client, action, status="in_progress", uploads=[(files.pdf(), "audit.pdf")]).status_code == 302
    db.session.expire_all()
    assert post(client, action, status="awaiting_sign_off", evidence="Audit done.").status_code == 302
    db.session.expire_all()
    assert action.status == ActionStatus.AWAITING_SIGN_OFF


def test_the_inspector_sets_the_requirement_on_the_action_form(client_for) -> None:  # type: ignore[no-untyped-def]
    case, police, _childrens, _officer = learning_case()
    action = make_action(police, case=case)
    inspector = make_user(Role.INSPECTOR)
    page = client_for(inspector).get(f"/learning/actions/{action.id}/edit").get_data(as_text=True)
    assert "Completing this action needs at least one evidence file" in page
