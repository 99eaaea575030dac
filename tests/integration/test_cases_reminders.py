"""Reminders through the outbox: before the reply-by date and after it, each exactly once,
whichever way the clock moves between worker runs; and the inspector's manual reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.operations import send_due_reminders
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_organisation, make_user
from tests.factories.cases import invitation_of, make_case, write_return

REPLY_BY = date(2026, 3, 20)  # Friday: "due soon" on Tuesday 17 March, overdue from Saturday 21 March


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def reminders(kind: str | None = None) -> list[OutboxMessage]:
    query = db.select(OutboxMessage).where(OutboxMessage.template == "case_reminder").order_by(OutboxMessage.id)
    messages = db.session.scalars(query).all()
    if kind == "due_soon":
        return [m for m in messages if m.subject.startswith("OFFICIAL-SENSITIVE: Reminder")]
    if kind == "overdue":
        return [m for m in messages if m.subject.startswith("OFFICIAL-SENSITIVE: Overdue")]
    return list(messages)


def run_worker(cli, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        result = cli.invoke(args=["cases", "send-reminders"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()


@pytest.fixture
def agencies() -> dict[str, Organisation]:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    health = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Trust")
    make_user(Role.AGENCY_MEMBER, police, email="officer@police.example")
    make_user(Role.AGENCY_MEMBER, health, email="nurse@health.example")
    db.session.commit()
    return {"police": police, "health": health}


@pytest.fixture
def case(agencies):
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        return make_case([agencies["police"], agencies["health"]], reply_by=REPLY_BY)


def test_reminders_go_once_before_and_once_after_the_reply_by_date(app, case, agencies) -> None:
    cli = app.test_cli_runner()
    for day in (date(2026, 3, 2), date(2026, 3, 13), date(2026, 3, 16)):
        run_worker(cli, at(day))
    assert reminders() == []

    run_worker(cli, at(date(2026, 3, 17)))
    assert sorted(m.to_address for m in reminders("due_soon")) == ["nurse@health.example", "officer@police.example"]
    # Every later run that week, several times a day, sends nothing more.
    for day in (date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 19), date(2026, 3, 20)):
        for hour in (9, 13, 17):
            run_worker(cli, at(day, hour))
    assert len(reminders()) == 2

    run_worker(cli, at(date(2026, 3, 21)))
    assert sorted(m.to_address for m in reminders("overdue")) == ["nurse@health.example", "officer@police.example"]
    for day in (date(2026, 3, 22), date(2026, 3, 30), date(2026, 5, 1)):
        run_worker(cli, at(day))
    assert len(reminders()) == 4
    for message in reminders():
        assert "SFO-" in message.subject and "Testperson" not in message.body_text
        assert f"/cases/{case.id}" in message.body_text
    sent = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.reminder_sent")).all()
    assert sorted(e.details["kind"] for e in sent) == ["due_soon", "due_soon", "overdue", "overdue"]


def test_the_london_date_decides_not_the_utc_one(case) -> None:
    # 23:30 UTC on 16 March is still 16 March in London (GMT): not yet due.
    assert send_due_reminders(datetime(2026, 3, 16, 23, 30, tzinfo=UTC)) == 0
    assert send_due_reminders(datetime(2026, 3, 17, 0, 30, tzinfo=UTC)) == 2


def test_submitted_and_withdrawn_agencies_are_not_reminded(app, case, agencies) -> None:
    from cases.operations import withdraw_invitation

    officer = db.session.scalar(db.select(User).where(User.email == "officer@police.example"))
    with time_machine.travel(at(date(2026, 3, 10)), tick=False):
        write_return(invitation_of(case, agencies["police"]).agency_return, officer, submit=True)
        withdraw_invitation(invitation_of(case, agencies["health"]), "Not needed", case.flagged_by)
        db.session.commit()
    cli = app.test_cli_runner()
    run_worker(cli, at(date(2026, 3, 17)))
    run_worker(cli, at(date(2026, 3, 23)))
    assert reminders() == []


def test_moving_the_reply_by_date_rearms_the_reminders(case, agencies) -> None:
    from cases.operations import update_case
    from tests.factories.cases import case_details

    assert send_due_reminders(at(date(2026, 3, 21))) == 2  # overdue
    with time_machine.travel(at(date(2026, 3, 23)), tick=False):
        update_case(case, case_details(reply_by=date(2026, 4, 10)), case.version, case.flagged_by)
        db.session.commit()
    before = len(reminders())
    assert send_due_reminders(at(date(2026, 4, 7))) == 2  # due soon for the new date (Tue 7 April)
    assert send_due_reminders(at(date(2026, 4, 8))) == 0
    assert send_due_reminders(at(date(2026, 4, 11))) == 2  # overdue again, for the new date
    assert len(reminders()) == before + 4


def test_the_inspector_sends_a_manual_reminder(client_for, case, agencies) -> None:
    inspector = make_user(Role.INSPECTOR)
    police = invitation_of(case, agencies["police"])
    with time_machine.travel(at(date(2026, 3, 10)), tick=False):
        response = client_for(inspector).post(f"/cases/invitations/{police.id}/remind")
    assert response.status_code == 302
    manual = reminders()
    assert [m.to_address for m in manual] == ["officer@police.example"]
    assert "reply about" in manual[0].subject and "20 March 2026" in manual[0].body_text
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.reminder_sent"))
    assert event.details["kind"] == "manual" and event.actor_id == inspector.id
    db.session.expire_all()
    assert police.last_manual_reminder_at_utc is not None
    # A manual reminder does not use up the automatic ones.
    assert send_due_reminders(at(date(2026, 3, 17))) == 2
