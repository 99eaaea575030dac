"""The admin view of the outbox: what is queued, sent and failed; retry; the last error."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import load_only

from agencies import access
from core.forms import ConfirmForm
from core.pagination import paginate
from extensions import db
from notifications import notifications_bp, operations
from notifications.models import MessageStatus, OutboxMessage
from notifications.outbox import without_secrets
from notifications.permissions import may_manage_messages, message_for_admin


def _status_filter() -> MessageStatus | None:
    # An unknown value (a hand-edited URL) shows everything rather than an error page.
    try:
        return MessageStatus(request.args.get("status", ""))
    except ValueError:
        return None


def _status_counts() -> dict[MessageStatus, int]:
    rows = db.session.execute(db.select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = {status: 0 for status in MessageStatus}
    counts.update({status: count for status, count in rows})
    return counts


@notifications_bp.get("")
@access.allow(may_manage_messages)
def list_messages():  # type: ignore[no-untyped-def]
    status = _status_filter()
    search = " ".join((request.args.get("to") or "").split())[:320]
    # The list never needs bodies or attachments: only the columns the table shows.
    query = db.select(OutboxMessage).order_by(OutboxMessage.created_at_utc.desc(), OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(OutboxMessage.to_address).like(f"%{escaped}%", escape="\\"))
    page = paginate(query.options(load_only(
        OutboxMessage.id, OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.status,
        OutboxMessage.attempts, OutboxMessage.created_at_utc, OutboxMessage.sent_at_utc,
        OutboxMessage.next_attempt_at_utc,
    )))
    counts = _status_counts()
    return render_template(
        "notifications/messages.html", page=page, status=status, search=search, counts=counts,
        statuses=list(MessageStatus), failed_count=counts[MessageStatus.FAILED],
    )


def body_paragraphs(text: str) -> list[list[str]]:
    """Plain text as paragraphs of lines, for showing an email body as the recipient reads it."""
    blocks = text.replace("\r\n", "\n").strip().split("\n\n")
    return [block.strip("\n").split("\n") for block in blocks if block.strip()]


@notifications_bp.get("/<int:message_id>")
@access.load("message_id", message_for_admin)
def show_message(message: OutboxMessage):  # type: ignore[no-untyped-def]
    return render_template(
        "notifications/message.html",
        message=message,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        # An admin must not be able to use someone else's password link.
        paragraphs=body_paragraphs(without_secrets(message.body_text)),
        confirm=ConfirmForm(),
    )


@notifications_bp.post("/<int:message_id>/retry")
@access.load("message_id", message_for_admin)
def retry_message(message: OutboxMessage):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        try:
            operations.retry_message(message, by=current_user._get_current_object())
        except operations.NotRetryable as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"The message to {message.to_address} will be sent again within a few seconds", "success")
    return redirect(url_for("notifications.show_message", message_id=message.id))
