"""Panel reminders: 7 days and 1 day before the panel, to attendees who accepted or have not
replied, and none for cancelled, held or past panels.

Each reminder goes once per panel start: the sent marker holds the start it was sent for,
so when the panel moves both reminders are due again for the new start. Someone who was
sent the invitation or an update after a reminder's window opened does not get that
reminder as well (the email they just had says the same).

``send_due_panel_reminders(now)`` is safe to run as often as you like (the outbox worker's
loop or cron): ``flask --app wsgi panels send-reminders``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from agencies.models import User
from core import audit
from core.db import set_if_unchanged
from core.formatting import utc_now
from extensions import db
from panels.models import Panel, PanelAttendee, PanelStatus, Reply
from panels.operations import send_to_attendee
from panels.permissions import organisation_may_attend


class PanelReminder(enum.StrEnum):
    WEEK = "week"
    DAY = "day"

    @property
    def lead_time(self) -> timedelta:
        return timedelta(days=7) if self == PanelReminder.WEEK else timedelta(days=1)


@dataclass(frozen=True)
class ReminderFacts:
    starts_at: datetime
    scheduled: bool
    reply: Reply | None
    active_person: bool
    notified_at: datetime | None
    week_sent_for: datetime | None
    day_sent_for: datetime | None


def reminder_due(facts: ReminderFacts, now: datetime) -> PanelReminder | None:
    """Which reminder (if any) this attendee should be sent at ``now``.

    Only the latest window counts: a panel a day away gets the day reminder, not a late
    week reminder as well.
    """
    if not facts.scheduled or not facts.active_person or now >= facts.starts_at:
        return None
    if facts.reply not in (None, Reply.ACCEPTED):
        return None
    if now >= facts.starts_at - PanelReminder.DAY.lead_time:
        kind, sent_for = PanelReminder.DAY, facts.day_sent_for
    elif now >= facts.starts_at - PanelReminder.WEEK.lead_time:
        kind, sent_for = PanelReminder.WEEK, facts.week_sent_for
    else:
        return None
    if sent_for == facts.starts_at:
        return None
    window_opened = facts.starts_at - kind.lead_time
    if facts.notified_at is not None and facts.notified_at >= window_opened:
        return None
    return kind


def facts_for(attendee: PanelAttendee) -> ReminderFacts:
    return ReminderFacts(
        starts_at=attendee.panel.starts_at_utc,
        scheduled=attendee.panel.status == PanelStatus.SCHEDULED,
        reply=attendee.reply,
        active_person=attendee.user.active,
        notified_at=attendee.notified_at_utc,
        week_sent_for=attendee.week_reminder_for_utc,
        day_sent_for=attendee.day_reminder_for_utc,
    )


def send_due_panel_reminders(now: datetime) -> int:
    """Queue the reminders due at ``now``; return how many. The sent markers are written in the
    same transaction as the outbox rows, so a queued reminder is never queued again, and set
    conditionally, so two sweeps at the same moment cannot both queue it."""
    attendees = db.session.scalars(
        select(PanelAttendee)
        .join(PanelAttendee.panel)
        .join(PanelAttendee.user)
        .where(
            Panel.status == PanelStatus.SCHEDULED,
            Panel.starts_at_utc > now,
            Panel.starts_at_utc <= now + PanelReminder.WEEK.lead_time,
            User.active.is_(True),
            organisation_may_attend(User.organisation_id),
            or_(PanelAttendee.reply.is_(None), PanelAttendee.reply == Reply.ACCEPTED),
        )
        .options(contains_eager(PanelAttendee.panel).selectinload(Panel.agenda))
        .order_by(Panel.starts_at_utc, PanelAttendee.id)
    ).all()
    sent = 0
    for attendee in attendees:
        kind = reminder_due(facts_for(attendee), now)
        if kind is None:
            continue
        panel = attendee.panel
        # Set only if no other sweep has set it for this start since we read it (the row count
        # of a conditional UPDATE says which sweep won); the loser queues nothing.
        marker = (
            PanelAttendee.week_reminder_for_utc if kind == PanelReminder.WEEK else PanelAttendee.day_reminder_for_utc
        )
        unsent = or_(marker.is_(None), marker != panel.starts_at_utc)
        if not set_if_unchanged(attendee, unsent, **{marker.key: panel.starts_at_utc}):
            continue
        send_to_attendee(attendee, template="panel_reminder", subject="Reminder", kind=kind.value)
        audit.record(
            "panel.reminder_sent",
            panel,
            f"Reminded {attendee.user.full_name} about {panel.title}",
            person=attendee.user.email,
            kind=kind.value,
            starts_at_utc=panel.starts_at_utc.isoformat(),
        )
        sent += 1
    return sent


panels_cli = AppGroup("panels", help="Learning panels: reminders.")


@panels_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Email the panel reminders that are due (7 days and 1 day before); each goes once."""
    sent = send_due_panel_reminders(utc_now())
    db.session.commit()
    click.echo(f"Panel reminders queued: {sent}.")
