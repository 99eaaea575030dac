"""On PostgreSQL, workers running at once never send the same message (SELECT ... FOR UPDATE
SKIP LOCKED plus a lease). Skipped on SQLite, where one worker runs at a time."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import text

from core.audit import AuditEvent
from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from notifications.worker import PassResult, send_all_due, send_due
from tests.factories.notifications import queue_many
from tests.smtp import SmtpServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs PostgreSQL: set TEST_DATABASE_URL",
    ),
]


def test_two_workers_draining_200_messages_send_each_exactly_once(app, smtp_server: SmtpServer) -> None:  # noqa: F811
    queue_many(200)
    start = threading.Barrier(2)
    results: dict[str, PassResult] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            # Each thread has its own app context, so its own session and database connection.
            with app.app_context():
                start.wait()
                results[name] = send_all_due(batch_size=10, worker_id=name)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []

    received = smtp_server.received
    per_address = Counter(item.rcpt_tos[0] for item in received)
    assert len(per_address) == 200
    assert set(per_address.values()) == {1}, [a for a, n in per_address.items() if n > 1]
    assert len({item.message["Message-ID"] for item in received}) == 200
    # Both workers really ran at once and shared the work.
    assert results["worker-a"].sent > 0 and results["worker-b"].sent > 0
    assert results["worker-a"].sent + results["worker-b"].sent == 200

    db.session.expire_all()
    rows = db.session.execute(db.select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert {(status, attempts) for status, attempts in rows} == {(MessageStatus.SENT, 1)}
    sent_events = db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "email.sent"))
    assert sent_events == 200


def test_a_row_another_transaction_has_locked_is_skipped_not_waited_for(app, smtp_server: SmtpServer) -> None:  # noqa: F811
    locked_id, free_id = queue_many(2)
    outcome: dict[str, PassResult] = {}

    with db.engine.connect() as other:
        transaction = other.begin()
        # Another worker in the middle of claiming this row.
        other.execute(text("SELECT id FROM outbox_messages WHERE id = :id FOR UPDATE"), {"id": locked_id})

        def work() -> None:
            with app.app_context():
                outcome["result"] = send_due()

        worker = threading.Thread(target=work)
        began = time.monotonic()
        worker.start()
        worker.join(timeout=15)
        finished_while_locked = not worker.is_alive()
        transaction.rollback()  # frees a worker that waited, so the test cannot hang
        worker.join(timeout=15)

    assert finished_while_locked, "the worker waited for the locked row instead of skipping it"
    assert time.monotonic() - began < 15
    assert outcome["result"].sent == 1
    [received] = smtp_server.received
    db.session.expire_all()
    assert received.rcpt_tos[0] == db.session.get(OutboxMessage, free_id).to_address
    assert db.session.get(OutboxMessage, locked_id).status == MessageStatus.QUEUED
