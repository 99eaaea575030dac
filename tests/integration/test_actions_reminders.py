"""Overdue actions: a reminder through the outbox the day after the due date (London time),
then one a week until the action is closed; a new due date starts again. Time-travelled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from agencies.models import Role
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from learning.models import ActionStatus
from learning.reminders import send_due_action_reminders
from notifications.models import OutboxMessage
from tests.conftest import make_user
from tests.factories.learning import make_action, member_of, organisation

UTC = UTC


def _reminders() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.subject.like("%is overdue")).order_by(OutboxMessage.id)
        )
    )


def test_reminders_go_once_when_overdue_then_weekly_until_closed() -> None:
    police = organisation("Northshire Police")
    police.contact_email = "mash@northshire.police.example"
    first, second = member_of(police, "one@police.example"), member_of(police, "two@police.example")
    make_user(Role.AGENCY_MEMBER, police, email="left@police.example", active=False)
    other = member_of(organisation("Westvale Police"), "other@westvale.example")
    with time_machine.travel(datetime(2026, 5, 1, 9, tzinfo=UTC), tick=False):
        action = make_action(police, due_on=date(2026, 6, 10))
        make_action(other.organisation, due_on=date(2026, 12, 1))  # not due in this test: never reminded
    db.session.query(OutboxMessage).delete()  # the "new action" emails
    db.session.commit()

    def run(moment: datetime) -> int:
        with time_machine.travel(moment, tick=False):
            sent = send_due_action_reminders(utc_now())
            db.session.commit()
            return sent

    assert run(datetime(2026, 6, 10, 22, 59, tzinfo=UTC)) == 0  # 23:59 on the due date in London
    assert run(datetime(2026, 6, 10, 23, 0, tzinfo=UTC)) == 1  # midnight: overdue
    reminders = _reminders()
    assert sorted(m.to_address for m in reminders) == sorted([first.email, second.email, police.contact_email])
    assert all(m.subject == f"Action {action.reference} is overdue" for m in reminders)
    assert "was due by 10 June 2026" in reminders[0].body_text
    assert f"/learning/actions/{action.id}" in reminders[0].body_text
    assert (
        db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "action.reminder_sent")).details["first"]
        is True
    )

    assert run(datetime(2026, 6, 11, 9, tzinfo=UTC)) == 0  # the same day again: nothing more
    assert run(datetime(2026, 6, 17, 22, 59, tzinfo=UTC)) == 0  # six days, 23 hours and 59 minutes on
    assert run(datetime(2026, 6, 17, 23, 0, tzinfo=UTC)) == 1  # a week on
    assert run(datetime(2026, 6, 24, 23, 0, tzinfo=UTC)) == 1  # and the week after
    assert len(_reminders()) == 9

    # A new due date: quiet until it passes, then once again, then weekly.
    db.session.expire_all()
    action.due_on = date(2026, 7, 1)
    db.session.commit()
    assert run(datetime(2026, 6, 30, 9, tzinfo=UTC)) == 0
    assert run(datetime(2026, 7, 2, 9, tzinfo=UTC)) == 1
    assert run(datetime(2026, 7, 3, 9, tzinfo=UTC)) == 0

    # Closed: never again.
    db.session.expire_all()
    action.status = ActionStatus.SIGNED_OFF
    db.session.commit()
    assert run(datetime(2026, 8, 1, 9, tzinfo=UTC)) == 0
    assert len(_reminders()) == 12


def test_an_owner_with_nobody_to_email_reminds_the_inspector_who_recorded_it() -> None:
    lonely = organisation("Northshire Housing Partnership")
    with time_machine.travel(datetime(2026, 5, 1, 9, tzinfo=UTC), tick=False):
        action = make_action(lonely, due_on=date(2026, 5, 5))
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    with time_machine.travel(datetime(2026, 5, 6, 9, tzinfo=UTC), tick=False):
        assert send_due_action_reminders(utc_now()) == 1
    assert [m.to_address for m in _reminders()] == [action.created_by.email]


def test_the_command_queues_the_reminders_that_are_due(app) -> None:
    police = organisation("Northshire Police")
    member_of(police, "one@police.example")
    make_action(police, due_on=(utc_now() - timedelta(days=3)).date())
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["learning", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Overdue reminders queued for 1 actions;" in result.output
    db.session.expire_all()
    assert [m.to_address for m in _reminders()] == ["one@police.example"]
    again = app.test_cli_runner().invoke(args=["learning", "send-reminders"])
    assert "queued for 0 actions" in again.output
