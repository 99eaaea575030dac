"""Documents on a return: add and remove while the return is a draft, audit each download,
and erase them with the case's identifying details when the admin's retention rule says so.

Operations flush, never commit.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from agencies.models import User
from cases.documents.models import ReturnDocument
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase
from cases.returns.operations import ReturnLocked, lock_reason
from core import audit
from core.files import FileRefused, StoredFile, delete_file, file_size, store_file
from extensions import db


def max_file_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_BYTES"])


def max_return_bytes() -> int:
    return int(current_app.config["RETURN_DOCUMENTS_MAX_BYTES"])


def documents_of(agency_return: AgencyReturn) -> list[ReturnDocument]:
    return list(
        db.session.scalars(
            select(ReturnDocument)
            .where(ReturnDocument.return_id == agency_return.id)
            .order_by(ReturnDocument.position, ReturnDocument.id)
        )
    )


def bytes_used(agency_return: AgencyReturn) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(StoredFile.size_bytes), 0))
            .join(ReturnDocument, ReturnDocument.file_id == StoredFile.id)
            .where(ReturnDocument.return_id == agency_return.id)
        )
        or 0
    )


def _describe(agency_return: AgencyReturn) -> str:
    invitation = agency_return.invitation
    return f"{invitation.organisation.name}'s return on {invitation.case.reference}"


def add_document(agency_return: AgencyReturn, data: bytes, filename: str, by: User) -> ReturnDocument:
    """Keep a document on a draft return, within the per-file and per-return limits."""
    reason = lock_reason(agency_return)
    if reason:
        raise ReturnLocked(reason)
    used, limit = bytes_used(agency_return), max_return_bytes()
    if used + len(data) > limit:
        raise FileRefused(
            f"The documents on a return must add up to less than {file_size(limit)}: "
            f"{file_size(max(0, limit - used))} is left. Remove a document or upload a smaller file"
        )
    stored = store_file(data, filename, by=by)
    position = db.session.scalar(
        select(func.coalesce(func.max(ReturnDocument.position), 0)).where(ReturnDocument.return_id == agency_return.id)
    )
    document = ReturnDocument(
        return_id=agency_return.id, file_id=stored.id, position=(position or 0) + 1, added_by_id=by.id
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "return.document_added",
        agency_return,
        f"Added {stored.filename} to {_describe(agency_return)}",
        document_id=document.id,
        file_type=stored.type_label,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        scan_status=stored.scan_status.value,
    )
    return document


def remove_document(document: ReturnDocument, by: User) -> AgencyReturn:
    agency_return = document.agency_return
    reason = lock_reason(agency_return)
    if reason:
        raise ReturnLocked(reason)
    stored = document.file
    audit.record(
        "return.document_removed",
        agency_return,
        f"Removed {stored.filename} from {_describe(agency_return)}",
        document_id=document.id,
        sha256=stored.sha256,
    )
    db.session.delete(document)
    db.session.flush()
    delete_file(stored)
    db.session.flush()
    return agency_return


def record_download(document: ReturnDocument) -> None:
    audit.record_read(
        document,
        "return_document",
        f"Downloaded {document.file.filename} from {_describe(document.agency_return)}",
        return_id=document.return_id,
        sha256=document.file.sha256,
    )


def case_documents(case: MultiAgencyCase, *, submitted_only: bool = True) -> list[ReturnDocument]:
    """Every document on the case's returns (of agencies still invited), in one query."""
    query = (
        select(ReturnDocument)
        .join(AgencyReturn, AgencyReturn.id == ReturnDocument.return_id)
        .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
        .where(CaseInvitation.case_id == case.id, CaseInvitation.withdrawn_at_utc.is_(None))
        .order_by(CaseInvitation.id, ReturnDocument.position, ReturnDocument.id)
    )
    if submitted_only:
        from cases.models import ReturnStatus

        query = query.where(AgencyReturn.status == ReturnStatus.SUBMITTED)
    return list(db.session.scalars(query))


def erase_documents(case: MultiAgencyCase) -> int:
    """Delete every document on the case's returns (the retention rule); return how many."""
    documents = list(
        db.session.scalars(
            select(ReturnDocument)
            .join(AgencyReturn, AgencyReturn.id == ReturnDocument.return_id)
            .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
            .where(CaseInvitation.case_id == case.id)
        )
    )
    for document in documents:
        stored = document.file
        db.session.delete(document)
        db.session.flush()
        delete_file(stored)
    db.session.flush()
    return len(documents)
