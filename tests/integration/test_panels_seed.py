"""The demo data: a scheduled panel for the flagged demo case, chaired by the demo inspector."""

from __future__ import annotations

from extensions import db
from notifications.models import OutboxMessage
from panels.models import AttendeeRole, Panel, PanelStatus
from portal.seeding import seed_demo_data


def test_the_demo_panel_is_scheduled_with_the_agencies_invited_and_seeding_twice_changes_nothing() -> None:
    created = seed_demo_data("demo password for the tests")
    db.session.commit()

    assert any(item.startswith("learning panel on") for item in created)
    [panel] = db.session.scalars(db.select(Panel).where(Panel.status == PanelStatus.SCHEDULED)).all()
    assert panel.chair.user.email == "inspector@inspectorate.example"
    assert {a.user.email: a.role for a in panel.attendees} == {
        "inspector@inspectorate.example": AttendeeRole.CHAIR,
        "police@police.example": AttendeeRole.MEMBER,
        "health@health.example": AttendeeRole.MEMBER,
        "childrens@council.example": AttendeeRole.MEMBER,
    }
    [item] = panel.agenda
    assert item.case.reference.startswith("SFO-")
    invitations = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.template == "panel_invitation"))
    assert len(invitations.all()) == 4  # the held panel (learning/seed.py) was never scheduled on screen

    again = seed_demo_data("demo password for the tests")
    db.session.commit()
    assert not any(item.startswith("learning panel") for item in again)
    assert db.session.scalar(db.select(db.func.count(Panel.id))) == 2
