"""Overdue action reminders: once when an action passes its due date, then weekly until its
owner completes it or declines it; and, on a signed-off action's impact review date, the
owner's question "has it made the difference intended?".

``send_due_action_reminders(now)`` is safe to run as often as you like (cron, or the outbox
worker's loop): ``flask --app wsgi learning send-reminders``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import and_, or_, select

from agencies.models import Organisation
from core import audit
from core.db import set_if_unchanged
from core.formatting import london_today, utc_now
from extensions import db
from learning.models import OPEN_STATUSES, ActionRecord, ActionStatus
from learning.operations import escalate, notify_owner
from learning.rules import ReminderFacts, escalation_due, reminder_due


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


def send_due_impact_requests(now: datetime) -> int:
    """Ask each signed-off action's owner, on its impact review date, whether it has made the
    difference intended: once for each review date (a new date asks again)."""
    today = london_today(now)
    actions = db.session.scalars(
        select(ActionRecord)
        .where(
            ActionRecord.status == ActionStatus.SIGNED_OFF,
            ActionRecord.impact.is_(None),
            ActionRecord.impact_review_on <= today,
            or_(
                ActionRecord.impact_asked_for.is_(None), ActionRecord.impact_asked_for != ActionRecord.impact_review_on
            ),
        )
        .order_by(ActionRecord.impact_review_on, ActionRecord.id)
    ).all()
    for action in actions:
        action.impact_asked_for = action.impact_review_on
        sent = notify_owner(action, kind="impact_due")
        audit.record(
            "action.impact_asked",
            action,
            f"Owner asked for the impact of action {action.reference}",
            emails=sent,
            review_on=action.impact_review_on.isoformat() if action.impact_review_on else None,
        )
    return len(actions)


def send_due_escalations(now: datetime) -> int:
    """Escalate each action overdue by a configured number of days (``ACTION_ESCALATION_DAYS``)
    to its owner organisation's senior contact: once per step, in the same transaction as the
    markers. Owners with no senior contact are left to the weekly reminders."""
    today = london_today(now)
    thresholds = tuple(current_app.config.get("ACTION_ESCALATION_DAYS", ()))
    if not thresholds:
        return 0
    actions = db.session.scalars(
        select(ActionRecord)
        .join(ActionRecord.owner)
        .where(
            ActionRecord.status.in_(OPEN_STATUSES),
            ActionRecord.due_on <= today - timedelta(days=min(thresholds)),
            Organisation.senior_contact_email.is_not(None),
        )
        .order_by(ActionRecord.due_on, ActionRecord.id)
    ).all()
    sent = 0
    for action in actions:
        days_overdue = (today - action.due_on).days
        step = escalation_due(
            days_overdue=days_overdue,
            thresholds=thresholds,
            sent_step=action.escalation_step,
            sent_for_due_on=action.escalated_for_due_on,
            due_on=action.due_on,
        )
        if step is None:
            continue
        action.escalation_step, action.escalated_for_due_on = step, action.due_on
        escalate(action, step=step, days_overdue=days_overdue)
        sent += 1
    return sent


learning_cli = AppGroup("learning", help="Actions: overdue reminders.")


@learning_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Queue the overdue action reminders that are due (once, then weekly)."""
    now = utc_now()
    reminded = send_due_action_reminders(now)
    asked = send_due_impact_requests(now)
    escalated = send_due_escalations(now)
    db.session.commit()
    click.echo(f"Overdue reminders queued for {reminded} actions; impact asked for {asked}; escalated {escalated}.")
