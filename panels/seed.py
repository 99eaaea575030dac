"""Demo data: a scheduled learning panel for the demo multi-agency case, chaired by the demo
inspector, with the police, health and children's services demo people invited.

Made through the same operations the screens use, so the invitations (with their calendar
files) are in the outbox like any others. Runs after the case seeder (import order).
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from agencies.models import User
from cases.models import MultiAgencyCase
from core.formatting import london_today, utc_now
from extensions import db
from panels.models import AttendeeRole, Panel
from panels.operations import PanelDetails, add_agenda_item, add_attendee, create_panel, schedule_panel
from panels.rules import panel_times

DEMO_ATTENDEES = ("police@police.example", "health@health.example", "childrens@council.example")


def seed_demo_panel() -> list[str]:
    if db.session.scalar(select(Panel.id).limit(1)) is not None:
        return []
    people = {u.email: u for u in db.session.scalars(select(User))}
    inspector = people.get("inspector@inspectorate.example")
    case = db.session.scalar(select(MultiAgencyCase).order_by(MultiAgencyCase.id).limit(1))
    if inspector is None or case is None:
        return []
    day = london_today(utc_now()) + timedelta(days=21)
    while day.weekday() >= 5:  # a weekday
        day += timedelta(days=1)
    starts_at, ends_at = panel_times(day, time(10, 0), time(12, 30))
    panel = create_panel(
        PanelDetails(
            title="Northshire multi-agency learning panel",
            starts_at_utc=starts_at,
            ends_at_utc=ends_at,
            place="Room 3, Northshire County Hall, Northtown NT1 2AB",
            video_link="https://meet.example.org/northshire-learning-panel",
        ),
        inspector,
        convener_role=AttendeeRole.CHAIR,
    )
    add_agenda_item(panel, case, time(10, 15), inspector)
    for email in DEMO_ATTENDEES:
        if (person := people.get(email)) is not None:
            add_attendee(panel, person, AttendeeRole.MEMBER, inspector)
    db.session.flush()
    schedule_panel(panel, panel.version, inspector)
    db.session.flush()
    return [f"learning panel on {day:%d %B %Y}"]
