"""A slow SMTP server never makes the outbox send a message twice: each message has an overall
deadline inside its claim (the claim renewed just before it is sent), its outcome is recorded
only while the claim is still this worker's, and a pass that fails gives back what it had not
started."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from notifications.worker import send_deadline, send_due
from tests.factories.notifications import queue_many
from tests.fault.conftest import Workers, assert_each_sent_exactly_once
from tests.smtp import SmtpServer

# Each SMTP command waits at most a second; the server answers each in 0.6 s. Opening a
# connection and sending one message is six answers (3.6 s); each later message four (2.4 s).
MAIL_TIMEOUT = 1.0
STALL = 0.6
# A lease a message on a fresh connection fits in (with room to record it), but not two:
# without a deadline and a renewed claim the second outlives it and another worker sends it too.
LEASE = timedelta(seconds=5.8)


@pytest.fixture
def slow_smtp(app: Flask, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:  # noqa: F811
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", MAIL_TIMEOUT)
    monkeypatch.setitem(app.config, "NOTIFICATIONS_CLAIM_LEASE", LEASE)
    smtp_server.stall(STALL)
    return smtp_server


def test_two_workers_and_a_server_answering_just_inside_the_timeout_send_each_message_once(
    app: Flask, slow_smtp: SmtpServer, fast_retries: None
) -> None:
    # Every command of a fresh exchange fits in one message's deadline.
    assert 6 * STALL < send_deadline(app.config).total_seconds() < LEASE.total_seconds()
    queue_many(4)

    with Workers(app, ["worker-a", "worker-b"], batch_size=4) as workers:
        workers.drain(timeout=45)

    assert_each_sent_exactly_once(slow_smtp.received, 4)
    # The second worker took over what the first's claims no longer covered, and the first
    # never recorded (or sent) a message whose claim had passed.
    assert sum(result.sent for result in workers.results.values()) == 4


def test_a_message_that_would_outlast_its_deadline_is_cut_off_and_tried_again(
    app: Flask, slow_smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each answer inside the timeout, but a whole exchange longer than the message may take.
    monkeypatch.setitem(app.config, "NOTIFICATIONS_CLAIM_LEASE", timedelta(seconds=3))
    (message_id,) = queue_many(1)

    started = time.monotonic()
    result = send_due()

    assert time.monotonic() - started < 3  # the deadline, not six answers of 0.6 s
    assert result.retrying == 1 and result.sent == 0
    assert slow_smtp.received == []
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None and message.status == MessageStatus.QUEUED and message.attempts == 1
    assert message.last_error == "The SMTP server did not answer in time"
    assert message.claimed_by is None


def test_a_pass_that_fails_gives_back_the_messages_it_had_not_started(app: Flask, slow_smtp: SmtpServer) -> None:
    ids = queue_many(3)
    # The pass is interrupted while the first message is with the (slow) server, as the second
    # Ctrl-C interrupts `flask notifications send --loop`: a real signal, mid-exchange.
    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            send_due(worker_id="interrupted")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    db.session.expire_all()
    rows = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.claimed_by)).all())
    # The message that was with the server keeps its lease (it may have gone); the two the pass
    # had not started are given back at once for any worker to send.
    assert rows == {ids[0]: "interrupted", ids[1]: None, ids[2]: None}
    assert slow_smtp.received == []
