"""State changes an admin makes to the outbox (the worker's own are in ``worker``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import audit
from core.formatting import utc_now
from extensions import db
from notifications.models import MessageStatus, OutboxMessage


class NotRetryable(ValueError):
    """The message has been sent, or was never going to be, or is not waiting after a failure."""


def retry_message(message: OutboxMessage, *, by: object) -> OutboxMessage:
    """Queue a failed (or backing-off) message to go at the worker's next pass, with a fresh
    set of attempts. The caller commits."""
    # Re-read under a row lock: the worker may have recorded an outcome since the page loaded.
    db.session.refresh(message, with_for_update=True)
    if not message.can_retry:
        raise NotRetryable(f"This message is {message.status.label.lower()} and cannot be retried")
    _queue_again(message, by=by)
    return message


def retry_all_failed(*, by: object) -> int:
    """Queue every failed message again (after an outage longer than the retry schedule, once
    its cause is fixed); return how many. Each is audited as a retry by hand. The caller commits."""
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.FAILED)
        .order_by(OutboxMessage.id)
        .with_for_update(of=OutboxMessage)
        .execution_options(populate_existing=True)
    ).all()
    for message in messages:
        _queue_again(message, by=by, all_failed=True)
    return len(messages)


def _queue_again(message: OutboxMessage, *, by: object, **extra: Any) -> None:
    previous_status, previous_attempts = message.status, message.attempts
    details: dict[str, Any] = dict(extra)
    recipient = message.recipient
    if recipient is not None and recipient.email.lower() != message.to_address.lower():
        # The address may have been corrected after the failure: send to the one on record now.
        details["previous_address"] = message.to_address
        message.to_address = recipient.email
    message.status = MessageStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at_utc = utc_now()
    audit.record(
        "email.retried",
        message,
        f"Email to {message.to_address} queued again by hand",
        actor=by,
        previous_status=previous_status.value,
        previous_attempts=previous_attempts,
        last_error=(message.last_error or "")[:400],
        **details,
    )
