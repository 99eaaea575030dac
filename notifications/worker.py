"""The sending worker: claim due messages, send them outside any transaction, record each result.

1. Claim, in one short transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` the due rows (on
   PostgreSQL a second worker skips the rows this one is claiming instead of waiting for them),
   write a lease (``claimed_until_utc``) on them and commit. Until the lease runs out no other
   worker takes those rows, so a crashed worker's messages are picked up again later.
2. Send each message with no transaction open (SMTP can be slow; nothing is locked meanwhile).
   Just before, its lease is renewed (only if the claim is still this worker's), and the send
   has an overall deadline inside that lease (every command at ``MAIL_TIMEOUT``, however many
   there are), so a slow server cannot make a message outlive its claim.
3. Record each result in its own short transaction, only while the claim is still this
   worker's: sent, or failed with the error and the next attempt after an exponential
   back-off, or failed for good after the retry limit. Every outcome is audited with no actor
   ("System"). Whatever a batch had not started when it stopped or failed is given back.

Delivery is at least once: if the server accepted a message but the worker never learnt it (the
connection dropped before the server's "250", or the worker died before recording it), the
message goes again with the same Message-ID. Otherwise it goes exactly once, however many
workers run (``tests/fault/``). PostgreSQL skips rows another worker is claiming
(``FOR UPDATE SKIP LOCKED``); on SQLite the claim is a conditional UPDATE, one writer at a time.
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
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import selectinload

from core import audit
from core.formatting import utc_now
from extensions import db
from notifications.delivery import (
    DEFAULT_SMTP_TIMEOUT,
    SMTP_ROUND_TRIPS,
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
    lost: int = 0  # claims that passed to another worker before this one got to them

    def add(self, other: PassResult) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def anything_happened(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))

    def summary(self) -> str:
        text = (
            f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}, "
            f"not sent (recipient deactivated) {self.cancelled}"
        )
        # Only when it happens: a claim ran out before this worker reached the message.
        return text + (f", left to another worker {self.lost}" if self.lost else "")


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
    candidates = db.session.scalars(
        select(OutboxMessage.id)
        .where(*_due_filter(now))
        .order_by(OutboxMessage.next_attempt_at_utc, OutboxMessage.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    ).all()
    if candidates:
        # The claim itself is conditional (still due, still unclaimed), so a worker that read the
        # same rows cannot claim them too: on PostgreSQL the rows are locked already; SQLite has
        # no row locks, but takes one writer at a time and re-checks the condition.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates), *_due_filter(now))
            .values(claimed_until_utc=lease_ends, claimed_by=worker_id)
            .execution_options(synchronize_session=False)
        )
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), OutboxMessage.claimed_by == worker_id)
        .order_by(OutboxMessage.next_attempt_at_utc, OutboxMessage.id)
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


def _still_ours(email: OutgoingEmail, worker_id: str) -> OutboxMessage | None:
    """The row, locked, if this worker still holds its claim; else None (and the transaction
    ended). A claim can be lost only to a worker that took the row after the lease ran out."""
    message = db.session.get(OutboxMessage, email.outbox_id, with_for_update=True, populate_existing=True)
    if message is None:  # deleted meanwhile (its organisation's data was erased): nothing to record
        db.session.rollback()
        return None
    if message.claimed_by != worker_id or message.status != MessageStatus.QUEUED:
        logger.warning(
            "Outbox message %s: the claim passed to %s before this worker (%s) recorded its attempt",
            email.outbox_id,
            message.claimed_by or "nobody",
            worker_id,
        )
        db.session.rollback()
        return None
    return message


def _renew_claim(email: OutgoingEmail, worker_id: str, lease: timedelta) -> bool:
    """A fresh lease on this one message before it is sent, only if the claim is still ours."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == email.outbox_id,
            OutboxMessage.claimed_by == worker_id,
            OutboxMessage.status == MessageStatus.QUEUED,
        )
        .values(claimed_until_utc=utc_now() + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return getattr(result, "rowcount", 0) == 1


def _record_sent(email: OutgoingEmail, delivered_to: str, worker_id: str) -> bool:
    """Record the delivery, only while this worker still holds the claim. False if it does not
    (the message was sent after its lease ran out, and another worker took it over)."""
    message = _still_ours(email, worker_id)
    if message is None:
        return False
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
    return True


def _record_failure(email: OutgoingEmail, error: str, policy: RetryPolicy, worker_id: str) -> MessageStatus | None:
    message = _still_ours(email, worker_id)
    if message is None:
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
    """One batch: claim, send, record. Needs an app context.

    Each message's lease is renewed just before it is sent, and the send has an overall
    deadline inside that lease (``send_deadline``), so no message outlives its claim however
    slowly the server answers; its outcome is recorded only while the claim is still this
    worker's. Whatever the batch did not start (stopped, or the pass failed) is given back.
    """
    config = current_app.config
    policy = policy or RetryPolicy.from_config(config)
    lease = claim_lease(config)
    batch_size = batch_size or int(config.get("NOTIFICATIONS_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    worker_id = worker_id or new_worker_id()
    seconds_per_message = send_deadline(config).total_seconds()

    emails, cancelled, _lease_ends = claim_due_messages(worker_id, batch_size=batch_size, lease=lease)
    result = PassResult(claimed=len(emails) + cancelled, cancelled=cancelled)
    if not emails:
        return result
    own_transport = transport is None
    started = 0  # messages handed to the transport (or skipped): never given back
    completed = False
    try:
        transport = transport or transport_for_app()
        for index, email in enumerate(emails):
            if should_stop():
                break
            started = index + 1
            if not _renew_claim(email, worker_id, lease):
                result.lost += 1  # its lease ran out while earlier messages were sent; another worker has it
                continue
            try:
                delivered_to = transport.send(email, deadline=time.monotonic() + seconds_per_message)
            except Exception as error:
                # Anything that stops one message (a refusal, or a row that cannot be built into
                # an email) counts as a failed attempt: it ends up failed and shown to admins,
                # rather than crashing the worker on the same message again and again.
                description = error.description if isinstance(error, DeliveryError) else describe_error(error)
                logger.warning("Outbox message %s not delivered: %s", email.outbox_id, description)
                _count(result, _record_failure(email, description, policy, worker_id))
                if isinstance(error, DeliveryError) and error.unreachable:
                    # Nothing else in this batch can get through either: count an attempt for
                    # each so the whole queue backs off, rather than hammering a dead server.
                    started = len(emails)
                    for other in emails[index + 1 :]:
                        _count(result, _record_failure(other, description, policy, worker_id))
                    break
            else:
                if _record_sent(email, delivered_to, worker_id):
                    result.sent += 1
                else:
                    result.lost += 1
        completed = True
    finally:
        if not completed:
            db.session.rollback()  # the pass failed: a failed flush or a cut connection
        try:
            result.released += _release(emails[started:], worker_id)
        except Exception:
            # The database is what failed: the claims lapse with their lease instead.
            logger.exception("Could not give back %s outbox claims", len(emails) - started)
            db.session.rollback()
        if own_transport and transport is not None:
            transport.close()
    return result


def claim_lease(config: Any) -> timedelta:
    """How long a claim holds a message (``OUTBOX_LEASE_SECONDS``, 5 minutes by default)."""
    lease = config.get("NOTIFICATIONS_CLAIM_LEASE", DEFAULT_LEASE)
    return lease if isinstance(lease, timedelta) else timedelta(seconds=float(lease))


def send_deadline(config: Any) -> timedelta:
    """The longest one message may take: every command of an SMTP exchange at ``MAIL_TIMEOUT``,
    but always a fifth of the lease (at most 30 seconds) less than the lease, to record it."""
    lease = claim_lease(config)
    smtp_timeout = float(config.get("MAIL_TIMEOUT") or DEFAULT_SMTP_TIMEOUT)
    room_to_record = min(lease / 5, timedelta(seconds=30))
    return min(timedelta(seconds=SMTP_ROUND_TRIPS * smtp_timeout), lease - room_to_record)


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
