"""The plain rules of multi-agency cases: agency status, reminder timing, retention dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from cases.rules import (
    AgencyStatus,
    InvitationFacts,
    ReminderFacts,
    ReminderKind,
    add_months,
    agency_status,
    due_soon_from,
    identifiers_erased_on,
    reminder_due,
    working_days_before,
)
from core.formatting import london_today

REPLY_BY = date(2026, 3, 20)  # a Friday
NEW = InvitationFacts(
    withdrawn=False, opened=False, involvement_confirmed=False, findings_saved=False, submitted=False, reply_by=REPLY_BY
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, AgencyStatus.NOTIFIED),
        ({"opened": True}, AgencyStatus.OPENED),
        ({"opened": True, "involvement_confirmed": True}, AgencyStatus.INVOLVEMENT_CONFIRMED),
        ({"opened": True, "involvement_confirmed": True, "findings_saved": True}, AgencyStatus.DRAFT),
        ({"findings_saved": True, "submitted": True}, AgencyStatus.SUBMITTED),
        ({"submitted": True, "withdrawn": True}, AgencyStatus.WITHDRAWN),
    ],
)
def test_status_is_the_furthest_stage_reached(changes: dict, expected: AgencyStatus) -> None:
    assert agency_status(replace(NEW, **changes), today=date(2026, 3, 1)) == expected


def test_a_missed_reply_by_date_shows_as_overdue_until_the_return_is_submitted() -> None:
    drafting = replace(NEW, opened=True, findings_saved=True)
    assert agency_status(drafting, today=REPLY_BY) == AgencyStatus.DRAFT
    assert agency_status(drafting, today=date(2026, 3, 21)) == AgencyStatus.OVERDUE
    assert agency_status(replace(drafting, submitted=True), today=date(2026, 3, 21)) == AgencyStatus.SUBMITTED


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    assert working_days_before(date(2026, 3, 20), 3) == date(2026, 3, 17)  # Fri -> Tue
    assert working_days_before(date(2026, 3, 23), 3) == date(2026, 3, 18)  # Mon -> Wed, over a weekend
    # Tuesday 7 April 2026 follows Good Friday (3 April) and Easter Monday (6 April).
    assert working_days_before(date(2026, 4, 7), 1) == date(2026, 4, 2)
    # Substitute bank holidays: 27 and 28 December 2021.
    assert working_days_before(date(2021, 12, 29), 1) == date(2021, 12, 24)


REMINDER = ReminderFacts(
    reply_by=REPLY_BY,
    invited_on=date(2026, 3, 1),
    active=True,
    submitted=False,
    case_closed=False,
    due_soon_sent=False,
    overdue_sent=False,
)


def test_due_soon_reminder_falls_three_working_days_before_and_goes_once() -> None:
    assert due_soon_from(REPLY_BY) == date(2026, 3, 17)
    assert reminder_due(REMINDER, date(2026, 3, 16)) is None
    assert reminder_due(REMINDER, date(2026, 3, 17)) == ReminderKind.DUE_SOON
    assert reminder_due(REMINDER, REPLY_BY) == ReminderKind.DUE_SOON
    assert reminder_due(replace(REMINDER, due_soon_sent=True), REPLY_BY) is None


def test_overdue_reminder_goes_the_day_after_the_reply_by_date_and_once() -> None:
    assert reminder_due(replace(REMINDER, due_soon_sent=True), date(2026, 3, 21)) == ReminderKind.OVERDUE
    # Missing the "due soon" window entirely does not send it late: overdue is what matters then.
    assert reminder_due(REMINDER, date(2026, 3, 25)) == ReminderKind.OVERDUE
    assert reminder_due(replace(REMINDER, overdue_sent=True), date(2026, 3, 25)) is None


def test_no_reminders_for_submitted_withdrawn_or_closed_or_freshly_invited_agencies() -> None:
    for changes in ({"submitted": True}, {"active": False}, {"case_closed": True}):
        assert reminder_due(replace(REMINDER, **changes), date(2026, 3, 18)) is None
        assert reminder_due(replace(REMINDER, **changes), date(2026, 3, 25)) is None
    # Invited inside the window: the invitation itself gave the date, so no "due soon" reminder...
    late = replace(REMINDER, invited_on=date(2026, 3, 18))
    assert reminder_due(late, date(2026, 3, 19)) is None
    # ...but the overdue one still goes.
    assert reminder_due(late, date(2026, 3, 23)) == ReminderKind.OVERDUE


def test_london_today_uses_british_summer_time() -> None:
    # 23:30 UTC on 30 June is already 1 July in London.
    assert london_today(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert london_today(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(2026, 1, 31)


def test_add_months_clamps_to_the_end_of_short_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)


def test_identifiers_are_kept_while_the_case_is_open() -> None:
    assert identifiers_erased_on(None, 12) is None
    assert identifiers_erased_on(date(2026, 5, 1), 12) == date(2027, 5, 1)
    assert identifiers_erased_on(date(2026, 5, 1), 3) == date(2026, 8, 1)
