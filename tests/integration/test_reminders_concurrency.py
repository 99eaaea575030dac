"""Reminder sweeps running at the same moment on several workers queue each reminder once: each
marker is set by a conditional UPDATE whose row count says which sweep won, and the worker's
sweep runner takes a PostgreSQL advisory lock per kind of sweep. Real threads, each with its own
app context (so its own session and connection), on PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from agencies.models import OrganisationKind, Role
from cases.operations import send_due_reminders
from core.db import try_transaction_lock
from core.formatting import utc_now
from extensions import db
from learning.reminders import send_due_action_reminders
from notifications.models import OutboxMessage
from notifications.reminder_jobs import run_reminder_jobs
from panels import operations as panel_operations
from panels.models import Reply
from panels.reminders import send_due_panel_reminders
from tests.conftest import make_organisation, make_user
from tests.factories.cases import make_case
from tests.factories.learning import make_action, member_of, organisation
from tests.factories.panels import panel_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs PostgreSQL: set TEST_DATABASE_URL",
    ),
]

SWEEPS = 4


def at_once(app: Flask, sweep: Callable[[], object], moment: datetime, count: int = SWEEPS) -> list[object]:
    """Run ``sweep`` in ``count`` threads released together, each committing its own transaction."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results.append(sweep())
                db.session.commit()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            with app.app_context():
                db.session.remove()

    with time_machine.travel(moment, tick=False):
        threads = [threading.Thread(target=run) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    return results


def queued(template: str) -> Counter[tuple[str, str]]:
    rows = db.session.execute(
        select(OutboxMessage.to_address, OutboxMessage.subject).where(OutboxMessage.template == template)
    ).all()
    return Counter((to, subject) for to, subject in rows)


def test_case_reminders_from_four_sweeps_at_once_go_once(app: Flask) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    health = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Trust")
    make_user(Role.AGENCY_MEMBER, police, email="officer@police.example")
    make_user(Role.AGENCY_MEMBER, health, email="nurse@health.example")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        make_case([police, health], reply_by=date(2026, 3, 20))
    db.session.commit()

    for moment in (datetime(2026, 3, 17, 9, tzinfo=UTC), datetime(2026, 3, 21, 9, tzinfo=UTC)):
        for _round in range(3):
            results = at_once(app, lambda: send_due_reminders(utc_now()), moment)
            assert sum(int(str(n)) for n in results) in (0, 2)

    sent = queued("case_reminder")
    # One "due soon" and one "overdue" to each agency, whatever the number of sweeps.
    assert sum(sent.values()) == 4, sent
    assert set(sent.values()) == {1}


def test_panel_reminders_from_four_sweeps_at_once_go_once(app: Flask) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    panel_operations.reply_to_panel(panel.attendee_for(world.police.id), Reply.ACCEPTED, world.police)
    db.session.commit()
    start = panel.starts_at_utc

    for moment in (start - timedelta(days=6), start - timedelta(hours=20)):
        for _round in range(3):
            at_once(app, lambda: send_due_panel_reminders(utc_now()), moment)

    per_person = Counter(to for (to, _subject), n in queued("panel_reminder").items() for _ in range(n))
    # The week and the day reminder, once each, to the inspector and the two attendees.
    assert per_person == {
        "inspector@inspectorate.example": 2,
        "police@police.example": 2,
        "health@health.example": 2,
    }


def test_action_reminders_from_four_sweeps_at_once_go_once_a_week(app: Flask) -> None:
    police = organisation("Northshire Police")
    member_of(police, "one@police.example")
    with time_machine.travel(datetime(2026, 5, 1, 9, tzinfo=UTC), tick=False):
        make_action(police, due_on=date(2026, 6, 10))
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    for moment in (datetime(2026, 6, 11, 9, tzinfo=UTC), datetime(2026, 6, 18, 10, tzinfo=UTC)):
        for _round in range(3):
            at_once(app, lambda: send_due_action_reminders(utc_now()), moment)

    overdue = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.subject.like("%is overdue"))
    )
    assert overdue == 2  # the first, and the one a week later: each once


def test_four_workers_sweeping_together_queue_each_reminder_once(app: Flask) -> None:
    """The worker's runner: every configured sweep, on four workers released together."""
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    make_user(Role.AGENCY_MEMBER, police, email="officer@police.example")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        make_case([police], reply_by=date(2026, 3, 20))
    db.session.commit()

    at_once(app, lambda: run_reminder_jobs(utc_now()), datetime(2026, 3, 17, 9, tzinfo=UTC))

    assert sum(queued("case_reminder").values()) == 1


def test_a_sweep_another_worker_is_running_is_skipped(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    make_user(Role.AGENCY_MEMBER, police, email="officer@police.example")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        make_case([police], reply_by=date(2026, 3, 20))
    db.session.commit()
    job = "cases.operations:send_due_reminders"
    monkeypatch.setitem(app.config, "REMINDER_JOBS", (job,))

    with time_machine.travel(datetime(2026, 3, 17, 9, tzinfo=UTC), tick=False):
        with app.app_context():
            # Another worker, in the middle of the same sweep, holds its lock...
            assert try_transaction_lock(f"reminder sweep {job}")
            with app.app_context():
                # ... so this one skips it.
                assert run_reminder_jobs(utc_now()) == {job: 0}
            db.session.rollback()
        assert run_reminder_jobs(utc_now()) == {job: 1}


def test_the_sweep_lock_is_held_until_the_transaction_ends(app: Flask) -> None:
    assert try_transaction_lock("a sweep") is True
    with app.app_context():
        assert try_transaction_lock("a sweep") is False  # another session, while ours holds it
        db.session.rollback()
    db.session.commit()
    with app.app_context():
        assert try_transaction_lock("a sweep") is True
        db.session.rollback()
