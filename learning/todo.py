"""What the home page lists for actions: open actions overdue or falling due soon, for the
organisation that owns them or, for the Inspectorate, every owner's."""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for

from agencies.models import Organisation, User
from core.formatting import govuk_date
from core.todo import ToDo
from extensions import db
from learning.models import OPEN_STATUSES, ActionRecord
from learning.permissions import sees_every_action, visible_actions

# An open action shows on the home page from this many days before it is due.
DUE_SOON_DAYS = 28
# The Inspectorate's home lists at most this many; the tracker has the rest.
INSPECTORATE_LIMIT = 20


def actions_due(user: User, today: date) -> list[ToDo]:
    """Open actions this person may see that are overdue or due within four weeks, soonest first."""
    everyone = sees_every_action(user)
    query = (
        visible_actions(user)
        .join(ActionRecord.owner)
        .with_only_columns(ActionRecord.id, ActionRecord.title, ActionRecord.due_on, Organisation.name)
        .where(ActionRecord.status.in_(OPEN_STATUSES), ActionRecord.due_on <= today + timedelta(days=DUE_SOON_DAYS))
        .order_by(ActionRecord.due_on, ActionRecord.id)
    )
    if everyone:
        query = query.limit(INSPECTORATE_LIMIT)
    rows = db.session.execute(query).all()
    todo = []
    for row in rows:
        overdue = row.due_on < today
        detail = ("Was due " if overdue else "Due ") + govuk_date(row.due_on) + (" (overdue)" if overdue else "")
        if everyone:
            detail = f"{row.name}. {detail}"
        reference = f"ACT-{row.id:04d}"
        todo.append(
            ToDo(f"{reference}: {row.title}", url_for("learning.show_action", action_id=row.id), detail, overdue)
        )
    return todo


__all__ = ["DUE_SOON_DAYS", "INSPECTORATE_LIMIT", "actions_due"]
