"""Exactly once per Message-ID, whatever the SMTP server does and however many workers run: a
real server (``tests/smtp.py``) that refuses, drops, hangs and stalls on command; workers side
by side; a worker (``flask notifications send --loop``, a real process) killed with SIGKILL in
the middle of a batch. The one duplicate there can be is shown too: the server accepts the data
and the connection drops before its "250" reaches the worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from core.audit import AuditEvent
from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from notifications.worker import send_all_due
from tests.factories.notifications import queue_many
from tests.fault.conftest import Workers, assert_each_sent_exactly_once, copies_per_message_id
from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_two_workers_through_refusals_drops_hangs_and_stalls_send_each_message_once(
    app: Flask,
    smtp_server: SmtpServer,
    fast_retries: None,
    monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "NOTIFICATIONS_CLAIM_LEASE", timedelta(seconds=6))
    queue_many(12)

    with Workers(app, ["worker-a", "worker-b"], batch_size=3) as workers:
        smtp_server.refuse_data("451 4.3.0 Try again later")  # each message refused at DATA
        wait_until(lambda: smtp_server.handler.commands > 12, 10, "refusals")
        smtp_server.accept()
        smtp_server.drop()  # the connection closed at MAIL: nothing accepted
        wait_until(lambda: smtp_server.handler.mails > 6, 10, "drops")
        smtp_server.accept()
        smtp_server.hang()  # no answer at all: each command times out
        time.sleep(1.5)
        smtp_server.accept()
        smtp_server.stall(0.15)  # slow, but well inside the timeout
        workers.drain(timeout=40)

    assert_each_sent_exactly_once(smtp_server.received, 12)
    # The faults really were met: failed attempts were recorded before each message went.
    failed = db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "email.attempt_failed")
    )
    assert failed and failed > 0
    assert workers.results["worker-a"].sent + workers.results["worker-b"].sent == 12


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    app: Flask,
    db_url: str,
    smtp_server: SmtpServer,
    fast_retries: None,
    monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    lease_seconds = 4.0
    monkeypatch.setitem(app.config, "NOTIFICATIONS_CLAIM_LEASE", timedelta(seconds=lease_seconds))
    queue_many(6)
    # The worker delivers three messages, then the server never answers the fourth's MAIL.
    smtp_server.hang_at_message(4)
    factory = (
        f"portal.app:create_app('test', SQLALCHEMY_DATABASE_URI={db_url!r}, MAIL_PORT={smtp_server.port},"
        f" MAIL_TIMEOUT=30.0, NOTIFICATIONS_CLAIM_LEASE={lease_seconds}, REMINDER_JOBS=(), WORKER_PASS_JOBS=())"
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", factory, "notifications", "send", "--loop", "--interval", "0.2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: smtp_server.handler.mails >= 4 or worker.poll() is not None, 60, "the fourth message")
        assert worker.poll() is None, worker.communicate()[1]
        worker.send_signal(signal.SIGKILL)  # no handler, no "finally": the claims stay behind
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()
    assert worker.returncode == -signal.SIGKILL
    assert len(smtp_server.received) == 3
    db.session.expire_all()
    claimed = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.claimed_by.is_not(None))).all()
    assert len(claimed) == 3  # the killed worker's claims on the rest of its batch
    db.session.commit()

    smtp_server.accept()
    started = time.monotonic()
    with Workers(app, ["worker-b", "worker-c"], batch_size=10) as workers:
        workers.drain(timeout=30)
    # The others waited for the dead worker's lease, then sent the rest, each once.
    assert time.monotonic() - started < lease_seconds + 10
    assert_each_sent_exactly_once(smtp_server.received, 6)


def test_a_connection_dropped_after_the_server_accepted_the_data_is_the_one_duplicate(
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    (message_id,) = queue_many(1)
    smtp_server.drop_after_data()  # the server takes the message, then the line goes dead
    first = send_all_due()
    assert first.sent == 0 and first.retrying == 1
    smtp_server.accept()
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    message.next_attempt_at_utc = message.created_at_utc  # due now (instead of waiting a minute)
    db.session.commit()

    assert send_all_due().sent == 1

    # Delivered twice, as the same message: a mail client shows one (same Message-ID).
    copies = copies_per_message_id(smtp_server.received)
    assert list(copies.values()) == [2]
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None and message.status == MessageStatus.SENT and message.attempts == 2
    assert list(copies) == [message.message_id_header]
