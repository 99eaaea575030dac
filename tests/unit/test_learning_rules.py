"""The plain rules of actions and the annual summary: reporting years, published percentages,
status changes and when an overdue reminder is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning.models import ActionStatus
from learning.rules import (
    ReminderFacts,
    ReportingYear,
    UpdateRequest,
    largest_remainder_percentages,
    percentage,
    reminder_due,
    statuses_open_to,
    update_problems,
)

UTC = UTC


# --- reporting years -------------------------------------------------------------------------------


def test_a_reporting_year_runs_from_1_april_to_31_march() -> None:
    year = ReportingYear(2025)
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert year.label == "April 2025 to March 2026"
    assert year.previous == ReportingYear(2024)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2025, 4, 1), 2025),
        (date(2025, 3, 31), 2024),
        (date(2024, 2, 29), 2023),
    ],
)
def test_the_year_containing_a_day_turns_over_on_1_april(day: date, start_year: int) -> None:
    assert ReportingYear.containing(day) == ReportingYear(start_year)


def test_the_year_in_utc_starts_and_ends_at_london_midnight() -> None:
    year = ReportingYear(2025)
    # 1 April 2025 is in British Summer Time: London midnight is 23:00 UTC the day before.
    assert year.start_utc == datetime(2025, 3, 31, 23, 0, tzinfo=UTC)
    # 1 April 2026 likewise (the clocks went forward on 29 March 2026).
    assert year.end_utc == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)


# --- percentages that add up ---------------------------------------------------------------------------


def test_the_published_split_of_90_reviews_is_reproduced_exactly() -> None:
    # 41 Good, 48 Requires improvement, 1 Inadequate of 90 assured: published as 46%, 53%, 1%.
    assert largest_remainder_percentages([0, 41, 48, 1]) == [0, 46, 53, 1]


def test_rounding_each_share_alone_would_not_add_up_but_these_do() -> None:
    assert largest_remainder_percentages([1, 1, 1]) == [34, 33, 33]
    assert largest_remainder_percentages([2, 2, 2, 1]) == [29, 29, 28, 14]


def test_no_counts_give_no_percentages() -> None:
    assert largest_remainder_percentages([0, 0, 0]) == [0, 0, 0]
    assert largest_remainder_percentages([]) == []


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        largest_remainder_percentages([3, -1])


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12))
def test_percentages_always_add_up_to_100_and_stay_within_one_point_of_the_exact_share(counts: list[int]) -> None:
    result = largest_remainder_percentages(counts)
    total = sum(counts)
    if total == 0:
        assert result == [0] * len(counts)
        return
    assert sum(result) == 100
    for count, shown in zip(counts, result, strict=True):
        assert abs(shown - count * 100 / total) < 1


def test_a_single_percentage_rounds_halves_up() -> None:
    assert percentage(1, 8) == 13  # 12.5
    assert percentage(2, 3) == 67
    assert percentage(0, 5) == 0
    assert percentage(3, 0) is None


# --- progress updates --------------------------------------------------------------------------------


def _request(
    status: ActionStatus, *, progress: str = "Done some work", evidence: str = "", inspectorate: bool = False
) -> UpdateRequest:
    return UpdateRequest(progress=progress, evidence=evidence, new_status=status, by_inspectorate=inspectorate)


def test_completing_an_action_needs_evidence() -> None:
    problems = update_problems(ActionStatus.IN_PROGRESS, _request(ActionStatus.COMPLETED))
    assert problems == {"evidence": "Enter the evidence that the action is complete"}
    assert (
        update_problems(ActionStatus.IN_PROGRESS, _request(ActionStatus.COMPLETED, evidence="Audit of 20 cases")) == {}
    )


def test_not_accepting_an_action_needs_a_reason() -> None:
    problems = update_problems(ActionStatus.OPEN, _request(ActionStatus.NOT_ACCEPTED, progress="  "))
    assert problems == {"progress": "Enter the reason the action is not accepted"}


def test_only_the_inspectorate_reopens_a_closed_action() -> None:
    assert statuses_open_to(ActionStatus.COMPLETED, by_inspectorate=False) == []
    assert update_problems(ActionStatus.COMPLETED, _request(ActionStatus.IN_PROGRESS)) == {
        "status": "Only the Inspectorate can reopen a closed action"
    }
    assert update_problems(ActionStatus.COMPLETED, _request(ActionStatus.IN_PROGRESS, inspectorate=True)) == {}
    assert ActionStatus.OPEN not in statuses_open_to(ActionStatus.NOT_ACCEPTED, by_inspectorate=True)


def test_an_open_action_can_move_to_any_status() -> None:
    assert statuses_open_to(ActionStatus.OPEN, by_inspectorate=False) == list(ActionStatus)


# --- reminders -------------------------------------------------------------------------------------


def _facts(
    due_on: date,
    *,
    status: ActionStatus = ActionStatus.OPEN,
    sent_for: date | None = None,
    last: datetime | None = None,
) -> ReminderFacts:
    return ReminderFacts(status=status, due_on=due_on, reminders_for_due_on=sent_for, last_reminder_at=last)


def test_no_reminder_on_the_due_date_itself_then_one_the_day_after() -> None:
    due = date(2025, 6, 10)
    assert not reminder_due(_facts(due), datetime(2025, 6, 10, 22, 59, tzinfo=UTC))  # 23:59 in London
    assert reminder_due(_facts(due), datetime(2025, 6, 10, 23, 0, tzinfo=UTC))  # midnight in London


def test_after_the_first_reminder_the_next_is_a_week_later() -> None:
    due = date(2025, 6, 10)
    first = datetime(2025, 6, 11, 8, 0, tzinfo=UTC)
    facts = _facts(due, sent_for=due, last=first)
    assert not reminder_due(facts, first + timedelta(days=6, hours=23))
    assert reminder_due(facts, first + timedelta(days=7))


def test_a_new_due_date_starts_the_reminders_again() -> None:
    facts = _facts(date(2025, 7, 1), sent_for=date(2025, 6, 10), last=datetime(2025, 7, 1, 9, tzinfo=UTC))
    assert not reminder_due(facts, datetime(2025, 7, 1, 12, tzinfo=UTC))  # not yet overdue on the new date
    assert reminder_due(facts, datetime(2025, 7, 2, 12, tzinfo=UTC))


@pytest.mark.parametrize("status", [ActionStatus.COMPLETED, ActionStatus.NOT_ACCEPTED])
def test_closed_actions_are_never_reminded_about(status: ActionStatus) -> None:
    assert not reminder_due(_facts(date(2025, 1, 1), status=status), datetime(2025, 6, 1, tzinfo=UTC))


def test_completion_needs_a_file_only_where_the_action_says_so() -> None:
    from learning.models import ActionStatus
    from learning.rules import UpdateRequest, update_problems

    def asking(**fields: object) -> dict[str, str]:
        values: dict[str, object] = {
            "progress": "Done.",
            "evidence": "An audit.",
            "new_status": ActionStatus.COMPLETED,
            "by_inspectorate": False,
        }
        values.update(fields)
        return update_problems(ActionStatus.IN_PROGRESS, UpdateRequest(**values))  # type: ignore[arg-type]

    assert asking() == {}
    assert "evidence_files" in asking(needs_file=True)
    assert asking(needs_file=True, files=1) == {}
    assert asking(needs_file=True, earlier_files=2) == {}
    assert asking(needs_file=True, new_status=ActionStatus.IN_PROGRESS) == {}
