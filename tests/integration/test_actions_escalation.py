"""Overdue actions escalated to the owner organisation's named senior contact (set by the
admin): once per escalation step, through the outbox, never for an owner without one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from agencies.models import Role
from core.formatting import utc_now
from extensions import db
from learning.models import ActionStatus
from learning.reminders import send_due_escalations
from notifications.models import OutboxMessage
from tests.conftest import make_user
from tests.factories.learning import make_action, organisation


def _escalations() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.subject.like("%escalated")).order_by(OutboxMessage.id)
        )
    )


def test_the_admin_names_the_senior_contact_and_each_step_is_sent_once(app, client_for) -> None:
    police = organisation("Northshire Police")
    quiet = organisation("Westvale Police")  # no senior contact: never escalated
    admin = make_user(Role.ADMIN, email="admin@inspectorate.test")
    response = client_for(admin).post(
        f"/admin/organisations/{police.id}",
        data={
            "name": police.name,
            "kind": police.kind.value,
            "senior_contact_name": "Chief Superintendent Rao",
            "senior_contact_email": "Rao@Northshire.Police.example",
            "submit": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (police.senior_contact_name, police.senior_contact_email) == (
        "Chief Superintendent Rao",
        "rao@northshire.police.example",
    )
    with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=UTC), tick=False):
        action = make_action(police, due_on=date(2026, 1, 10))
        make_action(quiet, due_on=date(2026, 1, 10))

    def run(day: date) -> int:
        with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), tick=False):
            sent = send_due_escalations(utc_now())
            db.session.commit()
            return sent

    assert run(date(2026, 2, 8)) == 0  # 29 days overdue
    assert run(date(2026, 2, 9)) == 1  # 30 days: the first step
    assert run(date(2026, 2, 20)) == 0  # once per step
    assert run(date(2026, 3, 11)) == 1  # 60 days: the second
    assert run(date(2026, 3, 12)) == 0
    escalations = _escalations()
    assert [m.to_address for m in escalations] == ["rao@northshire.police.example"] * 2
    assert "Dear Chief Superintendent Rao" in escalations[0].body_text
    assert "30 days overdue" in escalations[0].body_text and "60 days overdue" in escalations[1].body_text

    # Completed (awaiting sign-off): no further step.
    db.session.expire_all()
    action.status = ActionStatus.AWAITING_SIGN_OFF
    db.session.commit()
    assert run(date(2026, 4, 20)) == 0
    assert len(_escalations()) == 2
