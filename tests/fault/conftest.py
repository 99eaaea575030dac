"""The fault suite: the outbox against a real SMTP server made to refuse, drop, stall and hang
(``tests/smtp.py``), with workers running side by side and workers killed with SIGKILL.

Every test here is marked ``fault`` (``pytest -m fault`` runs just these) and runs in
``make test`` on SQLite and on PostgreSQL. Timings are scaled down (``MAIL_TIMEOUT`` of a
second, leases of seconds, retries after half a second) so the suite takes well under two
minutes.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from notifications.worker import PassResult, send_all_due
from tests.smtp import Received


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fault/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.fault)


@pytest.fixture
def fast_retries(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed attempt is tried again within a second, not a minute."""
    monkeypatch.setitem(app.config, "NOTIFICATIONS_FIRST_RETRY_DELAY", timedelta(seconds=0.3))
    monkeypatch.setitem(app.config, "NOTIFICATIONS_LONGEST_RETRY_DELAY", timedelta(seconds=0.6))


def queued_count() -> int:
    count = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED)
    )
    db.session.commit()  # a fresh snapshot next time
    return int(count or 0)


class Workers:
    """Worker threads, each with its own app context (so its own session and connection),
    each looping over ``send_all_due`` like ``flask notifications send --loop``."""

    def __init__(self, app: Flask, names: list[str], batch_size: int) -> None:
        self.app = app
        self.stop = threading.Event()
        self.results = {name: PassResult() for name in names}
        self.errors: list[BaseException] = []
        self.batch_size = batch_size
        self.threads = [threading.Thread(target=self._work, args=(name,), daemon=True) for name in names]

    def _work(self, name: str) -> None:
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    self.results[name].add(
                        send_all_due(batch_size=self.batch_size, worker_id=name, should_stop=self.stop.is_set)
                    )
                    db.session.remove()
                    self.stop.wait(0.05)
        except BaseException as error:  # reported by drain(), not lost in the thread
            self.errors.append(error)

    def __enter__(self) -> Workers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def drain(self, timeout: float) -> None:
        """Wait until nothing is queued any more (sent or failed for good)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.errors:
            if queued_count() == 0:
                break
            time.sleep(0.2)
        assert self.errors == []
        assert queued_count() == 0, "the workers did not drain the outbox in time"


@pytest.fixture
def workers(app: Flask) -> Iterator[type[Workers]]:
    yield Workers


def copies_per_message_id(received: list[Received]) -> Counter[str]:
    return Counter(str(item.message["Message-ID"]) for item in received)


def assert_each_sent_exactly_once(received: list[Received], count: int) -> None:
    """The server got ``count`` messages, each Message-ID once, and the outbox says each was sent
    once (one attempt), so nothing was lost and nothing went twice."""
    copies = copies_per_message_id(received)
    assert sum(copies.values()) == count, copies
    assert set(copies.values()) == {1}, [message_id for message_id, n in copies.items() if n > 1]
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.message_id_header)).all()
    db.session.commit()
    assert {status for status, _ in rows} == {MessageStatus.SENT}
    assert {message_id for _, message_id in rows} == set(copies)
