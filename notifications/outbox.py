"""Queue email for the worker. Call inside the transaction of the change that causes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template

from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxAttachment, OutboxMessage

SECURITY_MARKING = "OFFICIAL-SENSITIVE"
_HEADER_UNSAFE = re.compile(r"[\r\n\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def header_safe(text: str) -> str:
    """Collapse CR/LF and control characters: user text can never add an email header."""
    return _HEADER_UNSAFE.sub(" ", text).strip()


def portal_url(path: str) -> str:
    """An absolute link into the portal for an email (the request's host is never trusted)."""
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + path


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any] | None = None,
    recipient: Any = None,
    concerning: Any = None,
    about_a_case: bool = False,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
) -> OutboxMessage:
    """Render ``notifications/email/<template>.txt`` and ``.html`` and add one outbox row.

    Nothing is committed here: the message is sent only if the caller's transaction commits.
    ``about_a_case`` puts the security marking at the front of the subject.
    """
    context = dict(context or {}, recipient=recipient, portal_url=portal_url)
    subject = header_safe(subject)
    if about_a_case and not subject.startswith(SECURITY_MARKING):
        subject = f"{SECURITY_MARKING}: {subject}"
    message = OutboxMessage(
        to_address=header_safe(to),
        recipient_id=getattr(recipient, "id", None),
        subject=subject[:300],
        body_text=render_template(f"notifications/email/{template}.txt", subject=subject, **context),
        body_html=render_template(f"notifications/email/{template}.html", subject=subject, **context),
        template=template,
        concerning_type=type(concerning).__name__ if concerning is not None else None,
        concerning_id=str(concerning.id) if concerning is not None else None,
        next_attempt_at_utc=utc_now(),
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data) for a in attachments
        ],
    )
    db.session.add(message)
    return message
