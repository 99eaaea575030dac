"""The minutes' state machine: every step from every status for every part someone plays."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from panels.minutes_rules import (
    AgreedLearning,
    MinutesRole,
    MinutesStep,
    comments_by_problem,
    minutes_refusal,
    next_status,
    sees_minutes,
    unfiled_learning,
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


def _agreed(number: int, text: str, theme: bool, level: bool) -> AgreedLearning:
    return AgreedLearning(number, f"MAC-{number}", text, theme_chosen=theme, level_chosen=level)


def test_learning_agreed_needs_its_theme_and_level_before_approval() -> None:
    items = [
        _agreed(3, "Share risk levels.", theme=False, level=False),
        _agreed(1, "Link incidents.", theme=True, level=True),
        _agreed(2, "Tell health.", theme=True, level=False),
        _agreed(4, "   ", theme=False, level=False),  # nothing agreed: nothing needed
        _agreed(5, "", theme=True, level=False),
    ]
    assert unfiled_learning(items) == [
        "Choose the level of the learning agreed at item 2 (case MAC-2): edit the minutes first",
        "Choose the theme and level of the learning agreed at item 3 (case MAC-3): edit the minutes first",
    ]
    assert unfiled_learning([_agreed(1, "Link incidents.", theme=False, level=True)]) == [
        "Choose the theme of the learning agreed at item 1 (case MAC-1): edit the minutes first"
    ]
    assert unfiled_learning([_agreed(1, "Link incidents.", theme=True, level=True)]) == []
    assert unfiled_learning([]) == []
