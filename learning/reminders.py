"""Overdue action reminders: once when an action passes its due date, then weekly until it is
completed or not accepted.

``send_due_action_reminders(now)`` is safe to run as often as you like (cron, or the outbox
worker's loop): ``flask --app wsgi learning send-reminders``.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import and_, select

from core import audit
from core.db import set_if_unchanged
from core.formatting import london_today, utc_now
from extensions import db
from learning.models import OPEN_STATUSES, ActionRecord
from learning.operations import notify_owner
from learning.rules import ReminderFacts, reminder_due


def send_due_action_reminders(now: datetime) -> int:
    """Queue the reminders due at ``now``; return how many actions were reminded about.

    The sent markers are written in the same transaction as the outbox rows, so a queued
    reminder is never queued twice, even if two runs overlap and one of them rolls back; they are
    set by compare-and-set, so two sweeps at the same moment cannot both queue it.
    """
    actions = db.session.scalars(
        select(ActionRecord)
        .where(ActionRecord.status.in_(OPEN_STATUSES), ActionRecord.due_on < london_today(now))
        .order_by(ActionRecord.due_on, ActionRecord.id)
    ).all()
    reminded = 0
    for action in actions:
        facts = ReminderFacts(
            status=action.status,
            due_on=action.due_on,
            reminders_for_due_on=action.reminders_for_due_on,
            last_reminder_at=action.last_reminder_at_utc,
        )
        if not reminder_due(facts, now):
            continue
        first = action.reminders_for_due_on != action.due_on
        # Compare and set: only if the markers are still what this sweep read, so a sweep
        # running at the same moment that read them too queues nothing.
        unchanged = and_(
            ActionRecord.reminders_for_due_on.is_not_distinct_from(facts.reminders_for_due_on),
            ActionRecord.last_reminder_at_utc.is_not_distinct_from(facts.last_reminder_at),
        )
        if not set_if_unchanged(action, unchanged, reminders_for_due_on=action.due_on, last_reminder_at_utc=now):
            continue
        sent = notify_owner(action, kind="overdue", days_overdue=(london_today(now) - action.due_on).days)
        audit.record(
            "action.reminder_sent",
            action,
            f"Overdue reminder for action {action.reference}",
            emails=sent,
            first=first,
            due_on=action.due_on.isoformat(),
        )
        reminded += 1
    return reminded


learning_cli = AppGroup("learning", help="Actions: overdue reminders.")


@learning_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Queue the overdue action reminders that are due (once, then weekly)."""
    reminded = send_due_action_reminders(utc_now())
    db.session.commit()
    click.echo(f"Overdue reminders queued for {reminded} actions.")
