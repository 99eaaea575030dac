"""The demo data: the demo case's shared learning and actions owned by police and children's
services, one with progress updates; seeding again changes nothing."""

from __future__ import annotations

from core.formatting import london_today, utc_now
from extensions import db
from learning.models import ActionImpact, ActionRecord, ActionStatus, LearningItem
from panels.minutes import minutes_of
from panels.models import MinutesStatus, Panel, PanelStatus
from portal.seeding import seed_demo_data


def test_the_demo_has_learning_and_actions_for_police_and_childrens_services() -> None:
    created = seed_demo_data("a demo password that is long enough")
    db.session.commit()
    assert any("shared learning and actions" in line for line in created)
    actions = db.session.scalars(db.select(ActionRecord).order_by(ActionRecord.id)).all()
    assert [a.owner.name for a in actions][:2] == ["Northshire Police", "Northshire County Council Children's Services"]
    police_action = actions[0]
    # Every state of an action's life is in the demo, and every impact review stage.
    assert {a.status for a in actions} == set(ActionStatus)
    signed_off = [a for a in actions if a.status == ActionStatus.SIGNED_OFF]
    assert {a.impact for a in signed_off} == {None, ActionImpact.ACHIEVED}
    assert all(a.impact_review_on is not None and a.impact_review_on < london_today() for a in signed_off)
    assert police_action.status == ActionStatus.IN_PROGRESS
    assert [u.author_name for u in police_action.updates] == ["Priya Constable"] * 3
    assert [u.event.value for u in police_action.updates] == ["accept", "update", "update"]
    items = db.session.scalars(
        db.select(LearningItem).where(LearningItem.minutes_item_id.is_(None)).order_by(LearningItem.id)
    ).all()
    assert len(items) == 2 and items[0].sources and not items[1].sources
    assert police_action.learning_items == [items[0]]
    # Agreed at the demo panel, which has the demo case on its agenda.
    assert police_action.panel is not None and police_action.panel == items[0].panel
    assert police_action.case_id in [entry.case_id for entry in police_action.panel.agenda]

    # A panel held weeks ago approved its minutes: their learning agreed is the case's shared learning.
    [agreed] = db.session.scalars(db.select(LearningItem).where(LearningItem.minutes_item_id.is_not(None))).all()
    held = db.session.scalar(db.select(Panel).where(Panel.status == PanelStatus.HELD))
    minutes = minutes_of(held)
    assert minutes.status == MinutesStatus.APPROVED and held.starts_at_utc < utc_now()
    assert (agreed.case_id, agreed.panel_id, agreed.minutes_item_id) == (
        police_action.case_id,
        held.id,
        minutes.items[0].id,
    )
    assert agreed.description == minutes.items[0].learning_agreed and agreed.level.value == "regional"
    assert agreed.origin == f"Agreed at {held.title} (minutes, item 1)"
    assert any("held panel with approved minutes (1 piece of shared learning agreed)" in line for line in created)

    again = seed_demo_data("a demo password that is long enough")
    db.session.commit()
    assert not any("shared learning" in line for line in again)
    assert db.session.scalar(db.select(db.func.count(ActionRecord.id))) == len(actions)
    assert db.session.scalar(db.select(db.func.count(LearningItem.id))) == 3
    assert db.session.scalar(db.select(db.func.count(Panel.id))) == 2
