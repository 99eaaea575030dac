"""``flask --app wsgi cases send-reminders`` and ``cases erase-expired``.

The outbox worker's loop calls ``send_due_reminders`` on every pass; the commands let an
operator (or cron) run the same jobs by hand.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cases.operations import erase_expired_identifiers, send_due_reminders
from core.formatting import london_today, utc_now
from extensions import db

cases_cli = AppGroup("cases", help="Multi-agency cases: reminders and retention.")


@cases_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Queue the reminders that are due (each goes once)."""
    queued = send_due_reminders(utc_now())
    db.session.commit()
    click.echo(f"Reminders queued: {queued} emails.")


@cases_cli.command("erase-expired")
def erase_expired_command() -> None:
    """Erase identifying details whose retention period has ended, keeping the reference."""
    erased = erase_expired_identifiers(london_today(utc_now()))
    db.session.commit()
    if erased:
        click.echo("Identifying details erased for: " + ", ".join(case.reference for case in erased))
    else:
        click.echo("No identifying details were due for erasure.")
