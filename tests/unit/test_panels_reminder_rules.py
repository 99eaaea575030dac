"""When a panel reminder is due: 7 days and 1 day before, once per panel start."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from panels.models import Reply
from panels.reminders import PanelReminder, ReminderFacts, reminder_due

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
INVITED = START - timedelta(days=30)


def facts(**changes: object) -> ReminderFacts:
    base = ReminderFacts(
        starts_at=START,
        scheduled=True,
        reply=None,
        active_person=True,
        notified_at=INVITED,
        week_sent_for=None,
        day_sent_for=None,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (timedelta(days=8), None),
        (timedelta(days=7), PanelReminder.WEEK),
        (timedelta(days=3), PanelReminder.WEEK),
        (timedelta(days=1), PanelReminder.DAY),
        (timedelta(hours=2), PanelReminder.DAY),
        (timedelta(0), None),
        (-timedelta(hours=1), None),
    ],
)
def test_the_reminder_due_depends_on_how_far_off_the_panel_is(
    before: timedelta, expected: PanelReminder | None
) -> None:
    assert reminder_due(facts(), START - before) == expected


def test_each_reminder_goes_once_per_start() -> None:
    now = START - timedelta(days=5)
    assert reminder_due(facts(week_sent_for=START), now) is None
    assert reminder_due(facts(week_sent_for=START - timedelta(days=2)), now) == PanelReminder.WEEK  # it moved
    later = START - timedelta(hours=20)
    assert reminder_due(facts(week_sent_for=START, day_sent_for=START), later) is None
    assert reminder_due(facts(week_sent_for=START), later) == PanelReminder.DAY


@pytest.mark.parametrize(
    ("reply", "due"), [(None, True), (Reply.ACCEPTED, True), (Reply.TENTATIVE, False), (Reply.DECLINED, False)]
)
def test_only_people_who_accepted_or_have_not_replied_are_reminded(reply: Reply | None, due: bool) -> None:
    assert (reminder_due(facts(reply=reply), START - timedelta(days=6)) is not None) is due


def test_no_reminders_for_cancelled_or_held_panels_or_deactivated_people() -> None:
    now = START - timedelta(days=6)
    assert reminder_due(facts(scheduled=False), now) is None
    assert reminder_due(facts(active_person=False), now) is None


def test_no_reminder_just_after_an_invitation_or_update_that_said_the_same() -> None:
    now = START - timedelta(days=5)
    assert reminder_due(facts(notified_at=START - timedelta(days=6)), now) is None
    assert reminder_due(facts(notified_at=START - timedelta(days=6)), START - timedelta(hours=12)) == PanelReminder.DAY
