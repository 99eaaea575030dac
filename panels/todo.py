"""What the home page lists for panels: invitations awaiting this person's reply, and the
panels the Inspectorate has to prepare or close."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import func, select

from agencies.models import User
from core.formatting import govuk_datetime
from core.todo import ToDo
from extensions import db
from panels.models import Panel, PanelAttendee, PanelStatus


def panels_awaiting_reply(user: User, now: datetime) -> list[ToDo]:
    """Scheduled panels still to come that this person is invited to and has not answered."""
    rows = db.session.execute(
        select(Panel.id, Panel.title, Panel.starts_at_utc)
        .join(PanelAttendee, PanelAttendee.panel_id == Panel.id)
        .where(
            PanelAttendee.user_id == user.id,
            PanelAttendee.reply.is_(None),
            Panel.status == PanelStatus.SCHEDULED,
            Panel.starts_at_utc > now,
        )
        .order_by(Panel.starts_at_utc, Panel.id)
    ).all()
    return [
        ToDo(
            f"Reply to the invitation to {row.title}",
            url_for("panels.reply_to_panel", panel_id=row.id),
            detail=govuk_datetime(row.starts_at_utc),
        )
        for row in rows
    ]


def panels_to_prepare(now: datetime) -> list[ToDo]:
    """Drafts to send, scheduled panels to come (with replies awaited), and panels that have
    taken place whose outcome is not yet recorded; soonest first."""
    awaited = (
        select(func.count(PanelAttendee.id))
        .where(PanelAttendee.panel_id == Panel.id, PanelAttendee.reply.is_(None))
        .correlate(Panel)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Panel.id, Panel.title, Panel.starts_at_utc, Panel.status, awaited.label("awaited"))
        .where(Panel.status.in_((PanelStatus.DRAFT, PanelStatus.SCHEDULED)))
        .order_by(Panel.starts_at_utc, Panel.id)
    ).all()
    todo = []
    for row in rows:
        when = govuk_datetime(row.starts_at_utc)
        if row.status == PanelStatus.DRAFT:
            todo.append(ToDo(f"Finish {row.title} and send the invitations", _panel(row.id), detail=when))
        elif row.starts_at_utc <= now:
            todo.append(
                ToDo(f"Record the outcome of {row.title}", url_for("panels.record_outcome", panel_id=row.id), when)
            )
        else:
            replies = f"; {row.awaited} {'reply' if row.awaited == 1 else 'replies'} awaited" if row.awaited else ""
            todo.append(ToDo(f"Prepare {row.title}", _panel(row.id), detail=when + replies))
    return todo


def _panel(panel_id: int) -> str:
    return url_for("panels.show_panel", panel_id=panel_id)
