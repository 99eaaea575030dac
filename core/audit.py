"""The append-only audit trail: who did what to which object, when, and from where.

``record`` adds the event to the current session, so it commits (or rolls back) with the
change it describes. Rows are never updated or deleted through the ORM.

Two kinds of row stand on their own, since the request that writes them changes nothing
else: reads of sensitive data (``record_read``, the one way a GET writes anything) and
refused requests (``record_refusal``). They are committed with the response
(``commit_kept_records``), unless the request failed with a server error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, column, event, select, table
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import UTCDateTime
from core.formatting import utc_now
from extensions import Base, db

# Audit rows for reads (views and downloads of sensitive data) start with this; a GET that
# writes anything else is a bug (tests/integration/test_security_authorisation.py).
READ_PREFIX = "read."
REFUSED_ACTION = "access.refused"

# Never written into an audit row, whatever a caller passes.
SECRET_KEYS = {
    "password",
    "password_hash",
    "token",
    "session_token",
    "totp_secret",
    "secret",
    "recovery_codes",
    "recovery_code",
    "code",
    "csrf_token",
    "link",
    "key",
}
# URL arguments that are secrets (a password link's, a calendar feed's): wherever a path or
# address with one is written (an audit row, a log line), the secret is replaced by this.
SECRET_URL_ARGUMENTS = {"token"}
REDACTED = "[redacted]"
_SECRET_PATHS = "audit.secret_paths"


def secret_paths_pattern(app: Flask) -> re.Pattern[str] | None:
    """A pattern for the secret part of every route of ``app`` that takes one in its path."""
    prefixes = sorted(
        {rule.rule.split("<", 1)[0] for rule in app.url_map.iter_rules() if rule.arguments & SECRET_URL_ARGUMENTS},
        key=len,
        reverse=True,
    )
    if not prefixes:
        return None
    return re.compile("(" + "|".join(re.escape(prefix) for prefix in prefixes) + r")[^/?#\s\"']+")


def redact(text: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub(r"\1" + REDACTED, text) if pattern is not None else text


class RedactSecrets(logging.Filter):
    """A logging filter that takes secret path parts out of every record (access logs included)."""

    def __init__(self, pattern: re.Pattern[str] | None) -> None:
        super().__init__()
        self.pattern = pattern

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.pattern)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


# The loggers that write request lines: the development server's and gunicorn's.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def init_app(app: Flask) -> None:
    """After the blueprints: learn which paths carry secrets; keep them out of the logs."""
    pattern = secret_paths_pattern(app)
    app.extensions[_SECRET_PATHS] = pattern
    for name in (*REQUEST_LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets(pattern))


def _clean_text(value: str) -> str:
    if not has_request_context():
        return value
    value = redact(value, current_app.extensions.get(_SECRET_PATHS))
    token = getattr(current_user, "session_token", None) if current_user else None
    if isinstance(token, str) and token and token in value:
        value = value.replace(token, REDACTED)
    return value


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_occurred_at_utc", "occurred_at_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept as text so the trail still reads after a person or organisation changes.
    actor_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if key.lower() in SECRET_KEYS:
            continue
        if isinstance(value, dict):
            value = _scrub(value)
        elif not isinstance(value, (str, int, float, bool, type(None), list)):
            value = str(value)
        if isinstance(value, str):
            value = _clean_text(value)
        clean[key] = value
    return clean


def record(
    action: str,
    obj: Any = None,
    summary: str = "",
    *,
    actor: Any = None,
    actor_email: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event_row = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_email=actor_email or getattr(actor, "email", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(getattr(obj, "id", "")) if obj is not None else None,
        summary=_clean_text(summary)[:500],
        details=_scrub(details),
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event_row)
    return event_row


_people = table("users", column("id"), column("full_name"))


def actor_names(events: Iterable[AuditEvent]) -> dict[int, str]:
    """The names of the people who did these things, in one query: pages name people by name;
    the email kept on the row is for the trail itself (and for someone since deleted)."""
    ids = {event.actor_id for event in events if event.actor_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(_people.c.id, _people.c.full_name).where(_people.c.id.in_(ids))).all()
    return {row.id: row.full_name for row in rows}


def record_read(obj: Any, what: str, summary: str = "", **details: Any) -> AuditEvent:
    """Audit that the signed-in person saw or downloaded sensitive data (ASVS 16.2).

    Call it from views and downloads of case identifiers, agency returns, QA reports and
    panel packs, e.g. ``audit.record_read(panel, "panel_pack", format="pdf")``. The row is
    committed when the response goes out (a GET has nothing else to commit), and records
    who, what, when in UTC and from which address.
    """
    return _kept(record(READ_PREFIX + what, obj, summary or f"Viewed {what.replace('_', ' ')}", **details))


def record_refusal(summary: str, obj: Any = None, *, action: str = REFUSED_ACTION, **details: Any) -> AuditEvent:
    """Audit a refused request (403, 404, too many attempts): kept though the request changes nothing."""
    return _kept(record(action, obj, summary, **details))


def _kept(event_row: AuditEvent) -> AuditEvent:
    if has_request_context():
        g.audit_rows_to_keep = True
    return event_row


def commit_kept_records(response: Response) -> Response:
    """after_request: commit the read and refusal rows of a request whose view did not commit."""
    if g.pop("audit_rows_to_keep", False) and response.status_code < 500:
        db.session.commit()
    return response


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("The audit trail is append-only")
