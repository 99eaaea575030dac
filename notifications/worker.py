"""The sending worker: claim due messages, send them outside any transaction, record each result.

1. Claim, in one short transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` the due rows (on
   PostgreSQL a second worker skips the rows this one is claiming instead of waiting for them),
   write a lease (``claimed_until_utc``) on them and commit. Until the lease runs out no other
   worker takes those rows, so a crashed worker's messages are picked up again later.
2. Send each message with no transaction open (SMTP can be slow; nothing is locked meanwhile).
3. Record each result in its own short transaction: sent, or failed with the error and the
   next attempt after an exponential back-off, or failed for good after the retry limit.
   Every outcome is audited with no actor ("System").

Delivery is at least once: if a worker dies after the server accepted a message but before
recording it, the message goes again once the lease ends, with the same Message-ID.
On SQLite ``FOR UPDATE SKIP LOCKED`` is not available and one worker must run at a time.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import selectinload

from core import audit
from core.formatting import utc_now
from extensions import db
from notifications.delivery import (
    DEFAULT_SMTP_TIMEOUT,
    DeliveryError,
    OutgoingAttachment,
    OutgoingEmail,
    Transport,
    describe_error,
    new_message_id,
    transport_for_app,
)
from notifications.models import MessageStatus, OutboxMessage
from notifications.outbox import without_secrets
from notifications.reminder_jobs import run_pass_jobs, run_reminder_jobs
from notifications.retry_policy import RetryPolicy

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_BATCH_SIZE = 50
DEFAULT_POLL_SECONDS = 5.0


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0

    def add(self, other: PassResult) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def anything_happened(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))

    def summary(self) -> str:
        return (
            f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}, "
            f"not sent (recipient deactivated) {self.cancelled}"
        )


def new_worker_id() -> str:
    # Host and process for people reading the table; a random part so threads differ too.
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _due_filter(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxMessage.status == MessageStatus.QUEUED,
        OutboxMessage.next_attempt_at_utc <= now,
        or_(OutboxMessage.claimed_until_utc.is_(None), OutboxMessage.claimed_until_utc < now),
    )


def claim_due_messages(
    worker_id: str, *, batch_size: int, lease: timedelta
) -> tuple[list[OutgoingEmail], int, datetime]:
    """Claim up to ``batch_size`` due messages for ``worker_id`` and commit.

    Returns snapshots of the claimed messages, how many were cancelled instead (the recipient
    was deactivated), and the moment the lease ends.
    """
    now = utc_now()
    lease_ends = now + lease
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(*_due_filter(now))
        .order_by(OutboxMessage.next_attempt_at_utc, OutboxMessage.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True, of=OutboxMessage)
        .options(selectinload(OutboxMessage.attachments), selectinload(OutboxMessage.recipient))
        .execution_options(populate_existing=True)
    ).all()
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    claimed: list[OutgoingEmail] = []
    cancelled = 0
    for message in rows:
        if message.recipient is not None and not message.recipient.active:
            _cancel(message, now)
            cancelled += 1
            continue
        message.claimed_until_utc = lease_ends
        message.claimed_by = worker_id
        message.message_id_header = message.message_id_header or new_message_id(sender)
        claimed.append(
            OutgoingEmail(
                outbox_id=message.id,
                to=message.to_address,
                subject=message.subject,
                body_text=message.body_text,
                body_html=message.body_html,
                message_id=message.message_id_header,
                attachments=tuple(
                    OutgoingAttachment(a.filename, a.content_type, a.data, a.inline) for a in message.attachments
                ),
            )
        )
    db.session.commit()
    return claimed, cancelled, lease_ends


def _cancel(message: OutboxMessage, now: datetime) -> None:
    message.status = MessageStatus.CANCELLED
    message.last_error = "Not sent: the recipient's account was deactivated before the message went out"
    message.last_attempt_at_utc = now
    message.claimed_until_utc = None
    message.claimed_by = None
    audit.record(
        "email.cancelled",
        message,
        f"Email to {message.to_address} not sent: recipient deactivated",
        to=message.to_address,
        concerning=_concerning(message),
    )


def _concerning(message: OutboxMessage) -> str | None:
    return f"{message.concerning_type} {message.concerning_id}" if message.concerning_type else None


def _record_sent(email: OutgoingEmail, delivered_to: str) -> None:
    message = db.session.get(OutboxMessage, email.outbox_id, with_for_update=True, populate_existing=True)
    if message is None:  # deleted meanwhile (its organisation's data was erased): nothing to record
        db.session.rollback()
        return
    now = utc_now()
    message.status = MessageStatus.SENT
    # Delivered: the stored copy no longer needs the one-off secrets it carried.
    message.body_text = without_secrets(message.body_text)
    message.body_html = without_secrets(message.body_html)
    message.attempts += 1
    message.sent_at_utc = now
    message.last_attempt_at_utc = now
    message.claimed_until_utc = None
    message.claimed_by = None
    audit.record(
        "email.sent",
        message,
        f"Email sent to {message.to_address}: {message.subject}",
        to=message.to_address,
        attempt=message.attempts,
        delivered_through=delivered_to,
        message_id=message.message_id_header,
        concerning=_concerning(message),
    )
    db.session.commit()


def _record_failure(email: OutgoingEmail, error: str, policy: RetryPolicy) -> MessageStatus | None:
    message = db.session.get(OutboxMessage, email.outbox_id, with_for_update=True, populate_existing=True)
    if message is None:
        db.session.rollback()
        return None
    now = utc_now()
    message.attempts += 1
    message.last_error = error[:4000]
    message.last_attempt_at_utc = now
    message.claimed_until_utc = None
    message.claimed_by = None
    if policy.gives_up_after(message.attempts):
        message.status = MessageStatus.FAILED
        audit.record(
            "email.failed",
            message,
            f"Email to {message.to_address} failed after {message.attempts} attempts: {error}",
            to=message.to_address,
            attempt=message.attempts,
            error=error[:400],
            concerning=_concerning(message),
        )
    else:
        message.next_attempt_at_utc = now + policy.delay_after(message.attempts)
        audit.record(
            "email.attempt_failed",
            message,
            f"Email to {message.to_address} not delivered (attempt {message.attempts}); will retry",
            to=message.to_address,
            attempt=message.attempts,
            error=error[:400],
            next_attempt_at_utc=message.next_attempt_at_utc.isoformat(),
            concerning=_concerning(message),
        )
    status = message.status
    db.session.commit()
    return status


def _release(emails: list[OutgoingEmail], worker_id: str) -> int:
    """Give back claims this worker will not use, so another worker need not wait for the lease."""
    if not emails:
        return 0
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([e.outbox_id for e in emails]), OutboxMessage.claimed_by == worker_id)
        .values(claimed_until_utc=None, claimed_by=None)
    )
    db.session.commit()
    return len(emails)


def send_due(
    *,
    transport: Transport | None = None,
    policy: RetryPolicy | None = None,
    batch_size: int | None = None,
    worker_id: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> PassResult:
    """One batch: claim, send, record. Needs an app context."""
    config = current_app.config
    policy = policy or RetryPolicy.from_config(config)
    lease: timedelta = config.get("NOTIFICATIONS_CLAIM_LEASE", DEFAULT_LEASE)
    batch_size = batch_size or int(config.get("NOTIFICATIONS_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    worker_id = worker_id or new_worker_id()
    # Start a message only while the lease leaves room for a whole SMTP exchange to time out:
    # after the lease another worker may claim the row, and both would send it.
    smtp_timeout = timedelta(seconds=float(config.get("MAIL_TIMEOUT") or DEFAULT_SMTP_TIMEOUT))
    margin = min(2 * smtp_timeout, lease / 2)

    emails, cancelled, lease_ends = claim_due_messages(worker_id, batch_size=batch_size, lease=lease)
    result = PassResult(claimed=len(emails) + cancelled, cancelled=cancelled)
    if not emails:
        return result
    own_transport = transport is None
    transport = transport or transport_for_app()
    try:
        for index, email in enumerate(emails):
            if should_stop() or utc_now() >= lease_ends - margin:
                result.released += _release(emails[index:], worker_id)
                break
            try:
                delivered_to = transport.send(email)
            except Exception as error:
                # Anything that stops one message (a refusal, or a row that cannot be built into
                # an email) counts as a failed attempt: it ends up failed and shown to admins,
                # rather than crashing the worker on the same message again and again.
                description = error.description if isinstance(error, DeliveryError) else describe_error(error)
                logger.warning("Outbox message %s not delivered: %s", email.outbox_id, description)
                _count(result, _record_failure(email, description, policy))
                if isinstance(error, DeliveryError) and error.unreachable:
                    # Nothing else in this batch can get through either: count an attempt for
                    # each so the whole queue backs off, rather than hammering a dead server.
                    for other in emails[index + 1 :]:
                        _count(result, _record_failure(other, description, policy))
                    break
            else:
                _record_sent(email, delivered_to)
                result.sent += 1
    finally:
        if own_transport:
            transport.close()
    return result


def _count(result: PassResult, status: MessageStatus | None) -> None:
    if status == MessageStatus.FAILED:
        result.failed += 1
    elif status == MessageStatus.QUEUED:
        result.retrying += 1


def send_all_due(
    *,
    transport: Transport | None = None,
    policy: RetryPolicy | None = None,
    batch_size: int | None = None,
    worker_id: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> PassResult:
    """Batches until nothing more is due (what ``flask notifications send`` does once)."""
    total = PassResult()
    worker_id = worker_id or new_worker_id()
    batch_size = batch_size or int(current_app.config.get("NOTIFICATIONS_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    while not should_stop():
        result = send_due(
            transport=transport, policy=policy, batch_size=batch_size, worker_id=worker_id, should_stop=should_stop
        )
        total.add(result)
        # A short batch means the queue is drained; a batch that gave claims back was stopped.
        if result.claimed < batch_size or result.released:
            break
    return total


def run_worker(
    stop: threading.Event,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    report: Callable[[PassResult], None] = lambda result: None,
) -> None:
    """Deliver until ``stop`` is set; poll every ``poll_seconds`` when the queue is empty.

    A failing database or a bug in one pass is logged and the worker carries on: a worker
    that dies quietly would leave every later message unsent.
    """
    worker_id = new_worker_id()
    next_reminder_sweep = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_reminder_sweep:
                # Reminders are queued here too, so `make run` (and one worker in production)
                # needs no separate scheduler; each sweep queues a reminder only once.
                run_reminder_jobs(utc_now())
                next_reminder_sweep = time.monotonic() + current_app.config.get("REMINDER_INTERVAL_SECONDS", 300)
            run_pass_jobs(utc_now())
            result = send_all_due(worker_id=worker_id, should_stop=stop.is_set)
            if result.anything_happened:
                report(result)
        except Exception:
            logger.exception("Outbox worker pass failed; trying again in %s seconds", poll_seconds)
            db.session.rollback()
        finally:
            # Hand the connection back between passes: no idle transaction, no stale snapshot.
            db.session.remove()
        stop.wait(poll_seconds)
