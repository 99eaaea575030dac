"""Reminder sweeps the outbox worker runs every few minutes.

Each capability owns its own reminder rules and exposes ``send_due_…(now) -> int`` which
queues what is due and marks it sent (so running it again queues nothing twice, and two
sweeps at the same moment, on two workers, queue it once: see ``run_reminder_jobs``). The list
lives in settings (``REMINDER_JOBS``, dotted ``module:function`` paths), so this package does
not depend on the packages that send reminders.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from werkzeug.utils import import_string

from core.db import try_transaction_lock
from extensions import db

logger = logging.getLogger(__name__)


def run_reminder_jobs(now: datetime) -> dict[str, int]:
    """Run every configured sweep in its own transaction; one failing sweep does not stop the rest."""
    queued: dict[str, int] = {}
    for path in current_app.config.get("REMINDER_JOBS", ()):
        try:
            # One sweep of each kind at a time across every worker: a worker that finds another
            # sweeping skips this kind (that sweep is doing the work). Each reminder's marker is
            # also set conditionally, so even overlapping sweeps queue it once.
            if not try_transaction_lock(f"reminder sweep {path}"):
                db.session.rollback()
                queued[path] = 0
                continue
            job = import_string(path.replace(":", "."))
            queued[path] = int(job(now) or 0)
            db.session.commit()
        except Exception:
            logger.exception("Reminder sweep %s failed; it will run again next time", path)
            db.session.rollback()
    return queued


def run_pass_jobs(now: datetime) -> dict[str, int]:
    """Run the jobs configured to run on every pass of the worker (``WORKER_PASS_JOBS``), such as
    the malware check of uploaded files, each in its own transaction like the sweeps above."""
    done: dict[str, int] = {}
    for path in current_app.config.get("WORKER_PASS_JOBS", ()):
        try:
            job = import_string(path.replace(":", "."))
            done[path] = int(job(now) or 0)
            db.session.commit()
        except Exception:
            logger.exception("Worker job %s failed; it will run again on the next pass", path)
            db.session.rollback()
    return done
