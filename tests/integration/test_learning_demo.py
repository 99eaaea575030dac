"""The demo data: the demo case's shared learning and actions owned by police and children's
services, one with progress updates; seeding again changes nothing."""

from __future__ import annotations

from core.formatting import london_today
from extensions import db
from learning.models import ActionImpact, ActionRecord, ActionStatus, LearningItem
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
    items = db.session.scalars(db.select(LearningItem).order_by(LearningItem.id)).all()
    assert len(items) == 2 and items[0].sources and not items[1].sources
    assert police_action.learning_items == [items[0]]
    # Agreed at the demo panel, which has the demo case on its agenda.
    assert police_action.panel is not None and police_action.panel == items[0].panel
    assert police_action.case_id in [entry.case_id for entry in police_action.panel.agenda]

    again = seed_demo_data("a demo password that is long enough")
    db.session.commit()
    assert not any("shared learning" in line for line in again)
    assert db.session.scalar(db.select(db.func.count(ActionRecord.id))) == len(actions)
