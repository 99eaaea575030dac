"""Panel reminders through the outbox, with the clock moved by time-machine: 7 days and 1 day
before, once each, moved with the panel, none for cancelled or past panels."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask

from core.formatting import utc_now
from extensions import db
from panels import operations as operations
from panels.models import Panel, Reply
from panels.reminders import send_due_panel_reminders
from tests.factories.panels import details, panel_emails, panel_world


def reminded(kind: str | None = None) -> list[str]:
    messages = panel_emails(template="panel_reminder")
    return sorted(m.to_address for m in messages)


def run_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        sent = send_due_panel_reminders(utc_now())
        db.session.commit()
    return sent


def test_reminders_go_once_each_to_people_who_accepted_or_have_not_replied() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    operations.reply_to_panel(panel.attendee_for(world.police.id), Reply.ACCEPTED, world.police)
    operations.reply_to_panel(panel.attendee_for(world.health.id), Reply.DECLINED, world.health)
    db.session.commit()
    start = panel.starts_at_utc

    assert run_at(start - timedelta(days=8)) == 0
    assert run_at(start - timedelta(days=7) + timedelta(minutes=5)) == 2
    assert reminded() == ["inspector@inspectorate.example", "police@police.example"]
    assert run_at(start - timedelta(days=6)) == 0  # once
    assert run_at(start - timedelta(hours=23)) == 2
    assert run_at(start - timedelta(hours=2)) == 0  # once
    assert len(reminded()) == 4
    assert run_at(start + timedelta(minutes=1)) == 0  # past
    message = panel_emails(template="panel_reminder")[0]
    assert message.subject.startswith("OFFICIAL-SENSITIVE: Reminder: Northshire learning panel")
    assert not message.attachments


def test_reminders_move_with_the_panel() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    start = panel.starts_at_utc
    assert run_at(start - timedelta(days=6)) == 3

    # A week later than planned, moved while the week reminder was already out.
    with time_machine.travel(start - timedelta(days=5), tick=False):
        operations.update_details(
            panel,
            details(starts_at=start + timedelta(days=7), ends_at=panel.ends_at_utc + timedelta(days=7)),
            panel.version,
            world.inspector,
        )
        db.session.commit()
    new_start = db.session.get(Panel, panel.id).starts_at_utc

    assert run_at(start - timedelta(hours=20)) == 0  # the old start's day reminder never goes
    assert run_at(new_start - timedelta(days=6)) == 3  # re-armed for the new start
    assert run_at(new_start - timedelta(days=5)) == 0
    assert run_at(new_start - timedelta(hours=12)) == 3
    assert len(reminded()) == 9


def test_no_reminders_for_cancelled_panels() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    operations.cancel_panel(panel, "Clash", panel.version, world.inspector)
    db.session.commit()
    assert run_at(panel.starts_at_utc - timedelta(days=6)) == 0
    assert run_at(panel.starts_at_utc - timedelta(hours=6)) == 0


def test_no_reminders_for_drafts() -> None:
    world = panel_world(schedule=False)
    assert run_at(world.panel.starts_at_utc - timedelta(days=6)) == 0


def test_the_command_sends_what_is_due(app: Flask) -> None:
    world = panel_world(schedule=True)
    with time_machine.travel(world.panel.starts_at_utc - timedelta(days=6), tick=False):
        result = app.test_cli_runner().invoke(args=["panels", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Panel reminders queued: 3." in result.output
    db.session.expire_all()
    assert len(reminded()) == 3
