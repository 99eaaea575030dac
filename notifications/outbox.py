"""Queue email for the worker. Call inside the transaction of the change that causes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, render_template, url_for

from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxAttachment, OutboxMessage

SECURITY_MARKING = "OFFICIAL-SENSITIVE"
_HEADER_UNSAFE = re.compile(r"[\r\n\x00-\x1f\x7f]+")
# One bare address: no display name, list separators or spaces that could smuggle a second
# recipient into the envelope or the To: header.
_SINGLE_ADDRESS = re.compile(r"[^@\s,;:<>()\[\]\"\\]+@[^@\s,;:<>()\[\]\"\\]+\.[^@\s,;:<>()\[\]\"\\]+")
# type/subtype with optional parameters. Flask-Mail splits the MIME type on "/", so a
# parameter must not contain one.
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_CONTENT_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(\s*;\s*[A-Za-z0-9_.-]+=(\"[^\"/\\]*\"|[^;\"/\s]+))*")


# Single-use secrets in links (password set/reset tokens): the database keeps only their hash,
# so once delivered they are scrubbed from the stored message too, and never shown to admins.
SECRET_LINKS = [re.compile(r"(/password/set/)[A-Za-z0-9_-]+")]
SECRET_PLACEHOLDER = "[hidden: only the recipient can use this link]"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    # True: an alternative body beside the text and HTML (a text/calendar part), not a file.
    inline: bool = False


def header_safe(text: str) -> str:
    """Collapse CR/LF and control characters: user text can never add an email header."""
    return _HEADER_UNSAFE.sub(" ", text).strip()


def without_secrets(text: str) -> str:
    for pattern in SECRET_LINKS:
        text = pattern.sub(lambda match: match.group(1) + SECRET_PLACEHOLDER, text)
    return text


def single_address(address: str) -> str:
    """The address itself, or ValueError: every message goes to exactly one person."""
    address = (address or "").strip()
    if len(address) > 320 or not _SINGLE_ADDRESS.fullmatch(address):
        raise ValueError(f"Not a single email address: {address[:80]!r}")
    return address


def normalised_content_type(content_type: str) -> str:
    """Keep the full MIME type, parameters included ('text/calendar; method=REQUEST')."""
    content_type = (content_type or "").strip()
    if len(content_type) > 200 or not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"Not a usable MIME type: {content_type[:80]!r}")
    return content_type


def portal_url(path: str) -> str:
    """An absolute link into the portal for an email (the request's host is never trusted)."""
    base: str = current_app.config["PORTAL_BASE_URL"]
    return base.rstrip("/") + path


def portal_link(endpoint: str, **values: Any) -> str:
    """An absolute link for an email, in a request or not (the worker and commands have none)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return portal_url(path)


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
    subject_lead: str = "",
) -> OutboxMessage:
    """Render ``notifications/email/<template>.txt`` and ``.html`` and add one outbox row.

    Nothing is committed here: the message is sent only if the caller's transaction commits.
    ``about_a_case`` puts the security marking at the front of the subject and the top of
    the body; ``subject_lead`` goes before even that, for a word mail clients look for at the
    very start ("Cancelled:", as Outlook and Google write a cancelled meeting's subject).
    ``to`` must be one address: one email per recipient, never a shared list.
    """
    to_address = single_address(header_safe(to))
    subject = header_safe(subject)
    if about_a_case and not subject.startswith(SECURITY_MARKING):
        subject = f"{SECURITY_MARKING}: {subject}"
    if subject_lead:
        subject = f"{header_safe(subject_lead)} {subject}"
    subject = subject[:300]
    context = dict(context or {}, recipient=recipient, portal_url=portal_url, about_a_case=about_a_case)
    message = OutboxMessage(
        to_address=to_address,
        recipient_id=getattr(recipient, "id", None),
        subject=subject,
        body_text=render_template(f"notifications/email/{template}.txt", subject=subject, **context),
        body_html=render_template(f"notifications/email/{template}.html", subject=subject, **context),
        template=template,
        concerning_type=type(concerning).__name__ if concerning is not None else None,
        concerning_id=str(concerning.id) if concerning is not None else None,
        next_attempt_at_utc=utc_now(),
        attachments=[
            OutboxAttachment(
                filename=header_safe(a.filename)[:200] or "attachment",
                content_type=normalised_content_type(a.content_type),
                data=a.data,
                inline=a.inline,
            )
            for a in attachments
        ],
    )
    db.session.add(message)
    return message
