"""The minutes' state machine: every step from every status for every part someone plays."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from panels.minutes_rules import (
    MinutesRole,
    MinutesStep,
    comments_by_problem,
    minutes_refusal,
    next_status,
    sees_minutes,
)
from panels.models import MinutesStatus

D, C, A = MinutesStatus.DRAFT, MinutesStatus.CIRCULATED, MinutesStatus.APPROVED
CONVENOR, TAKER, ATTENDEE = MinutesRole.CONVENOR, MinutesRole.MINUTE_TAKER, MinutesRole.ATTENDEE

# (step, from, role) -> the status it leaves the minutes in. Anything not listed is refused.
ALLOWED = {
    (MinutesStep.EDIT, D, CONVENOR): D,
    (MinutesStep.EDIT, C, CONVENOR): C,
    (MinutesStep.EDIT, D, TAKER): D,
    (MinutesStep.EDIT, C, TAKER): C,
    (MinutesStep.CIRCULATE, D, CONVENOR): C,
    (MinutesStep.COMMENT, C, ATTENDEE): C,
    (MinutesStep.COMMENT, C, TAKER): C,
    (MinutesStep.APPROVE, C, CONVENOR): A,
}


@pytest.mark.parametrize(("step", "status", "role"), list(itertools.product(MinutesStep, MinutesStatus, MinutesRole)))
def test_every_step_from_every_status_by_every_role(step, status, role) -> None:  # type: ignore[no-untyped-def]
    expected = ALLOWED.get((step, status, role))
    problem = minutes_refusal(step, status, {role})
    if expected is None:
        assert problem is not None
    else:
        assert problem is None and next_status(step, status) == expected


def test_nobody_changes_approved_minutes() -> None:
    assert minutes_refusal(MinutesStep.EDIT, A, {CONVENOR}) == "The minutes are approved: they can no longer change"
    assert minutes_refusal(MinutesStep.COMMENT, A, {ATTENDEE}) is not None


def test_who_sees_the_minutes() -> None:
    assert sees_minutes(None, set(), inspectorate=True)
    assert sees_minutes(D, {TAKER}, inspectorate=False)
    assert not sees_minutes(D, {ATTENDEE}, inspectorate=False)
    assert sees_minutes(C, {ATTENDEE}, inspectorate=False) and sees_minutes(A, {ATTENDEE}, inspectorate=False)
    assert not sees_minutes(A, set(), inspectorate=False)


def test_comments_are_due_today_or_later() -> None:
    today = date(2026, 5, 1)
    assert comments_by_problem(None, today) == "Enter the date comments are due by"
    assert comments_by_problem(date(2026, 4, 30), today) is not None
    assert comments_by_problem(today, today) is None
