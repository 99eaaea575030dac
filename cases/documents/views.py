"""Pages for the documents on a return: the list (with download links) for everyone who may
see the return, upload and removal for its agency while it is a draft, and the download itself
(streamed, audited, only once the malware check has passed)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from agencies import access
from cases.documents import operations
from cases.documents.models import ReturnDocument
from cases.models import AgencyReturn
from cases.permissions import document_for, may_change_document, may_write_return, return_for
from cases.returns.operations import ReturnLocked, lock_reason
from core.files import ACCEPTED_DESCRIPTION, FileRefused, file_size, read_upload, stream_download, upload_allowance
from core.forms import ConfirmForm, PortalForm
from extensions import db

documents_bp = Blueprint("documents", __name__, url_prefix="/cases")


class DocumentUploadForm(PortalForm):
    file = FileField("Upload a document", widget=GovFileInput())
    submit = SubmitField("Upload document", widget=GovSubmitInput())


def _page(agency_return: AgencyReturn, form: DocumentUploadForm | None) -> ResponseReturnValue:
    user = access.current_person()
    documents = operations.documents_of(agency_return)
    used = sum(d.file.size_bytes for d in documents)
    may_write = may_write_return(user, agency_return)
    return render_template(
        "cases/documents/list.html",
        agency_return=agency_return,
        case=agency_return.invitation.case,
        documents=documents,
        form=form if may_write else None,
        may_write=may_write,
        lock_reason=lock_reason(agency_return),
        max_file=file_size(operations.max_file_bytes()),
        max_return=file_size(operations.max_return_bytes()),
        used=file_size(used) if used else "nothing",
        left=file_size(max(0, operations.max_return_bytes() - used)),
        accepted=ACCEPTED_DESCRIPTION,
        confirm=ConfirmForm(),
    )


@documents_bp.get("/returns/<int:return_id>/documents")
@access.load("return_id", return_for, as_name="agency_return")
def list_documents(agency_return: AgencyReturn) -> ResponseReturnValue:
    return _page(agency_return, DocumentUploadForm())


@documents_bp.post("/returns/<int:return_id>/documents")
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
@upload_allowance("DOCUMENT_UPLOAD_ALLOWANCE")
def upload_document(agency_return: AgencyReturn) -> ResponseReturnValue:
    form = DocumentUploadForm()
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        try:
            data = read_upload(upload, operations.max_file_bytes())
            document = operations.add_document(
                agency_return, data, getattr(upload, "filename", "") or "document", access.current_person()
            )
        except FileRefused as error:
            db.session.rollback()
            form.file.errors = [str(error)]
        except ReturnLocked:
            db.session.rollback()  # the page says why it is locked (once: no banner besides)
            return redirect(url_for("documents.list_documents", return_id=agency_return.id))
        else:
            db.session.commit()
            checking = "" if document.file.available else " It is being checked for viruses and can be downloaded soon."
            flash(f"{document.file.filename} has been added to your return.{checking}", "success")
            return redirect(url_for("documents.list_documents", return_id=agency_return.id))
    return _page(agency_return, form)


@documents_bp.post("/documents/<int:document_id>/remove")
@access.load("document_id", document_for, may_change_document)
def remove_document(document: ReturnDocument) -> ResponseReturnValue:
    return_id = document.return_id
    if ConfirmForm().validate_on_submit():
        name = document.file.filename
        try:
            operations.remove_document(document, access.current_person())
        except ReturnLocked:
            db.session.rollback()  # the page says why it is locked (once: no banner besides)
        else:
            db.session.commit()
            flash(f"{name} has been removed", "success")
    return redirect(url_for("documents.list_documents", return_id=return_id))


@documents_bp.get("/documents/<int:document_id>")
@access.load("document_id", document_for)
def download_document(document: ReturnDocument) -> ResponseReturnValue:
    stored = document.file
    if not stored.available:
        return render_template("cases/documents/unavailable.html", document=document, stored=stored)
    operations.record_download(document)
    return stream_download(stored)
