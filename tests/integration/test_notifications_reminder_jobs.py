"""The worker's reminder sweep runs every configured job, each in its own transaction."""

from __future__ import annotations

import threading

from flask import Flask

from core import audit
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from notifications.reminder_jobs import run_reminder_jobs

CALLS: list[str] = []


def _queues_two(now):
    audit.record("test.reminder_job", summary="swept")
    CALLS.append("ok")
    return 2


def _fails(now):
    audit.record("test.reminder_job_failed", summary="must roll back")
    raise RuntimeError("boom")


def test_every_configured_job_runs_and_a_failure_is_contained(app: Flask) -> None:
    here = __name__
    saved = app.config["REMINDER_JOBS"]
    app.config["REMINDER_JOBS"] = (f"{here}:_fails", f"{here}:_queues_two")
    try:
        assert run_reminder_jobs(utc_now()) == {f"{here}:_queues_two": 2}
    finally:
        app.config["REMINDER_JOBS"] = saved
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert "test.reminder_job" in actions and "test.reminder_job_failed" not in actions


def test_the_real_jobs_import_and_run_on_an_empty_portal(app: Flask) -> None:
    assert set(run_reminder_jobs(utc_now()).values()) <= {0}
    assert len(run_reminder_jobs(utc_now())) == len(app.config["REMINDER_JOBS"])


def test_the_worker_loop_runs_the_sweep(app: Flask) -> None:
    from notifications.worker import run_worker

    here = __name__
    saved = app.config["REMINDER_JOBS"]
    app.config["REMINDER_JOBS"] = (f"{here}:_queues_two",)
    CALLS.clear()
    stop = threading.Event()
    try:
        # One pass: the stop flag is set by the first report-less wait.
        timer = threading.Timer(0.3, stop.set)
        timer.start()
        run_worker(stop, poll_seconds=0.1)
    finally:
        app.config["REMINDER_JOBS"] = saved
    assert CALLS == ["ok"]  # swept once, not on every poll
